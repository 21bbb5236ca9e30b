"""The extraction pool: warm workers forked from a crawl that has the extraction code, and crashed workers replaced."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.crawler import pool_helpers
from warta.crawler import extractor_pool
from warta.crawler.extraction import extract_article
from warta.crawler.extractor_pool import ExtractorPool, WorkerCrashedError
from warta.storage.event_extraction import story_events
from warta.storage.shingling import shingles

JAKARTA = ZoneInfo("Asia/Jakarta")
TEXT = " ".join(["Dinas Kebudayaan mengundang warga menyaksikan pentas lenong di Taman Ismail Marzuki."] * 12)
PAGE = (
    "<html><head><title>Pentas lenong</title></head><body><article><h1>Pentas lenong</h1>"
    f"<p>{TEXT}</p><p>{TEXT}</p></article></body></html>"
)

# Run in a process of its own: a test runner's worker has threads of its own, and a pool is forked warm only without.
PREFORK = """
import json, os, sys, threading, time
from zoneinfo import ZoneInfo
import asyncio
import warta.crawler.extraction
from warta.crawler.extractor_pool import ExtractorPool

if sys.argv[2] == "with-a-thread":
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
with ExtractorPool() as pool:
    forked = pool.prefork()
    page = sys.argv[1].encode()
    result = asyncio.run(pool.extract(page, "http://127.0.0.1/a", language="id", timezone=ZoneInfo("Asia/Jakarta")))
    parent = pool.executor.submit(os.getppid).result()
    print(json.dumps({"forked": forked, "worker_is_child": parent == os.getpid(), "text": result.extracted.text}))
"""


def run_prefork(mode: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PREFORK), PAGE, mode], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def expected_text() -> str:
    extracted = extract_article(PAGE.encode(), "http://127.0.0.1/a", language="id", timezone=JAKARTA)
    assert extracted is not None
    return extracted.text


def test_a_process_with_the_extraction_code_forks_its_workers_from_itself() -> None:
    result = run_prefork("alone")
    assert result == {"forked": True, "worker_is_child": True, "text": expected_text()}


def test_a_process_with_another_thread_starts_its_workers_through_a_fork_server() -> None:
    result = run_prefork("with-a-thread")
    # the workers are the fork server's children: none inherits the other thread's locks
    assert result == {"forked": False, "worker_is_child": False, "text": expected_text()}


@pytest.fixture
def crashing_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[ExtractorPool]:
    monkeypatch.setattr(extractor_pool, "extract_in_worker", pool_helpers.extract_or_crash)
    with ExtractorPool() as pool:
        yield pool


def extract(pool: ExtractorPool, url: str) -> str:
    result = asyncio.run(pool.extract(PAGE.encode(), url, language="id", timezone=JAKARTA))
    assert result.extracted is not None
    return result.extracted.text


def test_a_page_whose_worker_died_is_extracted_again_by_new_workers(
    crashing_pool: ExtractorPool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        text = extract(crashing_pool, pool_helpers.CRASH_ONCE + str(tmp_path / "crashed"))
    assert text == expected_text()
    assert "an extraction worker died" in caplog.text


def test_a_page_that_kills_its_worker_twice_is_an_error_and_the_next_page_is_extracted(
    crashing_pool: ExtractorPool,
) -> None:
    with pytest.raises(WorkerCrashedError, match="died twice while extracting this page"):
        extract(crashing_pool, pool_helpers.CRASH + "http://127.0.0.1/a")
    assert extract(crashing_pool, "http://127.0.0.1/b") == expected_text()


def test_a_worker_reads_the_texts_shingles_and_events_for_recording() -> None:
    # so that the crawl process, which records every page on one core, does not compute them
    fetched_at = datetime(2026, 11, 20, 3, tzinfo=UTC)
    page = PAGE.replace("</article>", "<p>Pentas digelar pada Sabtu, 28 November 2026 pukul 19.30 WIB.</p></article>")
    with ExtractorPool() as pool:
        dated = asyncio.run(
            pool.extract(page.encode(), "http://127.0.0.1/a", language="id", timezone=JAKARTA, fetched_at=fetched_at)
        )
        undated = asyncio.run(pool.extract(page.encode(), "http://127.0.0.1/a", language="id", timezone=JAKARTA))
    extracted = dated.extracted
    assert extracted is not None
    assert dated.story == shingles(extracted.text) and dated.story is not None and not dated.story.is_empty
    expected = story_events(extracted.title, extracted.text, extracted.language, extracted.published, fetched_at)
    assert dated.events == expected and len(expected.events) == 1
    assert undated.events is None  # without the fetch time, recording reads them (see storage.events.record_events)


def test_a_page_that_is_not_an_article_is_not_shingled_in_the_worker() -> None:
    # most such pages are skipped; recording reads shingles and events of the few it keeps itself
    about = (
        "<html><body><main><h1>Tentang kami</h1>"
        "<p>Dinas Kebudayaan DKI Jakarta, Jalan Gatot Subroto.</p></main></body></html>"
    )
    fetched_at = datetime(2026, 11, 20, 3, tzinfo=UTC)
    result = extractor_pool.extract_in_worker(
        about.encode(), "http://127.0.0.1/tentang", "id", JAKARTA, None, None, fetched_at
    )
    assert result.extracted is not None and not result.is_article
    assert (result.story, result.events) == (None, None)


def test_the_workers_fork_server_loads_what_workers_run_and_not_numpy_or_sqlalchemy() -> None:
    # a crawl started as a new process pays these imports once, in the fork server its workers come from
    probe = textwrap.dedent(
        """
        import importlib, json, sys
        from warta.crawler.extractor_pool import WORKER_MODULES, extract_in_worker, _die_with_crawl
        for name in WORKER_MODULES:
            importlib.import_module(name)
        print(json.dumps([name for name in ("numpy", "sqlalchemy", "scrapy") if name in sys.modules]))
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == []
    # what a worker's task and initializer name is among what the fork server loads
    assert {extractor_pool.extract_in_worker.__module__, extractor_pool._die_with_crawl.__module__} <= set(
        extractor_pool.WORKER_MODULES
    )
