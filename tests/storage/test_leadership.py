"""Scheduler leadership: one holder of the advisory lock per archive; it passes on when the holder goes."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from warta.storage.database import Database
from warta.storage.leadership import SchedulerLeadership, lock_key


def test_only_one_daemon_holds_the_scheduler_lock_until_it_lets_go(db: Database) -> None:
    other = Database(str(db.engine.url.render_as_string(hide_password=False)))
    first, second = SchedulerLeadership(db.engine), SchedulerLeadership(other.engine)
    try:
        assert first.try_acquire()
        if db.is_sqlite:
            # One daemon per SQLite archive: there is nothing to elect.
            assert second.try_acquire() and not second.needs_lock
            return
        assert not second.try_acquire()
        assert first.try_acquire(), "the holder keeps the lock when it asks again"
        first.release()
        assert second.try_acquire()
        assert second.is_held() and not first.is_held()
    finally:
        first.release()
        second.release()
        other.dispose()


def test_a_lost_holder_connection_frees_the_lock_for_a_standby(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite archives have one daemon and no advisory lock")
    other = Database(str(db.engine.url.render_as_string(hide_password=False)))
    leader, standby = SchedulerLeadership(db.engine), SchedulerLeadership(other.engine)
    try:
        assert leader.try_acquire()
        assert not standby.try_acquire()
        # What a killed daemon does to its connection: it is gone, and PostgreSQL drops its locks.
        assert leader._connection is not None
        leader._connection.invalidate()
        # The server ends that session a moment after the socket closes; a standby asks on every tick.
        wait_for(standby.try_acquire, timeout=10.0)
        assert not leader.try_acquire()
    finally:
        leader.release()
        standby.release()
        other.dispose()


def test_archives_in_separate_schemas_elect_separately() -> None:
    assert lock_key("warta_a") != lock_key("warta_b")
    assert lock_key("public") == lock_key("public")
