"""How long the archive browser takes to answer a story page with 20 revisions (goal: at most 50 ms).

The story is recorded through storage.revisions.record_page, 20 times, each
revision an edit of a few words of a 600-word article (the search index kept
current, as a crawl keeps it). The page is asked of the real application
(warta.web.dispatch.make_warta_app, as `warta serve` and the daemon serve it)
through Starlette's in-process TestClient: the figure is the route's queries,
the word diff of the two newest revisions and the template, without the
network. Reported: the p95 wall time over the timed requests, against 50 ms,
and beside it the median CPU time of the process per request (which a busy
machine does not inflate as it does the wall time).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

from bench.databases import scratch_database
from bench.harness import BenchResult
from warta.config import WartaConfig, parse_config
from warta.storage.database import Database
from warta.storage.revisions import PageRecord, record_page
from warta.storage.sources import ensure_source
from warta.web.dispatch import make_warta_app

GOAL_MS = 50.0
REVISIONS = 20
ARTICLE_WORDS = 600
EDITED_WORDS = 6
WARM_UP_REQUESTS = 5
# a made-up vocabulary of 2,000 words drawn with Zipf's law, as words of a real article are: a few
# words everywhere, most words rare (a small vocabulary would make every word common, which no
# text is, and the diff's matching much slower than on real pages)
SYLLABLES = ("ba", "ka", "ta", "ri", "su", "nga", "lo", "me", "di", "pu", "ja", "wi", "ro", "se", "tu")
VOCABULARY_SIZE = 2_000
T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def vocabulary() -> list[str]:
    """Return the made-up words, the most frequent first."""
    words = [a + b for a in SYLLABLES for b in SYLLABLES] + [
        a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES
    ]
    return words[:VOCABULARY_SIZE]


def article_revisions(rng: random.Random, count: int) -> list[str]:
    """Return `count` versions of one article, each the previous one with a few words edited."""
    words_by_rank = vocabulary()
    weights = [1 / rank for rank in range(1, len(words_by_rank) + 1)]

    def draw(number: int) -> list[str]:
        return rng.choices(words_by_rank, weights, k=number)

    words = draw(ARTICLE_WORDS)
    versions = []
    for _ in range(count):
        for position, word in zip(rng.sample(range(ARTICLE_WORDS), EDITED_WORDS), draw(EDITED_WORDS), strict=True):
            words[position] = word
        sentences = [" ".join(words[start : start + 15]).capitalize() + "." for start in range(0, ARTICLE_WORDS, 15)]
        versions.append("\n\n".join(" ".join(sentences[start : start + 5]) for start in range(0, len(sentences), 5)))
    return versions


def record_story(database: Database, revisions: int) -> int:
    """Record one story `revisions` times, each an edit; return its id."""
    with database.transaction() as session:
        ensure_source(session, "disbud", "Dinas Kebudayaan DKI Jakarta", "listing")
    url = "https://disbud.jakarta.go.id/berita/festival-budaya-betawi"
    story_id = 0
    for number, text in enumerate(article_revisions(random.Random(20), revisions)):
        page = PageRecord(
            source_id="disbud",
            url=url,
            canonical_url=url,
            title=f"Festival Budaya Betawi di Setu Babakan (pembaruan {number + 1})",
            text=text,
            html="".join(f"<p>{part}</p>" for part in text.split("\n\n")),
            fetched_at=T0 + timedelta(hours=number),
            language="id",
        )
        with database.transaction() as session:
            story_id = record_page(session, page).document_id
    return story_id


def browser_config(database_url: str, folder: Path) -> WartaConfig:
    """Return a config serving `database_url` with the demo's source, for the application."""
    raw = {
        "storage": {"url": database_url},
        "feeds": {"dir": str(folder / "feeds")},
        "sources": [{"id": "disbud", "kind": "listing", "urls": ["https://disbud.jakarta.go.id/berita"]}],
    }
    return parse_config(raw, base_dir=folder, environ={})


def story_page_seconds(
    database: Database, cfg: WartaConfig, story_id: int, requests: int
) -> tuple[list[float], list[float]]:
    """Return the wall and the CPU time of each of `requests` GETs of the story's page (after a warm-up)."""
    wall, cpu = [], []
    with TestClient(make_warta_app(cfg, database, environ={})) as client:
        for number in range(WARM_UP_REQUESTS + requests):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(f"/stories/{story_id}")
            elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            if response.status_code != 200 or response.text.count("<del>") == 0:
                raise RuntimeError(f"the story page did not render its diff: {response.status_code}")
            if number >= WARM_UP_REQUESTS:
                wall.append(elapsed)
                cpu.append(elapsed_cpu)
    return wall, cpu


def run(backend: str, folder: Path, requests: int = 100, revisions: int = REVISIONS) -> BenchResult:
    """Return the p95 time of a story page with `revisions` revisions, against 50 ms."""
    with scratch_database(backend, folder, "story-page") as database:
        story_id = record_story(database, revisions)
        cfg = browser_config(str(database.engine.url.render_as_string(hide_password=False)), folder)
        timings, cpu = story_page_seconds(database, cfg, story_id, requests)
    p95_ms = statistics.quantiles(timings, n=20, method="inclusive")[18] * 1000
    return BenchResult(
        name=f"story page with {revisions} revisions, against {GOAL_MS:.0f} ms ({backend})",
        ratio=p95_ms / GOAL_MS,
        goal=1.0,
        higher_is_better=False,
        detail=(
            f"p95 {p95_ms:.1f} ms, median {statistics.median(timings) * 1000:.1f} ms over {requests} requests "
            f"(CPU: median {statistics.median(cpu) * 1000:.1f} ms; {ARTICLE_WORDS}-word article, "
            "diff of the two newest revisions)"
        ),
    )
