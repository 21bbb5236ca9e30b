"""The WACZ export: the WARC export packaged by the `wacz` package (py-wacz) as WACZ 1.1.1.

py-wacz is the Webrecorder reference implementation, so ReplayWeb.page opens
what it writes: archive/data.warc.gz, a sorted CDXJ index, pages/pages.jsonl
and datapackage.json with a SHA-256 of every file (plus its own digest file).
warta writes the page list itself and py-wacz copies it in: one entry per
revision (an article capture with extracted text), with its title, its text
(so ReplayWeb.page can search it) and the timestamp of its capture, so an
edited story lists each version. Building the sorted index keeps one index
line per capture in memory (about 300 bytes each); the WARC itself streams.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from warcio.timeutils import iso_date_to_timestamp, timestamp_to_iso_date

from warta.archive.counts import ExportCounts
from warta.archive.errors import ExportError
from warta.archive.provenance import Provenance
from warta.archive.warc import warc_date, write_warc
from warta.storage.exports import CaptureRow

logger = logging.getLogger(__name__)

WARC_NAME = "data.warc.gz"


def page_timestamp(capture: CaptureRow) -> str:
    """Return the `ts` of a page: its capture's WARC-Date at the seconds the index keys captures by."""
    return str(timestamp_to_iso_date(iso_date_to_timestamp(warc_date(capture.fetched_at))))


def page_entries(capture: CaptureRow) -> list[dict[str, str]]:
    """Return the page list entries of a capture: one per revision extracted from it."""
    if capture.status != 200:
        return []
    ts = page_timestamp(capture)
    return [
        {
            "id": f"{conversion.document_uid}-{conversion.number}",
            "url": capture.url,
            "ts": ts,
            "title": conversion.title,
            "text": conversion.text,
        }
        for conversion in capture.conversions
    ]


def _recording_pages(captures: Iterable[CaptureRow], pages: io.TextIOBase) -> Iterator[CaptureRow]:
    """Pass the captures through, writing one page line per revision extracted from them."""
    for capture in captures:
        for entry in page_entries(capture):
            pages.write(json.dumps(entry, ensure_ascii=False) + "\n")
        yield capture


def write_wacz(captures: Iterable[CaptureRow], output: Path, provenance: Provenance, title: str) -> ExportCounts:
    """Write the captures as a WACZ file at `output`; return what was written."""
    description = provenance.description
    with tempfile.TemporaryDirectory(prefix="warta-wacz-", dir=output.parent) as work:
        warc_path = Path(work) / WARC_NAME
        pages_path = Path(work) / "pages.jsonl"
        with warc_path.open("wb") as warc, pages_path.open("w", encoding="utf-8") as pages:
            header = {"format": "json-pages-1.0", "id": "pages", "title": title, "hasText": True}
            pages.write(json.dumps(header, ensure_ascii=False) + "\n")
            counts = write_warc(_recording_pages(captures, pages), warc, provenance, WARC_NAME)
        arguments = ["create", "-o", str(output), str(warc_path), "--title", title, "--desc", description]
        if counts.captures:
            # copied as written: py-wacz's own page matching keeps one page per URL and drops the text flag
            arguments += ["-p", str(pages_path), "--copy-pages"]
        # imported here: py-wacz pulls in frictionless, half a second that other commands need not pay
        from wacz.main import main as wacz_main

        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            status = wacz_main(arguments)
        logger.debug("py-wacz said: %s", printed.getvalue().strip())
        if status != 0:
            raise ExportError(f"py-wacz could not package {output.name}: {printed.getvalue().strip()}")
    return counts
