"""Page requisites: the captures (images, stylesheets, fonts) that a page capture needs to replay.

A requisite is an ordinary capture (storage.captures) that belongs to no document;
this module links it to the page captures that use it, so that an export takes a
page's requisites along with it. It never fetches and never decides what a page
uses (crawler.requisites does).
"""

from __future__ import annotations

from collections.abc import Iterable

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
