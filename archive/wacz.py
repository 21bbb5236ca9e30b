"""The WACZ export: the WARC export packaged by the `wacz` package (py-wacz) as WACZ 1.1.1.

py-wacz is the Webrecorder reference implementation, so ReplayWeb.page opens
what it writes: archive/data.warc.gz, a sorted CDXJ index, pages/pages.jsonl
and datapackage.json with a SHA-256 of every file (plus its own digest file).
The page list names every article page (a response with extracted text) once,
titled with its extracted title. Building the sorted index keeps one index
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

from warta.archive.counts import ExportCounts
from warta.archive.errors import ExportError
from warta.archive.warc import write_warc
from warta.storage.exports import CaptureRow

logger = logging.getLogger(__name__)

WARC_NAME = "data.warc.gz"


def _recording_pages(captures: Iterable[CaptureRow], pages: io.TextIOBase) -> Iterator[CaptureRow]:
    """Pass the captures through, writing one page line per new article URL."""
    seen: set[str] = set()
    for capture in captures:
        if capture.conversions and capture.status == 200 and capture.url not in seen:
            seen.add(capture.url)
            pages.write(json.dumps({"url": capture.url, "title": capture.conversions[-1].title}) + "\n")
        yield capture


def write_wacz(
    captures: Iterable[CaptureRow], output: Path, organization: str, description: str, title: str
) -> ExportCounts:
    """Write the captures as a WACZ file at `output`; return what was written."""
    with tempfile.TemporaryDirectory(prefix="warta-wacz-", dir=output.parent) as work:
        warc_path = Path(work) / WARC_NAME
        pages_path = Path(work) / "pages.jsonl"
        with warc_path.open("wb") as warc, pages_path.open("w", encoding="utf-8") as pages:
            pages.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title}) + "\n")
            counts = write_warc(_recording_pages(captures, pages), warc, organization, description, WARC_NAME)
        arguments = ["create", "-o", str(output), str(warc_path), "--title", title, "--desc", description]
        if counts.captures:
            arguments += ["-p", str(pages_path)]
        # imported here: py-wacz pulls in frictionless, half a second that other commands need not pay
        from wacz.main import main as wacz_main

        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            status = wacz_main(arguments)
        logger.debug("py-wacz said: %s", printed.getvalue().strip())
        if status != 0:
            raise ExportError(f"py-wacz could not package {output.name}: {printed.getvalue().strip()}")
    return counts
