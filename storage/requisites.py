"""Page requisites: the captures (images, stylesheets, fonts) that a page capture needs to replay.

A requisite is an ordinary capture (storage.captures) that belongs to no document;
this module links it to the page captures that use it, so that an export takes a
page's requisites along with it. It never fetches and never decides what a page
uses (crawler.requisites does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from warta.storage.models import Capture, CaptureRequisite, Revision
from warta.storage.upserts import dialect_insert


def link_requisites(session: Session, capture_id: int, requisite_ids: Iterable[int]) -> None:
    """Link a page capture to the captures it uses; links already stored stay as they are."""
    rows = [
        {"capture_id": capture_id, "requisite_id": requisite_id}
        for requisite_id in dict.fromkeys(requisite_ids)
        if requisite_id != capture_id
    ]
    if rows:
        table = CaptureRequisite.__table__
        statement = dialect_insert(session, table).on_conflict_do_nothing(  # type: ignore[arg-type]
            index_elements=["capture_id", "requisite_id"]
        )
        session.execute(statement, rows)


def requisites_of(session: Session, capture_id: int) -> list[int]:
    """Return the ids of the captures linked to a page capture as its requisites, in id order."""
    query = (
        select(CaptureRequisite.requisite_id)
        .where(CaptureRequisite.capture_id == capture_id)
        .order_by(CaptureRequisite.requisite_id)
    )
    return list(session.scalars(query))


def document_has_requisites(session: Session, capture_id: int) -> bool:
    """Return True when some capture of the document that this capture belongs to has requisites linked."""
    document_id = select(Capture.document_id).where(Capture.id == capture_id).scalar_subquery()
    page = aliased(Capture)
    query = (
        select(CaptureRequisite.capture_id)
        .join(page, page.id == CaptureRequisite.capture_id)
        .where(page.document_id == document_id)
        .limit(1)
    )
    return session.execute(query).first() is not None


def requisites_of_documents(document_ids: Select[int]) -> Select[int]:
    """Return a query of the ids of every requisite linked to a capture of these documents."""
    page = aliased(Capture)
    pages = select(page.id).where(
        or_(
            page.document_id.in_(document_ids),
            page.id.in_(select(Revision.capture_id).where(Revision.document_id.in_(document_ids))),
        )
    )
    return select(CaptureRequisite.requisite_id).where(CaptureRequisite.capture_id.in_(pages))


def requisites_by_capture(session: Session, capture_ids: Sequence[int]) -> dict[int, list[tuple[str, datetime]]]:
    """Return, by page capture id, the URL and exchange time of each requisite linked to it, in id order."""
    result: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    query = (
        select(CaptureRequisite.capture_id, Capture.url, Capture.fetched_at)
        .join(Capture, Capture.id == CaptureRequisite.requisite_id)
        .where(CaptureRequisite.capture_id.in_(capture_ids))
        .order_by(CaptureRequisite.capture_id, CaptureRequisite.requisite_id)
    )
    for capture_id, url, fetched_at in session.execute(query):
        result[capture_id].append((url, fetched_at))
    return result


def link_restored_requisites(
    session: Session, page: tuple[str, datetime, int], requisites: Sequence[tuple[str, datetime]]
) -> int:
    """Link a restored page capture (URL, time, status) to its restored requisites (URL, time); return the links found.

    A requisite whose capture is not in the archive (a WARC that left it out) is passed over.
    """
    url, fetched_at, status = page
    page_id = session.execute(
        select(Capture.id).where(Capture.url == url, Capture.fetched_at == fetched_at, Capture.status == status)
    ).scalar()
    if page_id is None:
        return 0
    found = [
        requisite_id
        for requisite_url, requisite_time in requisites
        if (
            requisite_id := session.execute(
                select(Capture.id)
                .where(Capture.url == requisite_url, Capture.fetched_at == requisite_time)
                .order_by(Capture.id)
                .limit(1)
            ).scalar()
        )
        is not None
    ]
    link_requisites(session, page_id, found)
    return len(found)
