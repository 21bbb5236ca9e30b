"""The events evaluation set holds extraction to the issue's goals (it runs in `make test`)."""

from __future__ import annotations

from bench import event_eval


def test_evaluation_set_is_large_enough_with_announcements_without_events() -> None:
    announcements = event_eval.load_announcements()
    assert len(announcements) >= 80
    assert sum(1 for announcement in announcements if not announcement.events) >= 20
    assert {announcement.language for announcement in announcements} == {"id", "en"}


def test_extraction_meets_the_goals_on_the_evaluation_set() -> None:
    result = event_eval.score(event_eval.load_announcements())
    misses = "\n".join(result.misses)
    assert result.precision >= event_eval.GOALS["precision"], misses
    assert result.recall >= event_eval.GOALS["recall"], misses
    assert result.end_accuracy >= event_eval.GOALS["end_accuracy"], misses


def test_no_event_comes_from_a_publication_or_historical_date() -> None:
    result = event_eval.score(event_eval.load_announcements())
    assert result.false_from_misleading_dates == 0, "\n".join(result.misses)


def test_the_score_counts_a_wrong_extraction_as_a_miss() -> None:
    # negative control: a label moved by a day is no longer found, so the scorer can fail
    announcement = event_eval.load_announcements()[0]
    moved = dict(announcement.events[0], start="2026-11-29")
    shifted = event_eval.Announcement(**{**announcement.__dict__, "events": [moved]})
    result = event_eval.score([shifted])
    assert result.recall == 0.0 and result.precision == 0.0
