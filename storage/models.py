"""SQLAlchemy models of the archive: sources, documents and their revisions, captures, runs.

A document is one story at one canonical URL; each real edit of its extracted
content adds a revision. A capture is one HTTP response as received, kept for
WARC export; capture bodies are stored once per distinct content (blobs).
Changing these models requires an Alembic migration in storage/migrations.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from warta.storage.types import UTCDateTime

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")
URL_LENGTH = 2048

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Source(Base):
    """A configured source, mirrored from the config when it is crawled, with its health."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    health_reason: Mapped[str] = mapped_column(Text, default="")
    health_since: Mapped[datetime | None]


class Document(Base):
    """One story at one canonical URL; `current_revision` is the number of its latest revision."""

    __tablename__ = "documents"
    # A source's newest documents, for its feed, come from one range scan of this index.
    __table_args__ = (Index("ix_documents_source_updated", "source_id", "updated_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    canonical_url: Mapped[str] = mapped_column(String(URL_LENGTH), unique=True)
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    gone_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None] = mapped_column(index=True)
    changed_at: Mapped[datetime | None] = mapped_column(index=True)
    current_revision: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    cluster_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


class DocumentBand(Base):
    """One LSH key of a document's current revision (storage.dedup); near-duplicates share at least one.

    A lookup is one exact match on the (band, key) index per key, so its cost does not grow with
    the archive, and every document sharing a key is a candidate: none is skipped for its age.
    """

    __tablename__ = "document_bands"
    __table_args__ = (Index("ix_document_bands_band_key", "band", "key"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class Revision(Base):
    """The extracted content of a document as it was at one point in time."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    number: Mapped[int] = mapped_column(Integer)
    # the HTTP exchange's time (its capture's WARC-Date); recorded_at is when warta wrote the revision
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    recorded_at: Mapped[datetime | None]
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    title: Mapped[str] = mapped_column(Text)
    published: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))


class SearchEntry(Base):
    """The revision of a document that the full-text index holds: always its current one.

    The index itself is not modelled here (storage.search_index names it): on
    SQLite the FTS5 table `search_fts`, whose rows are revisions, and on
    PostgreSQL the column `search_entries.vector` with its GIN index. Migration
    0003 creates both.
    """

    __tablename__ = "search_entries"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))


class Event(Base):
    """An event a revision of a story announces (storage.event_extraction); `position` orders a story's events.

    A story's events are found again for every revision, so an edit that moves
    a date moves the event. `sequence` counts how often the event at this
    position changed over the story's revisions and `changed_at` is when it last
    did: the calendar's SEQUENCE and LAST-MODIFIED.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("revision_id", "position"),
        Index("ix_events_document_revision", "document_id", "revision_number"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    revision_number: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[str | None] = mapped_column(String(5))  # "19:30", in `zone`; None for an all-day event
    end_time: Mapped[str | None] = mapped_column(String(5))
    zone: Mapped[str] = mapped_column(String(64))
    venue: Mapped[str] = mapped_column(Text, default="")
    is_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime]


class PendingMatch(Base):
    """A recorded revision not yet matched to the topics: the queue storage.pending_matches keeps."""

    __tablename__ = "pending_matches"

    revision_id: Mapped[int] = mapped_column(BigId, ForeignKey("revisions.id"), primary_key=True)


class UrlAlias(Base):
    """Another URL under which a document was known (it moved with a redirect)."""

    __tablename__ = "url_aliases"

    url: Mapped[str] = mapped_column(String(URL_LENGTH), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)


class Blob(Base):
    """A response body, stored once per distinct content and compressed."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    compression: Mapped[str] = mapped_column(String(8))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Capture(Base):
    """One HTTP exchange exactly as received, for the WARC export."""

    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_LENGTH), index=True)
    method: Mapped[str] = mapped_column(String(8), default="GET")
    status: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    http_version: Mapped[str] = mapped_column(String(16), default="HTTP/1.1")
    request_headers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    response_headers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    body_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    body_size: Mapped[int] = mapped_column(BigInteger, default=0)
    source_id: Mapped[str | None] = mapped_column(ForeignKey("sources.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)


class CaptureRequisite(Base):
    """A page requisite (image, stylesheet, font) that a page capture uses, itself a capture.

    A requisite found inside a stylesheet is linked to the pages using that stylesheet, so
    one page capture's rows name everything its replay needs.
    """

    __tablename__ = "capture_requisites"

    capture_id: Mapped[int] = mapped_column(BigId, ForeignKey("captures.id"), primary_key=True)
    requisite_id: Mapped[int] = mapped_column(BigId, ForeignKey("captures.id"), primary_key=True, index=True)


class FetchState(Base):
    """What the last fetch of a URL returned, for conditional requests (ETag, Last-Modified)."""

    __tablename__ = "fetch_states"

    url: Mapped[str] = mapped_column(String(URL_LENGTH), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime]
    status: Mapped[int] = mapped_column(Integer)


class CrawlRun(Base):
    """One crawl of one source: when, how it ended and what it counted."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    requests: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    gone: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    links_found: Mapped[int] = mapped_column(Integer, default=0)
    empty_pages: Mapped[int] = mapped_column(Integer, default=0)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))


class CrawlError(Base):
    """A page that failed during a crawl run, with the reason."""

    __tablename__ = "crawl_errors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class TopicMembership(Base):
    """A document that matches a configured topic; `matched_at` is the document's updated_at when matched."""

    __tablename__ = "topic_memberships"
    # A topic's newest documents, for its feed, come from one range scan of this index.
    __table_args__ = (Index("ix_topic_memberships_topic_matched", "topic_id", "matched_at"),)

    topic_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True, index=True)
    matched_at: Mapped[datetime]


class Alert(Base):
    """A change of a source's health, or of a fixity check's result, delivered to alerts.atom and the webhook."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # a source's health alert names its source; a fixity check's alert names its [[fixity]] id instead
    source_id: Mapped[str | None] = mapped_column(ForeignKey("sources.id"), index=True)
    check_id: Mapped[str | None] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(index=True)
    previous_health: Mapped[str] = mapped_column(String(16))
    health: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # raised while the source was silenced (`warta silence`): kept here, never posted nor listed in alerts.atom
    silenced: Mapped[bool] = mapped_column(Boolean, default=False)


class SourceControl(Base):
    """What an operator asked of a source from the command line: a crawl now, a pause, a silence.

    The commands write this row and the daemon (whichever one leads) reads it at
    each tick, so control works without a restart and across a leader and a standby.
    """

    __tablename__ = "source_controls"

    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    crawl_requested_at: Mapped[datetime | None]
    crawl_requested_by: Mapped[str] = mapped_column(String(255), default="")
    paused_at: Mapped[datetime | None]
    # None while paused_at is set: paused until `warta resume`
    paused_until: Mapped[datetime | None]
    paused_by: Mapped[str] = mapped_column(String(255), default="")
    silenced_until: Mapped[datetime | None]
    silenced_by: Mapped[str] = mapped_column(String(255), default="")


class Snapshot(Base):
    """An export of the archive: format, selection, counts and checksum."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    format: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)
    selection: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    schedule_id: Mapped[str | None] = mapped_column(String(64), index=True)
    max_revision_id: Mapped[int] = mapped_column(BigInteger, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    revisions: Mapped[int] = mapped_column(Integer, default=0)
    captures: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")


class FixityCheck(Base):
    """One run of a scheduled fixity check ([[fixity]]): when, what it checked, and how many records mismatched."""

    __tablename__ = "fixity_checks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    check_id: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime]
    checked: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    problems: Mapped[int] = mapped_column(Integer, default=0)
    # the first mismatches, one per line (all of them: `warta verify`)
    details: Mapped[str] = mapped_column(Text, default="")


class StateValue(Base):
    """A small named value the application keeps between runs (e.g. the topics' fingerprint)."""

    __tablename__ = "state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
