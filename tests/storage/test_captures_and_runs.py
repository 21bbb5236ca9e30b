"""Captures keep each body once; crawl runs keep counts and errors; interrupted runs are marked."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.storage.conftest import later, page
from warta.storage.captures import HttpExchange, read_blob, save_capture
from warta.storage.database import Database
from warta.storage.fetch_states import get_fetch_state, save_fetch_state
from warta.storage.models import Blob, Capture, CrawlError, CrawlRun
from warta.storage.revisions import PageRecord, find_document, record_page
from warta.storage.revisits import NotModified, note_not_modified
from warta.storage.runs import RunCounts, add_run_error, finish_run, mark_interrupted_runs, start_run


def exchange(body: bytes, hours: float = 0) -> HttpExchange:
    return HttpExchange(
        url="https://disbud.jakarta.go.id/berita/1",
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')],
        request_headers=[("User-Agent", "warta-test")],
        body=body,
        fetched_at=later(hours),
    )


def test_identical_bodies_are_stored_once(archive: Database) -> None:
    body = b"<html><body>Festival Betawi</body></html>" * 50
    with archive.transaction() as session:
        first = save_capture(session, exchange(body), source_id="disbud")
        second = save_capture(session, exchange(body, hours=1), source_id="disbud")
        third = save_capture(session, exchange(b"<html>other</html>", hours=2), source_id="disbud")
    with archive.reading() as session:
        assert session.scalar(select(func.count()).select_from(Capture)) == 3
        assert session.scalar(select(func.count()).select_from(Blob)) == 2
        stored = session.get(Capture, first)
        assert stored is not None and stored.response_headers[1] == ["ETag", '"v1"']
        assert read_blob(session, stored.body_sha256 or "") == body
        blob = session.get(Blob, stored.body_sha256)
        assert blob is not None and len(blob.data) < len(body)
    assert len({first, second, third}) == 3


def test_run_keeps_counts_and_errors(archive: Database) -> None:
    with archive.transaction() as session:
        run_id = start_run(session, "disbud", later(0))
        add_run_error(session, run_id, "https://disbud.jakarta.go.id/rusak", "HTTP 500")
        finish_run(session, run_id, "ok", RunCounts(requests=12, new=3, errors=1))
    with archive.reading() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None and (run.status, run.requests, run.new, run.errors) == ("ok", 12, 3, 1)
        assert run.finished_at is not None
        reasons = session.scalars(select(CrawlError.reason).where(CrawlError.run_id == run_id)).all()
    assert reasons == ["HTTP 500"]


def test_runs_left_running_are_marked_interrupted(archive: Database) -> None:
    with archive.transaction() as session:
        dead = start_run(session, "disbud")
        done = start_run(session, "kompas")
        finish_run(session, done, "ok", RunCounts())
    with archive.transaction() as session:
        assert mark_interrupted_runs(session) == 1
    with archive.reading() as session:
        statuses = {run.id: run.status for run in session.scalars(select(CrawlRun))}
    assert statuses == {dead: "interrupted", done: "ok"}


def test_not_modified_keeps_previous_validators(archive: Database) -> None:
    url = "https://disbud.jakarta.go.id/berita"
    with archive.transaction() as session:
        save_fetch_state(session, url, 200, later(0), '"abc"', "Mon, 23 Nov 2026 07:00:00 GMT")
    with archive.transaction() as session:
        save_fetch_state(session, url, 304, later(1), None, None)
    with archive.reading() as session:
        state = get_fetch_state(session, url)
    assert state is not None
    assert (state.status, state.etag, state.last_modified) == (304, '"abc"', "Mon, 23 Nov 2026 07:00:00 GMT")
    assert state.fetched_at == later(1)


def record(archive: Database, record_of: PageRecord) -> None:
    with archive.transaction() as session:
        record_page(session, record_of)


def test_a_batch_of_304s_updates_last_seen_keeps_validators_and_captures_each_with_its_document(
    archive: Database,
) -> None:
    record(archive, page())
    moved = page("https://disbud.jakarta.go.id/berita/2026/festival-betawi", redirected_from=page().canonical_url)
    record(archive, moved)  # the old URL is now an alias of the same document
    with archive.transaction() as session:
        save_fetch_state(session, page().url, 200, later(0), '"v1"', "Mon, 23 Nov 2026 07:00:00 GMT")
        document = find_document(session, moved.canonical_url)
        assert document is not None
        document_id, first_seen = document.id, document.last_seen
    not_modified = HttpExchange(url=page().url, status=304, response_headers=[], body=b"", fetched_at=later(5))
    notes = [
        NotModified(page().url, page().canonical_url, later(5), None, None, capture=not_modified),
        NotModified(moved.url, moved.canonical_url, later(-5), '"v2"', None, capture=not_modified),
        NotModified("https://disbud.jakarta.go.id/never-seen", "https://disbud.jakarta.go.id/never-seen", later(5),
                    '"x"', None),
    ]  # fmt: skip
    with archive.transaction() as session:
        note_not_modified(session, notes, "disbud", None)
    with archive.reading() as session:
        document = find_document(session, moved.canonical_url)
        assert document is not None and document.last_seen == later(5) != first_seen  # an earlier 304 changes nothing
        state = get_fetch_state(session, page().url)
        assert state is not None and (state.status, state.etag, state.fetched_at) == (304, '"v1"', later(5))
        assert state.last_modified == "Mon, 23 Nov 2026 07:00:00 GMT"  # a 304 without validators keeps them
        unknown = get_fetch_state(session, "https://disbud.jakarta.go.id/never-seen")
        assert unknown is not None and unknown.etag == '"x"'
        captures = session.execute(select(Capture.status, Capture.document_id).where(Capture.status == 304)).all()
        assert sorted(captures) == [(304, document_id), (304, document_id)]
