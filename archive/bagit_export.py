"""The BagIt 1.0 export: a bag whose payload is the JSONL and the WARC of the selection.

The bag is a directory: data/documents.jsonl, data/archive.warc.gz, SHA-256 and
SHA-512 manifests, and bag-info.txt naming the source organization (from
[archive] organization), the bagging date, the selection (External-Description)
and the Payload-Oxum. The `bagit` library writes the manifests and tag files.
Note: bagit.make_bag changes the process's working directory while it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import bagit

from archive.counts import ExportCounts
from archive.jsonl import write_jsonl
from archive.warc import write_warc
from config import VERSION
from storage.exports import CaptureRow, DocumentRow

logger = logging.getLogger(__name__)

JSONL_NAME = "documents.jsonl"
WARC_NAME = "archive.warc.gz"
CHECKSUMS = ["sha256", "sha512"]


def write_bag(
    bag_dir: Path,
    documents: Callable[[], Iterable[DocumentRow]],
    captures: Callable[[], Iterable[CaptureRow]],
    organization: str,
    description: str,
    current_only: bool,
) -> ExportCounts:
    """Write a bag into the new directory `bag_dir`; return what its payload holds."""
    bag_dir.mkdir()
    with (bag_dir / JSONL_NAME).open("wb") as out:
        counts = write_jsonl(documents(), out, current_only)
    with (bag_dir / WARC_NAME).open("wb") as out:
        counts.add(write_warc(captures(), out, organization, description, WARC_NAME))
    bag_info = {
        "Source-Organization": organization,
        "Bagging-Date": date.today().isoformat(),
        "External-Description": description,
        "Bag-Software-Agent": f"warta {VERSION} with bagit-python {bagit.VERSION}",
    }
    bagit.make_bag(str(bag_dir), bag_info=bag_info, checksums=CHECKSUMS)
    return counts


def validate_bag(bag_dir: Path) -> bagit.Bag:
    """Return the bag at `bag_dir` after a full validation (every payload checksum); raise bagit.BagError."""
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    return bag
