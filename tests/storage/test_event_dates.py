"""Date expressions: what dateparser reads, what it does not (done by storage.event_dates), and the events kept."""

from __future__ import annotations

from datetime import date, datetime, time

import dateparser
import pytest

from warta.storage.event_dates import find_date_spans
from warta.storage.event_extraction import extract_events

PUBLISHED = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28 November 2026", date(2026, 11, 28)),
        ("Sabtu, 28 Nov", date(2026, 11, 28)),
        ("3 Des", date(2026, 12, 3)),
        ("Sabtu (28/11)", date(2026, 11, 28)),
        ("November 28, 2026", date(2026, 11, 28)),
        ("Saturday, November 28", date(2026, 11, 28)),
        ("1 Agt 2026", date(2026, 8, 1)),
    ],
    ids=["id-full", "id-weekday-abbrev", "id-des", "id-weekday-numeric", "en-mdy", "en-weekday", "id-agt"],
)
def test_dateparser_reads_single_indonesian_and_english_dates(text: str, expected: date) -> None:
    base = datetime(PUBLISHED.year, PUBLISHED.month, PUBLISHED.day)
    settings = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "future", "RELATIVE_BASE": base}
    assert dateparser.parse(text, languages=["id", "en"], settings=settings).date() == expected


# What dateparser 1.2 does not read (or reads wrongly); each line is done by storage.event_dates instead.
DATEPARSER_GAPS = [
    ("28-30 November 2026", (date(2026, 11, 28), date(2026, 11, 30))),
    ("28 Nov - 3 Des", (date(2026, 11, 28), date(2026, 12, 3))),
    ("28 Desember 2026 s.d. 3 Januari 2027", (date(2026, 12, 28), date(2027, 1, 3))),
    ("7 November sampai dengan 20 Desember 2026", (date(2026, 11, 7), date(2026, 12, 20))),
    ("hingga 31 Januari 2027", (None, date(2027, 1, 31))),
    ("Sabtu-Minggu (28-29/11)", (date(2026, 11, 28), date(2026, 11, 29))),
    ("November 24-28, 2026", (date(2026, 11, 24), date(2026, 11, 28))),
    ("17 Agst 2026", (date(2026, 8, 17), date(2026, 8, 17))),
]


@pytest.mark.parametrize(("text", "expected"), DATEPARSER_GAPS, ids=[text for text, _ in DATEPARSER_GAPS])
def test_ranges_and_open_ends_dateparser_misses_are_read_here(text: str, expected: tuple[date | None, date]) -> None:
    spans = find_date_spans(text, PUBLISHED)
    assert [(span.start, span.end) for span in spans] == [expected]
    read_by_dateparser = dateparser.parse(text, languages=["id", "en"])
    # dateparser gives one day (the first) or nothing: if it learns the whole form, this list can shrink
    assert read_by_dateparser is None or read_by_dateparser.date() != expected[1] or expected[0] != expected[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pukul 19.00-22.00 WIB, Jumat, 4 Desember 2026", (time(19), time(22), "Asia/Jakarta")),
        ("Sabtu, 21 November 2026, pukul 16.00 WITA", (time(16), None, "Asia/Makassar")),
        ("14 November 2026 pukul 18.00 WIT", (time(18), None, "Asia/Jayapura")),
        ("Sunday, November 29, from 9 a.m. to 12 p.m.", (time(9), time(12), "Asia/Jakarta")),
    ],
    ids=["wib-range", "wita", "wit", "en-am-pm"],
)
def test_times_and_zones_are_read_next_to_the_date(text: str, expected: tuple[time, time | None, str]) -> None:
    (span,) = find_date_spans(text, PUBLISHED)
    assert (span.start_time, span.end_time, span.zone) == expected


def test_dateparser_misreads_a_time_range_that_is_read_here() -> None:
    # dateparser reads "19.00-22.00" as a date in 2000, and a day with a time range not at all
    assert dateparser.parse("19.00-22.00 WIB", languages=["id"]).year == 2000
    assert dateparser.parse("Jumat, 4 Desember 2026, pukul 19.00-22.00 WIB", languages=["id"]) is None
    (span,) = find_date_spans("Jumat, 4 Desember 2026, pukul 19.00-22.00 WIB", PUBLISHED)
    assert (span.start, span.start_time, span.end_time) == (date(2026, 12, 4), time(19), time(22))


def test_a_date_without_a_year_is_the_next_such_date_after_publication() -> None:
    (span,) = find_date_spans("pada 12 Februari mendatang", date(2026, 12, 15))
    assert span.start == date(2027, 2, 12)


def test_a_date_a_few_days_before_publication_is_a_report_not_next_year() -> None:
    assert extract_events("Gubernur meninjau TIM", "Gubernur meninjau TIM, Selasa (24/11).", date(2026, 11, 25)) == []


@pytest.mark.parametrize(
    "text",
    [
        "Jakarta didirikan sejak 1527 oleh Fatahillah.",
        "VOC merebut Jayakarta pada 1619.",
        "Jakarta didirikan pada 22 Juni 1527.",
        "Tahun lalu festival digelar 14-16 November.",
        "Jakarta, 20 November 2026 – Dinas Kebudayaan menandatangani kerja sama.",
        "Diterbitkan 20 November 2026 pukul 10.15 WIB.",
    ],
    ids=["sejak-year", "pada-year", "founding-day", "past-edition", "dateline", "published-line"],
)
def test_historical_past_and_publication_dates_are_not_events(text: str) -> None:
    assert extract_events("Kabar budaya", text, PUBLISHED) == []


def test_a_story_saying_the_event_is_cancelled_marks_it_cancelled() -> None:
    (event,) = extract_events(
        "Konser di Taman Suropati Dibatalkan", "Konser pada Minggu, 29 November 2026 dibatalkan.", PUBLISHED
    )
    assert event.is_cancelled and event.starts_on == date(2026, 11, 29)
    (kept,) = extract_events("Konser di Taman Suropati", "Konser pada Minggu, 29 November 2026.", PUBLISHED)
    assert not kept.is_cancelled


def test_an_event_gets_its_venue_and_kind() -> None:
    (event,) = extract_events(
        "Teater Koma Pentas di TIM",
        "Teater Koma mementaskan naskah baru pada Sabtu (28/11) pukul 19.30 WIB di Graha Bhakti Budaya.",
        PUBLISHED,
    )
    assert (event.kind, event.venue, event.start_time) == ("performance", "Graha Bhakti Budaya", time(19, 30))
