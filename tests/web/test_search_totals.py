"""A search matching more stories than are counted shows "10,000+" on the page and says so in its JSON."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from bench.seed import seed_documents
from warta.config import parse_config
from warta.storage.database import Database
from warta.storage.search import MAX_COUNTED_MATCHES
from warta.storage.search_index import build_search_index
from warta.web.app import create_app


def test_a_word_in_every_story_is_counted_as_ten_thousand_plus(db: Database, tmp_path: Path) -> None:
    # every seeded story is titled "Berita budaya nomor N"
    seed_documents(db, MAX_COUNTED_MATCHES + 1)
    with db.engine.begin() as connection:
        build_search_index(connection)
    url = db.engine.url.render_as_string(hide_password=False)
    raw = {"storage": {"url": url}, "feeds": {"dir": str(tmp_path / "feeds")}}
    client = TestClient(create_app(parse_config(raw, base_dir=tmp_path, environ={}), db, environ={}))
    page = client.get("/search?q=budaya")
    assert '<span class="total">10,000+</span> stories found' in page.text
    answer = client.get("/api/search?q=budaya").json()
    assert (answer["total"], answer["is_capped"]) == (MAX_COUNTED_MATCHES, True)
    assert sum(count for _, count in answer["facets"]["sources"]) == MAX_COUNTED_MATCHES
    # a query matching one story is counted exactly
    assert '<span class="total">1</span> story found' in client.get('/search?q="nomor 77"').text
    assert client.get('/api/search?q="nomor 77"').json()["is_capped"] is False
