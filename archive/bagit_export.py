"""The BagIt 1.0 export: a bag whose payload is the JSONL and the WARC of the selection.

The bag is a directory: data/documents.jsonl, data/archive.warc.gz, SHA-256 and
SHA-512 manifests, bag-info.txt naming the source organization (from
[archive] organization), the bagging date, the selection (External-Description),
the snapshot (External-Identifier), the operator's Contact-Email, for an
incremental export its series (Bag-Group-Identifier, Bag-Count), and the
Payload-Oxum; and the tag file crawl-log.jsonl, one line per crawl run that
recorded a capture in the bag (a tag file, so the payload stays the two files
`warta import` reads). The `bagit` library writes the manifests and tag files.
Note: bagit.make_bag changes the process's working directory while it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import bagit

from warta.archive.counts import ExportCounts
from warta.archive.errors import ExportError
from warta.archive.jsonl import write_jsonl
from warta.archive.provenance import Provenance, write_crawl_log
from warta.archive.warc import write_warc
from warta.config import VERSION
from warta.storage.document_records import DocumentRecord
from warta.storage.exports import CaptureRow, RunLogRow

logger = logging.getLogger(__name__)

JSONL_NAME = "documents.jsonl"
WARC_NAME = "archive.warc.gz"
CRAWL_LOG_NAME = "crawl-log.jsonl"
CHECKSUMS = ["sha256", "sha512"]
BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def write_bag(
    bag_dir: Path,
    documents: Callable[[], Iterable[DocumentRecord]],
    captures: Callable[[], Iterable[CaptureRow]],
    runs: Callable[[], Iterable[RunLogRow]],
    provenance: Provenance,
    current_only: bool,
) -> ExportCounts:
    """Write a bag into the new directory `bag_dir`; return what its payload holds."""
    bag_dir.mkdir()
    with (bag_dir / JSONL_NAME).open("wb") as out:
        counts = write_jsonl(documents(), out, current_only)
    with (bag_dir / WARC_NAME).open("wb") as out:
        counts.add(write_warc(captures(), out, provenance, WARC_NAME))
    bag_info = {
        "Source-Organization": provenance.organization,
        "Bagging-Date": date.today().isoformat(),
        "External-Description": provenance.description,
        "Bag-Software-Agent": f"warta {VERSION} with bagit-python {bagit.VERSION}",
        **provenance.bag_info(),
    }
    try:
        bagit.make_bag(str(bag_dir), bag_info=bag_info, checksums=CHECKSUMS)
        with (bag_dir / CRAWL_LOG_NAME).open("w", encoding="utf-8") as log:
            write_crawl_log(runs(), log)
        declare_bagit_1_0(bag_dir)
    except (bagit.BagError, RuntimeError) as exc:
        raise ExportError(f"bagit could not make the bag {bag_dir.name}: {exc}") from exc
    return counts


def declare_bagit_1_0(bag_dir: Path) -> None:
    """Mark the bag as BagIt 1.0 (RFC 8493) and rewrite its tag manifests to match (and cover every tag file)."""
    # bagit-python writes "BagIt-Version: 0.97"; the 1.0 layout it writes is the same,
    # so only bagit.txt and the tag manifests that hash it change.
    (bag_dir / "bagit.txt").write_text(BAGIT_TXT, encoding="utf-8")
    bagit.Bag(str(bag_dir)).save()


def validate_bag(bag_dir: Path) -> bagit.Bag:
    """Return the bag at `bag_dir` after a full validation (every payload checksum); raise bagit.BagError."""
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    return bag
