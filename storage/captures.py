"""Captures: every HTTP response kept as received, with bodies stored once per distinct content."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from warta.storage.models import Blob, Capture
from warta.storage.upserts import insert_ignoring_conflict

Headers = Sequence[tuple[str, str]]
# The method of a capture that holds the DOM a browser rendered from the GET capture before it (crawler.browser).
RENDER_METHOD = "RENDER"


@dataclass(frozen=True)
class HttpExchange:
    """One request and the response received for it."""

    url: str
    status: int
    response_headers: Headers
    body: bytes
    fetched_at: datetime
    method: str = "GET"
    reason: str = ""
    http_version: str = "HTTP/1.1"
    request_headers: Headers = ()


def save_capture(
    session: Session,
    exchange: HttpExchange,
    source_id: str | None = None,
    run_id: int | None = None,
    document_id: int | None = None,
) -> int:
    """Store the exchange (its body only if not already held) and return the capture id."""
    body_sha256 = store_blob(session, exchange.body) if exchange.body else None
    captures: Any = Capture.__table__  # a plain INSERT: every response of every crawl comes through here
    values = capture_row(exchange, source_id, run_id, document_id, body_sha256)
    return int(session.execute(insert(captures).returning(captures.c.id), values).scalar_one())


def capture_row(
    exchange: HttpExchange,
    source_id: str | None,
    run_id: int | None,
    document_id: int | None,
    body_sha256: str | None = None,
) -> dict[str, Any]:
    """Return the column values of the capture of `exchange` (its body stored under `body_sha256`, if any)."""
    return {
        "url": exchange.url,
        "method": exchange.method,
        "status": exchange.status,
        "reason": exchange.reason,
        "http_version": exchange.http_version,
        "request_headers": [list(pair) for pair in exchange.request_headers],
        "response_headers": [list(pair) for pair in exchange.response_headers],
        "fetched_at": exchange.fetched_at,
        "body_sha256": body_sha256,
        "body_size": len(exchange.body),
        "source_id": source_id,
        "run_id": run_id,
        "document_id": document_id,
    }


def store_blob(session: Session, body: bytes) -> str:
    """Store `body` compressed unless a blob with the same SHA-256 exists; return the digest."""
    digest = hashlib.sha256(body).hexdigest()
    if session.execute(select(Blob.sha256).where(Blob.sha256 == digest)).first() is None:
        insert_ignoring_conflict(
            session,
            Blob.__table__,  # type: ignore[arg-type]
            {"sha256": digest, "size": len(body), "compression": "zlib", "data": zlib.compress(body, 6)},
            ["sha256"],
        )
    return digest


def read_blob(session: Session, digest: str) -> bytes:
    """Return the uncompressed body stored under `digest`."""
    blob = session.get(Blob, digest)
    if blob is None:
        raise KeyError(digest)
    return zlib.decompress(blob.data) if blob.compression == "zlib" else blob.data


def read_blobs(session: Session, digests: Sequence[str]) -> dict[str, bytes]:
    """Return the uncompressed bodies stored under `digests`, by digest; raise KeyError for a missing one."""
    wanted = set(digests)
    if not wanted:
        return {}
    rows = session.execute(select(Blob.sha256, Blob.compression, Blob.data).where(Blob.sha256.in_(wanted)))
    bodies = {digest: zlib.decompress(data) if compression == "zlib" else data for digest, compression, data in rows}
    missing = wanted - bodies.keys()
    if missing:
        raise KeyError(sorted(missing)[0])
    return bodies
