"""The JSONL export record: one document with its revisions, as `warta export` writes it and `warta import` reads it.

One pydantic model serves both directions. Attribute names are the archive's
(`uid`, `source_id`, `changed_at`); aliases are the keys of the file (`id`,
`source`, `changed`). Times are written as ISO 8601 with their offset and must
carry one when read. A --current-only export holds the key `current` (the
current revision, or null) instead of `revisions`; reading it gives a record
whose `revisions` hold that one revision. The model knows no SQL: storage.exports
fills it from the database and storage.imports writes it back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

CURRENT_ONLY = "current_only"  # serialization context key: write `current` instead of `revisions`


def _aware_time(value: Any) -> Any:
    """Return an ISO 8601 string as a datetime, refusing one without an offset."""
    if not isinstance(value, str):
        return value
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no offset")
    return parsed


def _iso(value: datetime) -> str:
    # datetime.isoformat keeps '+00:00' where pydantic would write 'Z': exports stay byte-identical
    return value.isoformat()


Time = Annotated[datetime, BeforeValidator(_aware_time), PlainSerializer(_iso, return_type=str, when_used="json")]
# null and a missing key read as empty, as older exports and hand-made files have them
Text = Annotated[str, BeforeValidator(lambda value: "" if value is None else value)]
Names = Annotated[tuple[str, ...], BeforeValidator(lambda value: () if value is None else value)]
Metadata = Annotated[dict[str, Any], BeforeValidator(lambda value: {} if value is None else value)]


class Record(BaseModel):
    """Base of the export records: immutable, built by attribute name or by file key."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)


class RevisionRecord(Record):
    """One revision of a document."""

    number: int
    fetched_at: Time  # the HTTP exchange's time, the WARC-Date of its capture
    url: Text = ""
    title: str
    published: Time | None = None
    language: str | None = None
    text: str
    content_hash: str
    html: Text = ""
    metadata: Metadata = Field(default_factory=dict)
    recorded_at: Time | None = None  # when warta recorded the revision (absent in older exports)


class DocumentRecord(Record):
    """One document: its identity, the current revision's content, its topics, aliases and revisions."""

    uid: str = Field(alias="id")
    url: str
    canonical_url: str
    source_id: str = Field(alias="source")
    # title, published, language and text repeat the current revision for readers of the file;
    # an import reads them from the revisions
    title: str | None = None
    published: Time | None = None
    updated_at: Time | None = Field(None, alias="updated")
    language: str | None = None
    text: str | None = None
    content_hash: str | None = None
    topics: Names = ()
    status: str
    first_seen: Time
    last_seen: Time
    cluster_uid: str | None = Field(None, alias="cluster")
    # the story's cluster of near-duplicates (storage.clusters): its first-seen member and the others,
    # for readers of the file; an import rebuilds them from `cluster`
    cluster_first_seen: str | None = None
    cluster_members: Names = ()
    current_revision: int = Field(0, alias="revision")
    changed_at: Time | None = Field(None, alias="changed")
    gone_at: Time | None = None
    aliases: Names = ()
    revisions: tuple[RevisionRecord, ...]

    @property
    def current(self) -> RevisionRecord | None:
        """Return the current revision, if it was read."""
        for revision in self.revisions:
            if revision.number == self.current_revision:
                return revision
        return None

    @model_validator(mode="before")
    @classmethod
    def _current_only_file(cls, data: Any) -> Any:
        """Read a --current-only line: its `current` revision is the record's only revision."""
        if isinstance(data, dict) and "revisions" not in data and data.get("current"):
            return {**data, "revisions": [data["current"]]}
        return data

    @model_serializer(mode="wrap")
    def _current_only_line(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        """Write `current` in place of `revisions` when the context asks for a --current-only line."""
        data: dict[str, Any] = handler(self)
        if info.context and info.context.get(CURRENT_ONLY):
            del data["revisions"]
            current = self.current
            data["current"] = current.model_dump(mode=info.mode, by_alias=info.by_alias) if current else None
        return data


def document_line(document: DocumentRecord, current_only: bool) -> dict[str, Any]:
    """Return one document as the JSON object of its export line."""
    return document.model_dump(mode="json", by_alias=True, context={CURRENT_ONLY: current_only})
