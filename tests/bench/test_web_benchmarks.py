"""A tiny run of the story-page benchmark, so that `make bench` keeps measuring it; no timing is asserted."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

from bench import story_page


def test_story_page_benchmark_renders_a_story_of_twenty_revisions(tmp_path: Path) -> None:
    result = story_page.run("sqlite", tmp_path, requests=3)
    assert result.name == "story page with 20 revisions, against 50 ms (sqlite)"
    assert result.ratio > 0 and math.isfinite(result.ratio)
    assert (result.goal, result.higher_is_better) == (1.0, False)
    assert "over 3 requests" in result.detail


def test_each_revision_of_the_benchmark_story_is_an_edit_of_the_previous_one() -> None:
    versions = story_page.article_revisions(random.Random(1), 4)
    assert len(set(versions)) == 4
    for older, newer in itertools.pairwise(versions):
        changed = sum(a != b for a, b in zip(older.split(), newer.split(), strict=True))
        assert 0 < changed <= story_page.EDITED_WORDS
