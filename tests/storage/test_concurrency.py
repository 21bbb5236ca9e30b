"""Several processes recording overlapping URLs at once: one document per URL, no lost revision."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter

from sqlalchemy import func, select

from tests.storage.conftest import later, page
from warta.storage.database import Database
from warta.storage.models import Document, Revision
from warta.storage.revisions import record_page

PROCESSES = 4
RECORDS_PER_PROCESS = 200
WINDOW = 150  # records of content every process agrees on, in overlapping windows
WINDOW_STEP = 40
SHARED = 50  # URLs every process records once with content of its own


def window_urls(worker: int) -> list[str]:
    start = worker * WINDOW_STEP
    return [f"https://disbud.jakarta.go.id/berita/{number}" for number in range(start, start + WINDOW)]


def shared_urls() -> list[str]:
    return [f"https://disbud.jakarta.go.id/agenda/{number}" for number in range(SHARED)]


def worker(url: str, number: int, barrier, results) -> None:
    jobs = [(target, "same") for target in window_urls(number)] + [(target, f"by-{number}") for target in shared_urls()]
    random.Random(number).shuffle(jobs)
    database = Database(url)
    outcomes: Counter[str] = Counter()
    barrier.wait()
    for index, (target, content) in enumerate(jobs):
        record = page(target, text=f"Pengumuman {target} versi {content}.", fetched_at=later(index / 100))
        with database.transaction() as session:
            outcomes[record_page(session, record).outcome.value] += 1
    database.dispose()
    results.put(dict(outcomes))


def test_four_processes_recording_overlapping_urls(archive: Database) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=worker, args=(archive.url, number, barrier, results)) for number in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes: Counter[str] = Counter()
    for _ in processes:
        outcomes.update(results.get(timeout=240))
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    window_union = {url for number in range(PROCESSES) for url in window_urls(number)}
    expected_documents = len(window_union) + SHARED
    # every window URL gets one revision; every shared URL one per process, each differing from the last
    expected_revisions = len(window_union) + SHARED * PROCESSES
    assert sum(outcomes.values()) == PROCESSES * RECORDS_PER_PROCESS
    assert outcomes["new"] == expected_documents
    assert outcomes["changed"] == SHARED * (PROCESSES - 1)
    with archive.reading() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == expected_documents
        assert session.scalar(select(func.count()).select_from(Revision)) == expected_revisions
        numbers = session.execute(
            select(Document.current_revision, func.count(Revision.id), func.max(Revision.number))
            .join(Revision, Revision.document_id == Document.id)
            .group_by(Document.id, Document.current_revision)
        ).all()
    # revision numbers have no gaps and the document points at its latest
    assert all(current == count == highest for current, count, highest in numbers)
