"""Extraction per page: warta's extraction path against `trafilatura.extract`, with both F1 figures beside it.

Both run in this process on the saved pages of `../shared/corpus/extraction` (990 real pages),
decoded once beforehand: `trafilatura.extract(html, url=url)` with default settings, and
`warta.crawler.extraction.main_text` (everything a crawl's extraction worker computes per page:
trafilatura in warta's mode, title, dates, language, canonical link, safe HTML, fingerprint).
The pages are split into rounds; in each round both extract the same pages one after the other
(which goes first alternates), timed in CPU seconds of this process, so that a busy machine
slows both sides of a pair alike. The figure is the median of the rounds' ratios, with their
spread. The texts warta returned in those rounds are scored with the corpus's own scorer
(`score_trafilatura.py`: snippets that must and must not appear), and so are the 17 pages of
`../shared/corpus/indonesian`: no speed-up can quietly cost accuracy.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.harness import BenchResult, skipped
from bench.workload import REPO

CORPUS = REPO.parent / "shared" / "corpus"
GOAL = 1.15
F1_GOAL = 0.9255  # warta's F1 on the 990 pages when the goal was set (issue 23)
F1_INDONESIAN_GOAL = 0.970
NAME = "extraction per page, warta main_text vs trafilatura.extract"
Extractor = Callable[[str, str | None], str | None]


@dataclass(frozen=True)
class Page:
    """One corpus page: its expectations (snippets) and its decoded HTML."""

    item: dict[str, Any]
    html: str


def run(pages: int = 0, rounds: int = 10) -> list[BenchResult]:
    """Return the per-page ratio (median of paired rounds) and warta's F1 on both corpora.

    `pages` limits the 990-page corpus to its first pages (0: all of them).
    """
    if not (CORPUS / "extraction" / "expect.jsonl").exists():
        reason = f"{CORPUS} is not here: the extraction corpus lives in the shared data folder next to the clone"
        return [skipped(NAME, reason)]
    import trafilatura

    from warta.crawler.extraction import main_text

    scorer = _scorer()
    corpus = load_pages(CORPUS / "extraction", scorer, pages)

    def lone(html: str, url: str | None) -> str | None:
        return trafilatura.extract(html, url=url)

    lone(corpus[0].html, None), main_text(corpus[0].html, None)  # lazily built tables, on both sides
    ratios, totals, texts = paired_rounds(corpus, lone, main_text, rounds)
    f1 = score(scorer, corpus, texts)
    indonesian = load_pages(CORPUS / "indonesian", scorer, 0)
    f1_indonesian = score(scorer, indonesian, [main_text(page.html, page.item.get("url")) for page in indonesian])
    spread = f"{min(ratios):.3f} to {max(ratios):.3f}"
    detail = (
        f"median of {len(ratios)} paired rounds (spread {spread}); {totals[1] / len(corpus) * 1000:.1f} vs "
        f"{totals[0] / len(corpus) * 1000:.1f} ms CPU a page over {len(corpus)} pages; "
        f"F1 {f1:.4f} here, {f1_indonesian:.4f} on the Indonesian pages"
    )
    return [
        BenchResult(f"{NAME} ({len(corpus)} pages)", statistics.median(ratios), GOAL, False, detail),
        BenchResult(
            f"extraction F1, warta on the {len(corpus)}-page corpus",
            f1,
            F1_GOAL,
            True,
            f"F1 {f1:.4f}: the corpus's snippets that must and must not appear (score_trafilatura.py), same run",
        ),
        BenchResult(
            f"extraction F1, warta on the {len(indonesian)} Indonesian pages",
            f1_indonesian,
            F1_INDONESIAN_GOAL,
            True,
            f"F1 {f1_indonesian:.4f} on ../shared/corpus/indonesian, same scorer",
        ),
    ]


def paired_rounds(
    pages: list[Page], baseline: Extractor, candidate: Extractor, rounds: int
) -> tuple[list[float], tuple[float, float], list[str | None]]:
    """Time both extractors on each round's pages in turn; return the rounds' ratios, total CPU seconds, texts.

    The pages are dealt round-robin into rounds, so every round holds pages from all over the corpus.
    """
    rounds = max(1, min(rounds, len(pages)))
    texts: list[str | None] = [None] * len(pages)
    ratios: list[float] = []
    total_baseline = total_candidate = 0.0
    for number in range(rounds):
        indices = range(number, len(pages), rounds)
        if number % 2:
            candidate_seconds = _time(candidate, pages, indices, texts)
            baseline_seconds = _time(baseline, pages, indices, None)
        else:
            baseline_seconds = _time(baseline, pages, indices, None)
            candidate_seconds = _time(candidate, pages, indices, texts)
        ratios.append(candidate_seconds / baseline_seconds)
        total_baseline += baseline_seconds
        total_candidate += candidate_seconds
    return ratios, (total_baseline, total_candidate), texts


def _time(extractor: Extractor, pages: list[Page], indices: range, texts: list[str | None] | None) -> float:
    """Return the CPU seconds `extractor` takes over the chosen pages, keeping its texts when asked."""
    start = time.process_time()
    for index in indices:
        page = pages[index]
        text = extractor(page.html, page.item.get("url"))
        if texts is not None:
            texts[index] = text
    return time.process_time() - start


def load_pages(folder: Path, scorer: ModuleType, limit: int) -> list[Page]:
    """Return a corpus's pages with their expectations, decoded the way its scorer decodes them."""
    items = scorer.load_expectations(folder)
    if limit:
        items = items[:limit]
    return [Page(item, scorer.decode_html((folder / item["file"]).read_bytes())) for item in items]


def score(scorer: ModuleType, pages: list[Page], texts: list[str | None]) -> float:
    """Return the F1 of the texts against the pages' snippets, as the corpus's scorer computes it."""
    tp = fn = fp = 0
    for page, text in zip(pages, texts, strict=True):
        found, missed, leaked, _ = scorer.count(page.item, text)
        tp, fn, fp = tp + found, fn + missed, fp + leaked
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _scorer() -> ModuleType:
    """Import the corpus's scorer (standard library only) from the shared folder."""
    path = CORPUS / "extraction" / "score_trafilatura.py"
    spec = importlib.util.spec_from_file_location("score_trafilatura", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the scorer {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
