"""The near-duplicate evaluation set holds clustering to the issue's goals (it runs in `make test`)."""

from __future__ import annotations

from bench import dedup_eval
from warta.storage.dedup import DEFAULT_THRESHOLDS, DedupThresholds


def test_evaluation_set_has_every_kind_of_positive_and_hard_negative() -> None:
    stories = dedup_eval.load_stories()
    positives, negatives = dedup_eval.pair_sets(stories, dedup_eval.load_hard_negatives())
    assert len(stories) >= 25 and len(positives) >= 300
    assert {pair.kind for pair in positives} == set(dedup_eval.TRANSFORMS)
    assert {pair.kind for pair in negatives} == {"series", "day_two", "translation", "short_notice"}
    assert all(len(pair.first.split()) < 80 for pair in negatives if pair.kind == "short_notice")


def test_clustering_meets_the_goals_on_the_evaluation_set() -> None:
    result = dedup_eval.score(dedup_eval.load_stories(), dedup_eval.load_hard_negatives(), DEFAULT_THRESHOLDS)
    assert result.recall >= dedup_eval.GOALS["recall"], result.misses
    assert result.precision >= dedup_eval.GOALS["precision"], result.merges
    assert result.negatives > 300 and result.by_kind["same_site"][1] >= 20


def test_the_score_counts_merged_series_announcements_as_false_merges() -> None:
    # negative control: without the agreement check, announcements of one series are merged
    loose = DedupThresholds(**{**DEFAULT_THRESHOLDS.__dict__, "min_agreement": 0.5, "stay_min_agreement": 0.5})
    result = dedup_eval.score([], dedup_eval.load_hard_negatives(), loose)
    assert result.by_kind["series"][0] < result.by_kind["series"][1]
    assert result.false_merges > 0 and result.precision < dedup_eval.GOALS["precision"]
