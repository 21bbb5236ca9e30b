"""The extraction-per-page benchmark: paired rounds over the same pages, and both F1 figures beside the speed."""

from __future__ import annotations

import math

from bench import extraction
from bench.extraction import Page
from tests.conftest import require_shared


def test_paired_rounds_give_every_page_to_both_sides_and_keep_the_candidates_texts() -> None:
    pages = [Page({"file": f"p{n}"}, f"<p>{n}</p>") for n in range(7)]
    seen: list[tuple[str, str]] = []

    def baseline(html: str, url: str | None) -> str | None:
        seen.append(("baseline", html))
        return "baseline"

    def candidate(html: str, url: str | None) -> str | None:
        seen.append(("candidate", html))
        return html.upper()

    ratios, totals, texts = extraction.paired_rounds(pages, baseline, candidate, rounds=3)
    assert len(ratios) == 3 and all(total > 0 for total in totals)
    assert texts == [page.html.upper() for page in pages]
    for side in ("baseline", "candidate"):
        assert sorted(html for who, html in seen if who == side) == sorted(page.html for page in pages)
    # which side goes first alternates between rounds
    assert seen[0][0] == "baseline" and seen[3][0] == "candidate"


def test_score_is_the_corpus_scorers_f1() -> None:
    require_shared("corpus/extraction")
    scorer = extraction._scorer()
    pages = [Page({"with": ["main text", "more"], "without": ["menu"]}, "")]
    assert extraction.score(scorer, pages, ["main text and more"]) == 1.0
    # one of two snippets found (recall 1/2), the boilerplate leaked (precision 1/2)
    assert math.isclose(extraction.score(scorer, pages, ["main text, menu"]), 0.5)
    assert extraction.score(scorer, pages, [None]) == 0.0


def test_a_small_run_reports_the_ratio_and_both_f1_figures_with_their_goals() -> None:
    require_shared("corpus/extraction")
    require_shared("corpus/indonesian")
    speed, f1, f1_indonesian = extraction.run(pages=4, rounds=2)
    assert speed.goal == extraction.GOAL and not speed.higher_is_better and math.isfinite(speed.ratio)
    assert "median of 2 paired rounds" in speed.detail and "(4 pages)" in speed.name
    assert f1.goal == extraction.F1_GOAL and f1.higher_is_better and 0 < f1.ratio <= 1
    # the Indonesian pages are scored whole whatever the size of the run
    assert f1_indonesian.goal == extraction.F1_INDONESIAN_GOAL and f1_indonesian.ratio >= extraction.F1_INDONESIAN_GOAL
