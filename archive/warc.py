"""The WARC 1.1 export: every stored capture as it was received, with its request and extracted text.

Per capture: a `response` record (original status line, headers and body), a
`request` record when the request headers are known (WARC-Concurrent-To the
response), and one `conversion` record per revision extracted from it
(text/plain title and text, WARC-Refers-To the response). A `warcinfo` record
opens the file. Each record is gzipped on its own, so tools can seek to it.

A page rendered in a browser (sources with render = "browser") has a second capture,
method RENDER, holding the rendered DOM: it becomes a `conversion` record (text/html)
whose WARC-Refers-To is the response record of the same URL written just before it.

One deliberate change to "as received": Scrapy decodes Content-Encoding (gzip,
deflate, br) before warta stores the body. A stored response whose header
still says e.g. `gzip` over a decoded body would break replay (pywb would try
to gunzip plain HTML), so that header is renamed X-Warta-Decoded-Content-Encoding,
Transfer-Encoding is dropped the same way, and Content-Length is set to the
length of the stored body.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from io import BytesIO
from typing import IO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from warta.archive.counts import ExportCounts
from warta.config import VERSION
from warta.storage.exports import CaptureRow

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
DECODED_HEADER = "X-Warta-Decoded-Content-Encoding"
# The capture method of a browser's rendered DOM (crawler.capturing writes it; storage only stores it).
RENDER_METHOD = "RENDER"


def body_is_encoded(encoding: str, body: bytes) -> bool:
    """Return True if `body` still carries the named content encoding (False: it was decoded)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return True
    if encoding in ("gzip", "x-gzip"):
        return body.startswith(GZIP_MAGIC)
    if encoding == "zstd":
        return body.startswith(ZSTD_MAGIC)
    if encoding == "deflate":
        for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
            try:
                zlib.decompressobj(wbits).decompress(body[:4096])
            except zlib.error:
                continue
            return True
        return False
    # br has no magic number; Scrapy only advertises it when it can decode it.
    return False


def replayable_headers(headers: list[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    """Return the response headers adjusted so they describe the stored body (see the module docstring)."""
    adjusted: list[tuple[str, str]] = []
    changed = False
    for name, value in headers:
        lower = name.lower()
        if lower == "content-encoding" and not body_is_encoded(value, body):
            adjusted.append((DECODED_HEADER, value))
            changed = True
        elif lower == "transfer-encoding":
            adjusted.append(("X-Warta-Decoded-Transfer-Encoding", value))
            changed = True
        elif lower != "content-length":
            adjusted.append((name, value))
    declared = [value for name, value in headers if name.lower() == "content-length"]
    if changed or not declared or declared[0].strip() != str(len(body)):
        adjusted.append(("Content-Length", str(len(body))))
    else:
        adjusted.append(("Content-Length", declared[0]))
    return adjusted


def warc_date(moment: datetime) -> str:
    """Return an aware time as a WARC-Date (UTC, 'Z', microseconds when present)."""
    # warcio formats naive UTC only; an aware time would come out as '+00:00Z'.
    return str(datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True))


class WarcExport:
    """Writes captures into one gzipped WARC 1.1 file."""

    def __init__(self, out: IO[bytes], organization: str, description: str, filename: str) -> None:
        self.writer = WARCWriter(out, gzip=True, warc_version="1.1")
        self.organization = organization
        self.description = description
        self.filename = filename

    def write_warcinfo(self) -> None:
        """Write the warcinfo record that opens the file."""
        info = {
            "software": f"warta/{VERSION} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "organization": self.organization,
            "description": self.description,
        }
        self.writer.write_record(self.writer.create_warcinfo_record(self.filename, info))

    def write_capture(self, capture: CaptureRow) -> str:
        """Write the capture's response, request and conversion records; return the response record id."""
        date = warc_date(capture.fetched_at)
        status_line = f"{capture.status} {capture.reason}".strip() if capture.reason else str(capture.status)
        http_headers = StatusAndHeaders(
            status_line,
            replayable_headers(capture.response_headers, capture.body),
            protocol=capture.http_version or "HTTP/1.1",
        )
        response = self.writer.create_warc_record(
            capture.url,
            "response",
            payload=BytesIO(capture.body),
            length=len(capture.body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date},
        )
        self.writer.write_record(response)
        response_id = str(response.rec_headers.get_header("WARC-Record-ID"))
        if capture.request_headers:
            self._write_request(capture, date, response_id)
        for conversion in capture.conversions:
            payload = f"{conversion.title}\n\n{conversion.text}\n".encode()
            record = self.writer.create_warc_record(
                capture.url,
                "conversion",
                payload=BytesIO(payload),
                length=len(payload),
                warc_content_type="text/plain; charset=utf-8",
                warc_headers_dict={
                    "WARC-Date": date,
                    "WARC-Refers-To": response_id,
                    "WARC-Warta-Document": conversion.document_uid,
                    "WARC-Warta-Revision": str(conversion.number),
                },
            )
            self.writer.write_record(record)
        return response_id

    def write_rendering(self, capture: CaptureRow, response_id: str | None) -> None:
        """Write the DOM a browser rendered as a `conversion` record referring to the response it was built from."""
        headers = {"WARC-Date": warc_date(capture.fetched_at), "WARC-Warta-Conversion": "rendered-dom"}
        if response_id is not None:
            headers["WARC-Refers-To"] = response_id
        record = self.writer.create_warc_record(
            capture.url,
            "conversion",
            payload=BytesIO(capture.body),
            length=len(capture.body),
            warc_content_type="text/html; charset=utf-8",
            warc_headers_dict=headers,
        )
        self.writer.write_record(record)

    def _write_request(self, capture: CaptureRow, date: str, response_id: str) -> None:
        parts = urlsplit(capture.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = list(capture.request_headers)
        if not any(name.lower() == "host" for name, _ in headers):
            headers.insert(0, ("Host", parts.netloc))
        http_headers = StatusAndHeaders(
            f"{capture.method} {target} {capture.http_version or 'HTTP/1.1'}", headers, is_http_request=True
        )
        record = self.writer.create_warc_record(
            capture.url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
        )
        self.writer.write_record(record)


def write_warc(
    captures: Iterable[CaptureRow], out: IO[bytes], organization: str, description: str, filename: str
) -> ExportCounts:
    """Write a warcinfo record and every capture to `out`; return what was written."""
    export = WarcExport(out, organization, description, filename)
    export.write_warcinfo()
    counts = ExportCounts()
    responses: dict[str, str] = {}
    for capture in captures:
        if capture.method == RENDER_METHOD:
            export.write_rendering(capture, responses.get(capture.url))
        else:
            responses[capture.url] = export.write_capture(capture)
        counts.captures += 1
    return counts
