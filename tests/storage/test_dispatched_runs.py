"""Runs dispatched to Scrapyd nodes: adopted only while open, stale ones closed, a lost run's validators dropped."""

from __future__ import annotations

from datetime import timedelta

from warta.storage.captures import HttpExchange, save_capture
from warta.storage.database import Database
from warta.storage.dispatched_runs import (
    adopt_run,
    close_if_running,
    close_stale_runs,
    forget_validators_of_run,
    has_running_run,
    open_dispatched_run,
    run_status,
)
from warta.storage.fetch_states import get_fetch_state, save_fetch_state
from warta.storage.models import CrawlRun
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow


def test_a_node_adopts_an_open_run_but_not_one_the_daemon_closed(db: Database) -> None:
    with db.transaction() as session:
        ensure_source(session, "kabar", "Kabar", "feed")
        open_id = open_dispatched_run(session, "kabar", "http://node-1:6800", utcnow())
        closed_id = open_dispatched_run(session, "kabar", "http://node-2:6800", utcnow())
        assert close_if_running(session, closed_id, "interrupted", "node lost")
    with db.transaction() as session:
        assert adopt_run(session, open_id, "crawler-1", 4242)
        assert not adopt_run(session, closed_id, "crawler-2", 4343)
        run = session.get(CrawlRun, open_id)
        assert run is not None and (run.host, run.pid) == ("crawler-1", 4242)
        assert run_status(session, closed_id) == "interrupted"
        assert not close_if_running(session, closed_id, "failed", "again"), "a closed run keeps its verdict"


def test_stale_running_runs_are_closed_and_recent_ones_count_as_busy(db: Database) -> None:
    now = utcnow()
    with db.transaction() as session:
        ensure_source(session, "kabar", "Kabar", "feed")
        old = open_dispatched_run(session, "kabar", "http://node-1:6800", now - timedelta(hours=2))
        recent = open_dispatched_run(session, "kabar", "http://node-1:6800", now - timedelta(minutes=1))
    with db.transaction() as session:
        assert close_stale_runs(session, "kabar", now - timedelta(hours=1), "stale") == 1
        assert has_running_run(session, "kabar", now - timedelta(hours=1))
        assert (run_status(session, old), run_status(session, recent)) == ("interrupted", "running")
        assert close_if_running(session, recent, "ok", "")
        assert not has_running_run(session, "kabar", now - timedelta(hours=1))


def test_a_lost_runs_validators_are_forgotten_and_no_others(db: Database) -> None:
    now = utcnow()
    exchange = HttpExchange(
        url="http://site.test/berita/",
        method="GET",
        status=200,
        reason="OK",
        http_version="HTTP/1.1",
        response_headers=[("ETag", '"v1"')],
        body=b"<html></html>",
        fetched_at=now,
    )
    with db.transaction() as session:
        ensure_source(session, "kabar", "Kabar", "feed")
        lost = open_dispatched_run(session, "kabar", "http://node-1:6800", now)
        save_capture(session, exchange, "kabar", lost)
        save_fetch_state(session, "http://site.test/berita/", 200, now, '"v1"', None)
        save_fetch_state(session, "http://site.test/other/", 200, now, '"v2"', None)
    with db.transaction() as session:
        assert forget_validators_of_run(session, lost) == 1
    with db.reading() as session:
        assert get_fetch_state(session, "http://site.test/berita/") is None
        assert get_fetch_state(session, "http://site.test/other/") is not None
