"""Extraction quality on saved real pages in ../shared: Indonesian news fields, and an F1 floor.

The Indonesian corpus checks every field we archive; the 990-page benchmark guards the main-text
quality with a fixed subset, scored with the benchmark's own counting code (imported by path).
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import require_shared
from warta.crawler.extraction import Extracted, extract_article, main_text

INDONESIAN_PAGES = [
    "kompas1", "kompas2", "kompas3", "kompas4", "kompas5", "antara1", "antara2", "antara4", "antara5",
    "detik1", "detik2", "tempo1", "tempoen1", "republika1", "republika3", "okezone1", "okezone2",
]  # fmt: skip
# trafilatura failures that precision mode (used for Indonesian pages) does not fix; okezone2 and
# detik1 fail with trafilatura's defaults and pass here. Strict, so a fix shows up.
KNOWN_BODY_FAILURES = {
    "detik2": "the editor and advertising contact lines of the photo gallery are kept",
    "kompas5": "the first paragraph, in a different container from the rest, is dropped",
}
# every 10th page of the benchmark; the floor sits a little below the measured F1 (see readme)
BENCHMARK_STEP = 10
BENCHMARK_F1_FLOOR = 0.91


def _normalise(text: str) -> str:
    return " ".join(text.split())


@cache
def _indonesian() -> dict[str, tuple[dict[str, Any], Extracted | None]]:
    """Return each Indonesian page's expectations and extraction, computed once per run."""
    corpus = require_shared("corpus/indonesian")
    results = {}
    for line in (corpus / "expect.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        name = Path(item["file"]).stem
        results[name] = (item, extract_article((corpus / item["file"]).read_bytes(), item["url"]))
    return results


def _page(name: str) -> tuple[dict[str, Any], Extracted]:
    item, extracted = _indonesian()[name]
    assert extracted is not None, f"{name}: no article extracted"
    return item, extracted


def test_corpus_lists_every_page() -> None:
    assert sorted(_indonesian()) == sorted(INDONESIAN_PAGES)


@pytest.mark.parametrize("name", INDONESIAN_PAGES)
def test_title_is_the_headline(name: str) -> None:
    item, extracted = _page(name)
    assert _normalise(extracted.title) == _normalise(item["title"])


@pytest.mark.parametrize("name", INDONESIAN_PAGES)
def test_published_is_the_shown_instant(name: str) -> None:
    item, extracted = _page(name)
    assert extracted.published is not None
    if len(item["published"]) == 10:  # republika3 shows only a (Gregorian and Hijri) day
        assert extracted.published.astimezone(extracted.published.tzinfo).date() == date.fromisoformat(
            item["published"]
        )
    else:
        # the pages show minutes; metadata may add seconds to the same minute
        assert extracted.published.replace(second=0) == datetime.fromisoformat(item["published"])


@pytest.mark.parametrize("name", INDONESIAN_PAGES)
def test_language_is_detected(name: str) -> None:
    item, extracted = _page(name)
    assert extracted.language == item["lang"]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BODY_FAILURES[name]))
        if name in KNOWN_BODY_FAILURES
        else name
        for name in INDONESIAN_PAGES
    ],
)
def test_body_has_article_snippets_and_no_boilerplate(name: str) -> None:
    item, extracted = _page(name)
    text = _normalise(extracted.text)
    assert [s for s in item["with"] if _normalise(s) not in text] == []
    assert [s for s in item["without"] if _normalise(s) in text] == []


def _scorer() -> ModuleType:
    """Import the benchmark's scorer module from ../shared by path."""
    path = require_shared("corpus/extraction/score_trafilatura.py")
    spec = importlib.util.spec_from_file_location("score_trafilatura", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_benchmark_subset_f1_stays_above_floor() -> None:
    scorer = _scorer()
    corpus = require_shared("corpus/extraction")
    totals = [0, 0, 0, 0]  # tp, fn, fp, tn
    for item in scorer.load_expectations(corpus)[::BENCHMARK_STEP]:
        text = main_text(scorer.decode_html((corpus / item["file"]).read_bytes()), item.get("url"))
        totals = [a + b for a, b in zip(totals, scorer.count(item, text), strict=True)]
    tp, fn, fp, _ = totals
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= BENCHMARK_F1_FLOOR, f"F1 {f1:.4f} on every {BENCHMARK_STEP}th page fell below {BENCHMARK_F1_FLOOR}"
