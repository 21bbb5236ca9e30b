"""The WARC 1.1 export: every stored capture as it was received, with its request and extracted text.

Per capture: a `response` record (original status line, headers and body), a
`request` record when the request headers are known (WARC-Concurrent-To the
response), and one `conversion` record per revision extracted from it
(text/plain title and text, WARC-Refers-To the response). A `warcinfo` record
opens the file with the export's provenance (archive.provenance), and every
other record names it in WARC-Warcinfo-ID. Each record is gzipped on its own,
so tools can seek to it.

A capture that repeats an earlier one (storage.capture_revisits) is a `revisit`
record instead, with WARC-Refers-To-Target-URI and WARC-Refers-To-Date of the
capture holding the body. An unchanged 200 (profile identical-payload-digest)
keeps its HTTP headers and names the body's WARC-Payload-Digest. A 304 (profile
server-not-modified) has an empty block, because replay tools (pywb) replay a
revisit whose own status is 3xx as that status with no content; it names the
WARC-Payload-Digest of the body the server said is unchanged (so indexers and
pywb find that body by digest). The 304's status line and headers follow in a
`metadata` record (WARC-Refers-To the revisit, application/warc-fields: one
`HTTP-Status-Line` and an `HTTP-Header` per header), so nothing received is
lost; replay tools skip such records.

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

import base64
import hashlib
import logging
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from io import BytesIO
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from warta.archive.counts import ExportCounts
from warta.archive.provenance import Provenance
from warta.storage.capture_revisits import IDENTICAL_PAYLOAD_DIGEST, RevisitOf
from warta.storage.captures import RENDER_METHOD
from warta.storage.exports import CaptureRow

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
DECODED_HEADER = "X-Warta-Decoded-Content-Encoding"
PROFILE_URI = "http://netpreserve.org/warc/1.1/revisit/"
WARC_FIELDS = "application/warc-fields"
# The header that marks a browser's rendered DOM among the conversion records (the others hold extracted text)
CONVERSION_HEADER = "WARC-Warta-Conversion"
RENDERED_DOM = "rendered-dom"
# The header that marks the metadata record listing a page's requisites (one `requisite: DATE URL` field each)
METADATA_HEADER = "WARC-Warta-Metadata"
REQUISITES = "requisites"


def payload_digest(body: bytes) -> str:
    """Return the WARC-Payload-Digest of a body as warcio writes it (SHA-1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


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


def not_modified_fields(capture: CaptureRow) -> str:
    """Return the status line and headers of a 304 as the application/warc-fields block of its metadata record."""
    status_line = f"{capture.http_version or 'HTTP/1.1'} {capture.status} {capture.reason}".strip()
    lines = [f"HTTP-Status-Line: {status_line}"] + [
        f"HTTP-Header: {name}: {value}" for name, value in capture.response_headers
    ]
    return "".join(line + "\r\n" for line in lines)


def warc_date(moment: datetime) -> str:
    """Return an aware time as a WARC-Date (UTC, 'Z', microseconds when present)."""
    # warcio formats naive UTC only; an aware time would come out as '+00:00Z'.
    return str(datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True))


class ProvenanceWriter(WARCWriter):  # type: ignore[misc]
    """A WARCWriter that stamps every record after the warcinfo with WARC-Warcinfo-ID."""

    warcinfo_id: str | None = None

    def write_record(self, record: ArcWarcRecord, params: Any = None) -> None:
        """Write `record`, naming the file's warcinfo record in its headers."""
        headers = record.rec_headers
        if self.warcinfo_id and record.rec_type != "warcinfo" and not headers.get_header("WARC-Warcinfo-ID"):
            headers.add_header("WARC-Warcinfo-ID", self.warcinfo_id)
        super().write_record(record, params)


class WarcExport:
    """Writes captures into one gzipped WARC 1.1 file."""

    def __init__(self, out: IO[bytes], provenance: Provenance, filename: str) -> None:
        self.writer = ProvenanceWriter(out, gzip=True, warc_version="1.1")
        self.provenance = provenance
        self.filename = filename

    def write_warcinfo(self) -> None:
        """Write the warcinfo record that opens the file; every later record refers to it."""
        record = self.writer.create_warcinfo_record(self.filename, self.provenance.warcinfo_fields())
        self.writer.write_record(record)
        self.writer.warcinfo_id = str(record.rec_headers.get_header("WARC-Record-ID"))

    def write_capture(self, capture: CaptureRow) -> str:
        """Write the capture's response (or revisit), request and conversion records; return the first's id."""
        date = warc_date(capture.fetched_at)
        status_line = f"{capture.status} {capture.reason}".strip() if capture.reason else str(capture.status)
        http_headers = StatusAndHeaders(
            status_line,
            replayable_headers(capture.response_headers, capture.body),
            protocol=capture.http_version or "HTTP/1.1",
        )
        if capture.revisit is not None:
            response = self._revisit(capture, capture.revisit, date, http_headers)
        else:
            response = self.writer.create_warc_record(
                capture.url,
                "response",
                payload=BytesIO(capture.body),
                length=len(capture.body),
                http_headers=http_headers,
                warc_headers_dict={"WARC-Date": date, **_document_header(capture)},
            )
        self.writer.write_record(response)
        response_id = str(response.rec_headers.get_header("WARC-Record-ID"))
        if capture.revisit is not None and capture.revisit.profile != IDENTICAL_PAYLOAD_DIGEST:
            self._write_not_modified_headers(capture, date, response_id)
        if capture.request_headers:
            self._write_request(capture, date, response_id)
        if capture.requisites:
            self._write_requisites(capture, date, response_id)
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

    def _revisit(self, capture: CaptureRow, revisit: RevisitOf, date: str, http_headers: StatusAndHeaders) -> Any:
        refers = {
            "WARC-Date": date,
            "WARC-Profile": PROFILE_URI + revisit.profile,
            "WARC-Refers-To-Target-URI": revisit.url,
            "WARC-Refers-To-Date": warc_date(revisit.fetched_at),
            **_document_header(capture),
        }
        if revisit.profile == IDENTICAL_PAYLOAD_DIGEST:
            refers["WARC-Payload-Digest"] = payload_digest(capture.body)
            return self.writer.create_warc_record(
                capture.url, "revisit", http_headers=http_headers, warc_headers_dict=refers
            )
        if capture.repeated_body is not None:
            refers["WARC-Payload-Digest"] = payload_digest(capture.repeated_body)
        return self.writer.create_warc_record(capture.url, "revisit", warc_headers_dict=refers)

    def _write_not_modified_headers(self, capture: CaptureRow, date: str, revisit_id: str) -> None:
        """Write the 304's status line and headers in a metadata record that refers to its revisit."""
        self._write_metadata(capture, not_modified_fields(capture), {"WARC-Date": date, "WARC-Refers-To": revisit_id})

    def _write_requisites(self, capture: CaptureRow, date: str, response_id: str) -> None:
        """Write the page's requisites (their URL and WARC-Date) in a metadata record, so a restore links them again."""
        fields = "".join(f"requisite: {warc_date(moment)} {url}\r\n" for url, moment in capture.requisites)
        headers = {"WARC-Date": date, "WARC-Refers-To": response_id, METADATA_HEADER: REQUISITES}
        self._write_metadata(capture, fields, headers)

    def _write_metadata(self, capture: CaptureRow, fields: str, headers: dict[str, str]) -> None:
        """Write a metadata record of `fields` (application/warc-fields) about the capture's URL."""
        block = fields.encode("utf-8")
        record = self.writer.create_warc_record(
            capture.url,
            "metadata",
            payload=BytesIO(block),
            length=len(block),
            warc_content_type=WARC_FIELDS,
            warc_headers_dict=headers,
        )
        self.writer.write_record(record)

    def write_rendering(self, capture: CaptureRow, response_id: str | None) -> None:
        """Write the DOM a browser rendered as a `conversion` record referring to the response it was built from."""
        headers = {"WARC-Date": warc_date(capture.fetched_at), CONVERSION_HEADER: RENDERED_DOM}
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


def _document_header(capture: CaptureRow) -> dict[str, str]:
    """Return the header naming the document a capture showed, so a restore links it again."""
    return {"WARC-Warta-Document": capture.document_uid} if capture.document_uid else {}


def write_warc(captures: Iterable[CaptureRow], out: IO[bytes], provenance: Provenance, filename: str) -> ExportCounts:
    """Write a warcinfo record and every capture to `out`; return what was written."""
    export = WarcExport(out, provenance, filename)
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
