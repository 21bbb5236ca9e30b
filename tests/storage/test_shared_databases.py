"""Databases shared by URL: the crawlers of one process write through one engine, closed after the last."""

from __future__ import annotations

from warta.storage.database import SharedDatabases


def test_users_of_one_url_share_a_database_until_the_last_gives_it_back(db_url: str) -> None:
    shared = SharedDatabases()
    first, second = shared.acquire(db_url), shared.acquire(db_url)
    assert first is second
    shared.release(first)
    assert shared.acquire(db_url) is first  # one user still holds it
    shared.release(first)
    shared.release(second)
    again = shared.acquire(db_url)
    assert again is not first  # the last user disposed of it; a new user opens it anew
    shared.release(again)
