"""Fixity of the stored archive: every digest recomputed from the bytes and texts as they are stored now.

A blob's key is the SHA-256 of the body it holds, so the body is hashed again
and compared with its key and its recorded size; each capture's body_size is
compared with its blob's. A revision's content_hash is recomputed from its
title and text with the function recording used (storage.fingerprints). A
mismatch is a `FixityProblem` naming the record; nothing is repaired or changed.
Exports are checked by warta.archive.export_fixity.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from warta.storage.database import Database
from warta.storage.fingerprints import content_hash
from warta.storage.fixity import CaptureBody, StoredBlob, iter_blobs, iter_capture_bodies, iter_revisions

logger = logging.getLogger(__name__)

# A report keeps this many problems in full; beyond it, only the count grows.
MAX_PROBLEMS_KEPT = 1000


@dataclass(frozen=True)
class FixityProblem:
    """One record whose stored digest or size does not match what its bytes give now."""

    record: str
    detail: str

    def __str__(self) -> str:
        return f"{self.record}: {self.detail}"


@dataclass
class FixityReport:
    """What one check verified: records checked by kind, and the problems found."""

    target: str
    checked: Counter[str] = field(default_factory=Counter)
    problems: list[FixityProblem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def is_ok(self) -> bool:
        """Return True when no problem was found."""
        return self.problem_count == 0

    def count(self, kind: str, number: int = 1) -> None:
        """Count `number` records of `kind` checked."""
        self.checked[kind] += number

    def add(self, record: str, detail: str) -> None:
        """Record a problem (kept in full up to MAX_PROBLEMS_KEPT)."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(FixityProblem(record, detail))

    def merge(self, other: FixityReport) -> None:
        """Add another report's counts and problems to this one."""
        self.checked.update(other.checked)
        self.problem_count += other.problem_count
        self.problems += other.problems[: max(0, MAX_PROBLEMS_KEPT - len(self.problems))]

    def summary(self) -> str:
        """Return one line: the target, what was checked and the problem count."""
        checked = ", ".join(f"{number} {kind}" for kind, number in sorted(self.checked.items())) or "nothing"
        verdict = "ok" if self.is_ok else plural(self.problem_count, "mismatch", "mismatches")
        return f"{self.target}: {checked} checked, {verdict}"


def verify_archive(database: Database) -> FixityReport:
    """Recompute the digests of every stored blob, capture body and revision text; return the report."""
    report = FixityReport("archive")
    with database.reading() as session:
        bad_blobs: dict[str, str] = {}
        for blob in iter_blobs(session):
            report.count("blobs")
            problem = blob_problem(blob)
            if problem:
                bad_blobs[blob.sha256] = problem
        named: set[str] = set()
        for capture in iter_capture_bodies(session):
            report.count("captures")
            problem = capture_problem(capture, bad_blobs)
            if problem:
                named.add(capture.body_sha256 or "")
                report.add(f"capture {capture.capture_id} {capture.url}", problem)
        for digest in sorted(bad_blobs.keys() - named):
            report.add(f"blob {digest} (no capture refers to it)", bad_blobs[digest])
        for revision in iter_revisions(session):
            report.count("revisions")
            digest = content_hash(revision.title, revision.text)
            if digest != revision.content_hash:
                report.add(
                    f"revision {revision.number} of document {revision.document_uid} {revision.url}",
                    f"content_hash is {revision.content_hash} but its title and text hash to {digest}",
                )
    logger.info("fixity of the archive: %s", report.summary())
    return report


def blob_problem(blob: StoredBlob) -> str:
    """Return what is wrong with a stored blob (its body does not hash to its key or size), or ""."""
    if blob.body is None:
        return blob.error
    problems = []
    digest = hashlib.sha256(blob.body).hexdigest()
    if digest != blob.sha256:
        problems.append(f"the stored body hashes to sha256 {digest}, not to its key")
    if len(blob.body) != blob.size:
        problems.append(f"the blob records {blob.size} bytes but holds {len(blob.body)}")
    return "; ".join(problems)


def capture_problem(capture: CaptureBody, bad_blobs: Mapping[str, str]) -> str:
    """Return what is wrong with a capture's body (missing, wrong size, a bad blob), or ""."""
    digest = capture.body_sha256
    if digest is None:
        return f"body_size is {capture.body_size} but no body is stored" if capture.body_size else ""
    if capture.blob_size is None:
        return f"its body (blob {digest}) is missing"
    if digest in bad_blobs:
        return f"its body (blob {digest}) is damaged: {bad_blobs[digest]}"
    if capture.blob_size != capture.body_size:
        return f"body_size is {capture.body_size} but its body (blob {digest}) holds {capture.blob_size} bytes"
    return ""


def plural(count: int, one: str, many: str) -> str:
    """Return e.g. "1 mismatch" or "3 mismatches"."""
    return f"{count} {one if count == 1 else many}"
