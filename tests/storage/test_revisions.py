"""Recording pages: NEW, UNCHANGED and CHANGED decided on extracted content, not on HTML."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from tests.storage.conftest import ARTICLE, later, page
from warta.storage.database import Database
from warta.storage.models import Document, Revision, UrlAlias
from warta.storage.revisions import Outcome, document_ids, find_document, mark_gone, record_page
from warta.storage.revisits import NotModified, note_not_modified


def record(db: Database, record_page_args):
    with db.transaction() as session:
        return record_page(session, record_page_args)


def counts(db: Database) -> tuple[int, int]:
    with db.reading() as session:
        documents = session.scalar(select(func.count()).select_from(Document))
        revisions = session.scalar(select(func.count()).select_from(Revision))
    return documents, revisions


def test_first_record_is_new_with_revision_one(archive: Database) -> None:
    result = record(archive, page())
    assert (result.outcome, result.revision_number) == (Outcome.NEW, 1)
    assert counts(archive) == (1, 1)


def test_same_content_again_is_unchanged_and_updates_last_seen(archive: Database) -> None:
    record(archive, page())
    result = record(archive, page(fetched_at=later(6)))
    assert result.outcome is Outcome.UNCHANGED
    assert counts(archive) == (1, 1)
    with archive.reading() as session:
        document = session.scalars(select(Document)).one()
        assert document.last_seen == later(6)
        assert document.updated_at == later(0)


@pytest.mark.parametrize(
    "changes",
    [
        {"html": "<div class='sidebar'>Terpopuler: 10 berita</div><p>" + ARTICLE + "</p><footer>© 2026</footer>"},
        {"text": ARTICLE.replace(". ", ".\n\n   ") + "\n"},
        {"text": ARTICLE.replace(" ", "\u00a0", 5)},
        {"title": "  Festival Budaya Betawi digelar di\u200b Setu Babakan  "},
        {"text": ARTICLE.replace("2027", "\uff12\uff10\uff12\uff17")},
    ],
    ids=["boilerplate-html", "whitespace", "non-breaking-space", "zero-width-and-padding", "fullwidth-digits"],
)
def test_changes_that_are_not_edits_are_unchanged(archive: Database, changes: dict[str, str]) -> None:
    record(archive, page())
    result = record(archive, page(fetched_at=later(1), **changes))
    assert result.outcome is Outcome.UNCHANGED
    assert counts(archive) == (1, 1)


def test_real_edit_makes_revision_two_and_keeps_the_first(archive: Database) -> None:
    record(archive, page())
    edited = ARTICLE.replace("akhir pekan ini", "Sabtu, 28 November 2026")
    result = record(archive, page(fetched_at=later(3), text=edited))
    assert (result.outcome, result.revision_number) == (Outcome.CHANGED, 2)
    assert counts(archive) == (1, 2)
    with archive.reading() as session:
        texts = session.scalars(select(Revision.text).order_by(Revision.number)).all()
        document = session.scalars(select(Document)).one()
    assert texts == [ARTICLE, edited]
    assert document.updated_at == later(3)


def test_title_edit_is_a_change(archive: Database) -> None:
    record(archive, page())
    result = record(archive, page(title="Festival Budaya Betawi diundur", fetched_at=later(1)))
    assert result.outcome is Outcome.CHANGED


def test_reverting_an_edit_is_a_third_revision(archive: Database) -> None:
    record(archive, page())
    record(archive, page(text=ARTICLE + " Tambahan.", fetched_at=later(1)))
    result = record(archive, page(fetched_at=later(2)))
    assert (result.outcome, result.revision_number) == (Outcome.CHANGED, 3)


def test_gone_document_is_kept_and_returns_when_seen_again(archive: Database) -> None:
    url = page().canonical_url
    record(archive, page())
    with archive.transaction() as session:
        assert mark_gone(session, url, later(24)) is True
        assert mark_gone(session, url, later(25)) is False
    with archive.reading() as session:
        document = find_document(session, url)
        assert document is not None and document.status == "gone" and document.gone_at == later(24)
    result = record(archive, page(fetched_at=later(48)))
    assert result.outcome is Outcome.UNCHANGED
    with archive.reading() as session:
        document = find_document(session, url)
        assert document is not None and document.status == "active" and document.gone_at is None


def test_not_modified_touches_last_seen_only(archive: Database) -> None:
    record(archive, page())
    url = page().canonical_url
    with archive.transaction() as session:
        note_not_modified(session, [NotModified(url, url, later(5), None, None)], "disbud", None)
    with archive.transaction() as session:
        note_not_modified(session, [NotModified(url, url, later(2), None, None)], "disbud", None)  # older: no change
    with archive.reading() as session:
        document = find_document(session, url)
        assert document is not None and document.last_seen == later(5) and document.current_revision == 1
    assert counts(archive) == (1, 1)


def test_redirect_moves_the_document_instead_of_creating_a_story(archive: Database) -> None:
    old_url = page().canonical_url
    new_url = "https://disbud.jakarta.go.id/berita/2026/festival-betawi"
    first = record(archive, page())
    moved = record(archive, page(url=new_url, canonical_url=new_url, redirected_from=old_url, fetched_at=later(2)))
    assert moved.outcome is Outcome.UNCHANGED
    assert moved.document_id == first.document_id
    assert counts(archive) == (1, 1)
    with archive.reading() as session:
        assert session.get(UrlAlias, old_url) is not None
        found = find_document(session, old_url)
        assert found is not None and found.canonical_url == new_url


def test_document_ids_finds_documents_by_canonical_url_and_by_alias(archive: Database) -> None:
    old_url = page().canonical_url
    new_url = "https://disbud.jakarta.go.id/berita/2026/festival-betawi"
    first = record(archive, page())
    record(archive, page(url=new_url, canonical_url=new_url, redirected_from=old_url, fetched_at=later(2)))
    unknown = [f"https://disbud.jakarta.go.id/berita/lain-{n}" for n in range(1200)]  # more than one query's worth
    with archive.reading() as session:
        found = document_ids(session, [*unknown, old_url, new_url, *unknown[:3]])
        assert found == {old_url: first.document_id, new_url: first.document_id}
        assert document_ids(session, []) == {}


def test_recording_a_new_page_writes_its_document_once_after_inserting_it(archive: Database) -> None:
    statements = []
    event.listen(archive.engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0]))
    with archive.transaction() as session:
        record_page(session, page())
    # the cluster is chosen before the one flush, and a new document has nothing to delete
    assert statements.count("UPDATE") == 1
    assert "DELETE" not in statements
    with archive.reading() as session:
        document = session.scalars(select(Document)).one()
        assert document.cluster_id == document.id and document.current_revision == 1


def test_naive_datetimes_are_refused(archive: Database) -> None:
    from datetime import datetime

    with pytest.raises(Exception, match="naive datetime"):
        record(archive, page(fetched_at=datetime(2026, 11, 23, 7, 5)))
    assert counts(archive) == (0, 0)


def test_times_come_back_timezone_aware(archive: Database) -> None:
    record(archive, page())
    with archive.reading() as session:
        revision = session.scalars(select(Revision)).one()
    assert revision.fetched_at == later(0)
    assert revision.fetched_at.utcoffset() is not None
