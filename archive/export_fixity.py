"""Fixity of an export: a WARC, a WACZ or a bag checked against the digests it carries.

- WARC (.warc, .warc.gz): warcio recomputes every record's WARC-Block-Digest
  and WARC-Payload-Digest (as `warcio check` does); data that cannot be read
  is a problem named by its offset and the record before it.
- WACZ: every file against its SHA-256 and size in datapackage.json,
  datapackage.json against datapackage-digest.json, then the WARCs inside.
- Bag: bagit's full validation (every payload file against the manifests,
  Payload-Oxum), then the WARCs in its payload.

Nothing is changed; the report names every mismatch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import bagit
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from warta.archive.errors import ArchiveError
from warta.archive.fixity import FixityReport
from warta.archive.output import WARC_SUFFIXES

logger = logging.getLogger(__name__)

CHUNK = 1 << 20


class FixityTargetError(ArchiveError, ValueError):
    """Raised when the path given to check is missing or is not a WARC, a WACZ or a bag (exit 2)."""

    is_usage_problem = True


def export_kind(path: Path) -> str:
    """Return "bag", "wacz" or "warc" for what `path` holds; raise FixityTargetError when it is none of them."""
    if path.is_dir():
        if (path / "bagit.txt").is_file():
            return "bag"
        raise FixityTargetError(f"{path} is a folder without bagit.txt; give a bag, a .wacz, or a .warc(.gz) file")
    if not path.is_file():
        raise FixityTargetError(f"{path} does not exist; give the path of an export (a bag, a .wacz or a .warc.gz)")
    name = path.name.lower()
    if name.endswith(".wacz"):
        return "wacz"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    raise FixityTargetError(
        f"{path} is not a WARC, a WACZ or a bag; `warta verify --export` checks those (JSONL and CSV carry no digests)"
    )


def verify_export(path: Path) -> FixityReport:
    """Recompute the digests of the export at `path` (a WARC, a WACZ or a bag) and return the report."""
    kind = export_kind(path)
    report = FixityReport(str(path))
    if kind == "bag":
        verify_bag(path, report)
    elif kind == "wacz":
        verify_wacz(path, report)
    else:
        with path.open("rb") as stream:
            verify_warc(stream, path.name, report)
    logger.info("fixity of %s: %s", path, report.summary())
    return report


def verify_warc(stream: IO[bytes], name: str, report: FixityReport) -> None:
    """Check every record's block and payload digests in the WARC read from `stream`, adding to `report`."""
    iterator = ArchiveIterator(stream, check_digests=True)
    previous = "its first record"
    try:
        for record in iterator:
            headers = record.rec_headers
            target = " ".join(filter(None, (headers.get_header("WARC-Type"), headers.get_header("WARC-Target-URI"))))
            label = f"{name} record {headers.get_header('WARC-Record-ID')} ({target})"
            # reading the raw record to its end is what makes warcio compare the digests
            while record.raw_stream.read(CHUNK):
                pass
            report.count("WARC records")
            if record.digest_checker.passed is False:
                report.add(label, _digest_problems(record))
            previous = f"record {headers.get_header('WARC-Record-ID')}"
    except (ArchiveLoadFailed, OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
        # a damaged gzip member or record header: what follows cannot be read, so the check ends here
        report.add(f"{name} after {previous}", f"the WARC cannot be read from there on: {exc}")


def verify_bag(path: Path, report: FixityReport) -> None:
    """Validate the bag with bagit (manifests, Payload-Oxum), then check the WARCs in its payload."""
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as exc:
        report.add(f"bag {path}", f"it cannot be read as a bag: {exc}")
        return
    report.count("bag payload files", len(list(bag.payload_files())))
    try:
        bag.validate()
    except bagit.BagValidationError as exc:
        _add_bag_details(report, path, exc)
        if not getattr(exc, "details", None) and "Payload-Oxum" in bag.info:
            # a changed size fails the Payload-Oxum before any checksum is compared; compare them anyway
            # (in memory only, the bag is not changed) so that the report names the files
            del bag.info["Payload-Oxum"]
            try:
                bag.validate()
            except bagit.BagValidationError as again:
                _add_bag_details(report, path, again)
            except bagit.BagError as again:
                report.add(f"bag {path}", str(again))
    except bagit.BagError as exc:
        report.add(f"bag {path}", str(exc))
    for warc in sorted((path / "data").rglob("*")):
        if warc.is_file() and warc.name.lower().endswith(WARC_SUFFIXES):
            with warc.open("rb") as stream:
                verify_warc(stream, str(warc.relative_to(path)), report)


def _add_bag_details(report: FixityReport, path: Path, error: bagit.BagValidationError) -> None:
    details = list(getattr(error, "details", None) or [])
    for detail in details:
        name = str(getattr(detail, "path", path))
        report.add(f"bag file {name}", str(detail).removeprefix(f"{name} "))
    if not details:
        report.add(f"bag {path}", str(error))


def verify_wacz(path: Path, report: FixityReport) -> None:
    """Check each file of the WACZ against datapackage.json and that against its digest, then the WARCs inside."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.add(f"WACZ {path}", f"it cannot be opened as a ZIP file: {exc}")
        return
    with archive:
        package = _datapackage(archive, report)
        if package is None:
            return
        resources = [item for item in package.get("resources", []) if isinstance(item, dict)]
        listed = {str(item.get("path")) for item in resources}
        for item in resources:
            report.count("WACZ files")
            _check_member(archive, str(item.get("path")), str(item.get("hash", "")), item.get("bytes"), report)
        unlisted = set(archive.namelist()) - listed - {"datapackage.json", "datapackage-digest.json"}
        for member in sorted(name for name in unlisted if not name.endswith("/")):
            report.add(f"WACZ file {member}", "it is not listed in datapackage.json, so nothing vouches for it")
        for member in _warc_members(listed):
            try:
                with archive.open(member) as stream:
                    verify_warc(stream, member, report)
            except KeyError:
                pass  # already reported as a listed file that is missing


def _datapackage(archive: zipfile.ZipFile, report: FixityReport) -> dict[str, Any] | None:
    try:
        raw = archive.read("datapackage.json")
    except KeyError:
        report.add("WACZ datapackage.json", "it is missing, so no file can be checked")
        return None
    except (zipfile.BadZipFile, OSError) as exc:
        report.add("WACZ datapackage.json", f"it cannot be read: {exc}")
        return None
    report.count("WACZ files")
    try:
        digest_file = json.loads(archive.read("datapackage-digest.json"))
    except KeyError:
        digest_file = None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        report.add("WACZ datapackage-digest.json", f"it cannot be read: {exc}")
        digest_file = None
    if isinstance(digest_file, dict):
        expected = str(digest_file.get("hash", ""))
        found = "sha256:" + hashlib.sha256(raw).hexdigest()
        if expected != found:
            report.add("WACZ datapackage.json", f"datapackage-digest.json records {expected} but it hashes to {found}")
    try:
        package = json.loads(raw)
    except ValueError as exc:
        report.add("WACZ datapackage.json", f"it is not JSON: {exc}")
        return None
    return package if isinstance(package, dict) else None


def _check_member(archive: zipfile.ZipFile, member: str, expected: str, size: Any, report: FixityReport) -> None:
    label = f"WACZ file {member}"
    algorithm, _, _value = expected.partition(":")
    if algorithm not in hashlib.algorithms_available:
        report.add(label, f"datapackage.json gives no usable hash for it ({expected!r})")
        return
    digest = hashlib.new(algorithm)
    length = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                length += len(chunk)
    except KeyError:
        report.add(label, "it is listed in datapackage.json but missing from the WACZ")
        return
    except (zipfile.BadZipFile, OSError) as exc:
        report.add(label, f"its bytes do not match the ZIP's own checksum: {exc}")
        return
    found = f"{algorithm}:{digest.hexdigest()}"
    if found != expected:
        report.add(label, f"datapackage.json records {expected} but it hashes to {found}")
    if isinstance(size, int) and size != length:
        report.add(label, f"datapackage.json records {size} bytes but it holds {length}")


def _warc_members(names: Iterable[str]) -> list[str]:
    return sorted(name for name in names if name.startswith("archive/") and name.lower().endswith(WARC_SUFFIXES))


def _digest_problems(record: Any) -> str:
    return "; ".join(str(problem) for problem in record.digest_checker.problems) or "a digest does not match"
