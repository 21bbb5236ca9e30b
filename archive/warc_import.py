"""Reading an export's WARC back into captures, for `warta import BAG` (a full restore).

It reads what archive.warc writes: a `response` or `revisit` record per capture,
followed by the `metadata` record of a 304 (its status line and headers), the
`request` record (WARC-Concurrent-To) and one `conversion` record per revision
(WARC-Warta-Document and WARC-Warta-Revision), a page's requisites in a
`metadata` record (WARC-Warta-Metadata: requisites); a browser's rendered DOM, a
`conversion` record of its own (WARC-Warta-Conversion: rendered-dom), comes back
as a RENDER capture. Bodies come back byte for byte
from the record's payload, not decoded, so an export of the restored archive
has the same digests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from warta.archive.errors import ImportFileError
from warta.archive.warc import CONVERSION_HEADER, METADATA_HEADER, PROFILE_URI, RENDERED_DOM, REQUISITES
from warta.storage.capture_imports import RestoredCapture
from warta.storage.capture_revisits import IDENTICAL_PAYLOAD_DIGEST
from warta.storage.captures import RENDER_METHOD, HttpExchange


@dataclass
class _Capture:
    """A capture being read: its response or revisit record, then the records that follow it."""

    record_id: str
    url: str
    fetched_at: datetime
    status: int
    reason: str
    http_version: str
    response_headers: list[tuple[str, str]]
    body: bytes
    body_of: tuple[str, datetime] | None = None
    document_uid: str | None = None
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    revisions: list[tuple[str, int]] = field(default_factory=list)
    requisites: list[tuple[str, datetime]] = field(default_factory=list)

    def restored(self) -> RestoredCapture:
        exchange = HttpExchange(
            url=self.url,
            status=self.status,
            response_headers=tuple(self.response_headers),
            body=self.body,
            fetched_at=self.fetched_at,
            method=self.method,
            reason=self.reason,
            http_version=self.http_version,
            request_headers=tuple(self.request_headers),
        )
        return RestoredCapture(exchange, tuple(self.revisions), self.body_of, self.document_uid, tuple(self.requisites))


def warc_time(value: str) -> datetime:
    """Return a WARC-Date as an aware datetime."""
    return datetime.fromisoformat(value)


def read_captures(path: Path) -> Iterator[RestoredCapture]:
    """Yield the captures of a warta WARC export in file order; raise ImportFileError for an unreadable one."""
    try:
        with path.open("rb") as stream:
            current: _Capture | None = None
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    if current is not None:
                        yield current.restored()
                    current = _start(record)
                elif record.rec_headers.get_header(CONVERSION_HEADER) == RENDERED_DOM:
                    if current is not None:
                        yield current.restored()
                    yield _rendering(record, current)
                    current = None
                elif current is not None:
                    _add(current, record)
            if current is not None:
                yield current.restored()
    except (ArchiveLoadFailed, ValueError, KeyError) as exc:
        raise ImportFileError(f"{path} is not a readable warta WARC ({exc}); nothing was imported") from exc


def _status(statusline: str) -> tuple[int, str]:
    code, _, reason = statusline.strip().partition(" ")
    return int(code), reason


def _start(record: ArcWarcRecord) -> _Capture:
    headers = record.rec_headers
    record_id = str(headers.get_header("WARC-Record-ID"))
    url = str(headers.get_header("WARC-Target-URI"))
    fetched_at = warc_time(str(headers.get_header("WARC-Date")))
    profile = str(headers.get_header("WARC-Profile") or "")
    http = record.http_headers
    document_uid = headers.get_header("WARC-Warta-Document")
    if record.rec_type == "revisit" and profile != PROFILE_URI + IDENTICAL_PAYLOAD_DIGEST:
        # a 304: its status line and headers follow in a metadata record
        return _Capture(record_id, url, fetched_at, 304, "Not Modified", "HTTP/1.1", [], b"", document_uid=document_uid)
    status, reason = _status(http.statusline)
    capture = _Capture(record_id, url, fetched_at, status, reason, http.protocol, list(http.headers), b"")
    capture.document_uid = document_uid
    if record.rec_type == "revisit":
        refers_to = str(headers.get_header("WARC-Refers-To-Target-URI"))
        capture.body_of = (refers_to, warc_time(str(headers.get_header("WARC-Refers-To-Date"))))
    else:
        capture.body = record.raw_stream.read()
    return capture


def _rendering(record: ArcWarcRecord, response: _Capture | None) -> RestoredCapture:
    """Return the DOM a browser rendered (a RENDER capture), with the status of the response it was built from."""
    status, reason = (response.status, response.reason) if response is not None else (200, "OK")
    exchange = HttpExchange(
        url=str(record.rec_headers.get_header("WARC-Target-URI")),
        status=status,
        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=record.raw_stream.read(),
        fetched_at=warc_time(str(record.rec_headers.get_header("WARC-Date"))),
        method=RENDER_METHOD,
        reason=reason,
    )
    return RestoredCapture(exchange)


def _add(capture: _Capture, record: ArcWarcRecord) -> None:
    headers = record.rec_headers
    if record.rec_type == "request" and headers.get_header("WARC-Concurrent-To") == capture.record_id:
        capture.method = record.http_headers.protocol
        capture.request_headers = list(record.http_headers.headers)
    elif headers.get_header("WARC-Refers-To") != capture.record_id:
        return
    elif record.rec_type == "metadata" and headers.get_header(METADATA_HEADER) == REQUISITES:
        capture.requisites += _read_requisites(record.raw_stream.read().decode("utf-8"))
    elif record.rec_type == "metadata":
        _read_not_modified(capture, record.raw_stream.read().decode("utf-8"))
    elif record.rec_type == "conversion":
        document = headers.get_header("WARC-Warta-Document")
        number = headers.get_header("WARC-Warta-Revision")
        if document and number:
            capture.revisions.append((str(document), int(number)))


def _read_requisites(fields: str) -> list[tuple[str, datetime]]:
    """Read the (URL, time) of each requisite a page's metadata record lists."""
    found: list[tuple[str, datetime]] = []
    for line in fields.split("\r\n"):
        name, _, value = line.partition(": ")
        if name == "requisite":
            moment, _, url = value.partition(" ")
            found.append((url, warc_time(moment)))
    return found


def _read_not_modified(capture: _Capture, fields: str) -> None:
    """Read the status line and headers of a 304 from its metadata record's warc-fields."""
    for line in fields.split("\r\n"):
        name, _, value = line.partition(": ")
        if name == "HTTP-Status-Line":
            protocol, _, status_line = value.partition(" ")
            capture.http_version = protocol
            capture.status, capture.reason = _status(status_line)
        elif name == "HTTP-Header":
            header, _, header_value = value.partition(": ")
            capture.response_headers.append((header, header_value))
