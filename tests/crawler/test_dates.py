"""Indonesian and English date forms become the right aware instant; nonsense becomes None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from warta.crawler.dates import (
    _DATE_PATTERNS,
    _build,
    find_date_detail,
    find_date_in_text,
    parse_date,
    parse_date_detail,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))
WIT = timezone(timedelta(hours=9))

FORMS = [
    ("Senin, 23 November 2026 | 14:05 WIB", datetime(2026, 11, 23, 14, 5, tzinfo=WIB), "kompas-date-line"),
    ("Senin, 23/11/2026 14:05 WIB", datetime(2026, 11, 23, 14, 5, tzinfo=WIB), "detik-numeric-line"),
    ("23 Nop 2026", datetime(2026, 11, 23, tzinfo=JAKARTA), "nop-abbreviation"),
    ("23 Nov 2026 14.05 WIB", datetime(2026, 11, 23, 14, 5, tzinfo=WIB), "dot-time"),
    ("23/11/2026", datetime(2026, 11, 23, tzinfo=JAKARTA), "day-first-slashes"),
    ("23-11-2026", datetime(2026, 11, 23, tzinfo=JAKARTA), "day-first-dashes"),
    ("03/04/2026", datetime(2026, 4, 3, tzinfo=JAKARTA), "day-first-not-american"),
    ("2026-11-23T14:05:00+07:00", datetime(2026, 11, 23, 14, 5, tzinfo=WIB), "iso-offset"),
    ("2026-11-23 14:05:00", datetime(2026, 11, 23, 14, 5, tzinfo=JAKARTA), "iso-space-no-zone"),
    ("2026-11-23T07:05:00Z", datetime(2026, 11, 23, 7, 5, tzinfo=UTC), "iso-z"),
    ("2026-11-23", datetime(2026, 11, 23, tzinfo=JAKARTA), "iso-date-only"),
    ("2015-11-05 T10:08:58Z", datetime(2015, 11, 5, 10, 8, 58, tzinfo=UTC), "detik-meta-space-before-t"),
    ("Rabu, 4 November 2015 | 21:04 WIB", datetime(2015, 11, 4, 21, 4, tzinfo=WIB), "single-digit-day"),
    ("Kamis 26 Nov 2026, 09:30 WITA", datetime(2026, 11, 26, 9, 30, tzinfo=WITA), "wita"),
    ("Kamis 26 Nov 2026 09:30 WIT", datetime(2026, 11, 26, 9, 30, tzinfo=WIT), "wit"),
    ("Jumat, 27 Nopember 2026 - 19:00", datetime(2026, 11, 27, 19, 0, tzinfo=JAKARTA), "nopember-dash-time"),
    ("Jum'at, 17 Februari 2017 - 13:30 wib", datetime(2017, 2, 17, 13, 30, tzinfo=WIB), "okezone-lowercase-wib"),
    ("Minggu (29/11/2026)", datetime(2026, 11, 29, tzinfo=JAKARTA), "weekday-parenthesised"),
    ("Selasa, 16 Februari 2016 14:38", datetime(2016, 2, 16, 14, 38, tzinfo=JAKARTA), "no-zone-is-source-zone"),
    ("Senin, 15 Februari 2016, 16:15 WIB", datetime(2016, 2, 15, 16, 15, tzinfo=WIB), "republika-comma-time"),
    ("2 Pebruari 2016", datetime(2016, 2, 2, tzinfo=JAKARTA), "pebruari"),
    ("17 Agt 2026", datetime(2026, 8, 17, tzinfo=JAKARTA), "agt"),
    ("17 Agu 2026", datetime(2026, 8, 17, tzinfo=JAKARTA), "agu"),
    ("17 Ags 2026", datetime(2026, 8, 17, tzinfo=JAKARTA), "ags"),
    ("17 Agust 2026", datetime(2026, 8, 17, tzinfo=JAKARTA), "agust"),
    ("17 Agustus 2026", datetime(2026, 8, 17, tzinfo=JAKARTA), "agustus"),
    ("25 Des 2026", datetime(2026, 12, 25, tzinfo=JAKARTA), "des"),
    ("1 Mei 2026", datetime(2026, 5, 1, tzinfo=JAKARTA), "mei"),
    ("5 Okt 2026", datetime(2026, 10, 5, tzinfo=JAKARTA), "okt"),
    ("November 23, 2026", datetime(2026, 11, 23, tzinfo=JAKARTA), "english-month-first"),
    ("23 November 2026", datetime(2026, 11, 23, tzinfo=JAKARTA), "english-day-first"),
    ("Nov 23, 2026 2:05 PM", datetime(2026, 11, 23, 14, 5, tzinfo=JAKARTA), "english-pm"),
    ("Nov 23, 2026 12:30 AM", datetime(2026, 11, 23, 0, 30, tzinfo=JAKARTA), "english-midnight-am"),
    ("Wednesday, 04 November, 2015 | 07:28 WIB", datetime(2015, 11, 4, 7, 28, tzinfo=WIB), "tempo-english"),
    ("Mon, 23 Nov 2026 07:05:00 GMT", datetime(2026, 11, 23, 7, 5, tzinfo=UTC), "rfc822-gmt"),
    ("Mon, 23 Nov 2026 14:05:00 +0700", datetime(2026, 11, 23, 14, 5, tzinfo=WIB), "rfc822-offset"),
    (
        "Jumat, 20 Jumadil Awwal 1438 / 17 February 2017",
        datetime(2017, 2, 17, tzinfo=JAKARTA),
        "hijri-date-first-is-skipped",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [form[:2] for form in FORMS], ids=[form[2] for form in FORMS])
def test_date_form_parses_to_expected_instant(text: str, expected: datetime) -> None:
    parsed = parse_date(text, JAKARTA)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    ["31/02/2026", "30 Februari 2026", "2026-02-30", "09:30 WIT", "kemarin", "", "20 Jumadil Awwal 1438", "1/1/26"],
    ids=["feb-31", "feb-30-named", "iso-feb-30", "time-only", "relative-word", "empty", "hijri-only", "two-digit-year"],
)
def test_nonsense_or_incomplete_date_is_none(text: str) -> None:
    assert parse_date(text, JAKARTA) is None


def test_zone_less_value_takes_the_given_source_timezone() -> None:
    makassar = ZoneInfo("Asia/Makassar")
    assert parse_date("23/11/2026 14:05", makassar) == datetime(2026, 11, 23, 14, 5, tzinfo=WITA)
    assert parse_date("23/11/2026 14:05", JAKARTA) == datetime(2026, 11, 23, 14, 5, tzinfo=WIB)


def test_date_only_value_is_flagged_as_having_no_time() -> None:
    assert parse_date_detail("23 Nop 2026", JAKARTA) == (datetime(2026, 11, 23, tzinfo=JAKARTA), False)
    assert parse_date_detail("23 Nop 2026 10:00", JAKARTA) == (datetime(2026, 11, 23, 10, tzinfo=JAKARTA), True)


def test_number_after_a_date_is_not_taken_for_a_time() -> None:
    parsed = parse_date_detail("23/11/2026 10.000 penonton", JAKARTA)
    assert parsed == (datetime(2026, 11, 23, tzinfo=JAKARTA), False)


def test_invalid_hour_keeps_the_date_without_time() -> None:
    assert parse_date_detail("23 Nov 2026 25:30", JAKARTA) == (datetime(2026, 11, 23, tzinfo=JAKARTA), False)


def test_find_date_in_text_returns_the_first_valid_date_in_a_line() -> None:
    line = "Oleh Redaksi | Diperbarui 31/02/2026 | Kamis, 26 November 2026 | 09:30 WIB | Jakarta"
    assert find_date_in_text(line, JAKARTA) == datetime(2026, 11, 26, 9, 30, tzinfo=WIB)


def test_find_date_in_text_ignores_words_that_start_like_months() -> None:
    assert find_date_in_text("Pameran 12 Marketing 2026 di TIM", JAKARTA) is None
    assert find_date_in_text("Pameran 12 Maret 2026 di TIM", JAKARTA) == datetime(2026, 3, 12, tzinfo=JAKARTA)


@pytest.mark.parametrize(
    "text",
    [
        "Senin, November 23, 2026 14:05 WIB",
        "Posted Dec\t5,\n2025 at 9:15 pm | 4 Desember 2025",
        "Diperbarui 31/02/2026, terbit Jan 3rd 2026 dan May 12,2020",
        "Rabu, 4 November 2015 | 21:04 WIB",
        "Halaman 12, 2026 pembaca, Oktober 5, 2026",
        "Senin, Nov 23 2026, 10:00",
        "Tanpa tahun: 12 Maret, pukul 10.00",
        "\u0661\u0662 November, \u0662\u0660\u0662\u0666",
        "Kamis, November \u0662\u0663, \u0662\u0660\u0662\u0666",
    ],
)
def test_earliest_date_is_the_one_all_patterns_find(text: str) -> None:
    # the shortcuts (no four-digit year; no "23, 2026" after a month name) skip only patterns that cannot match
    matches = sorted((match for pattern in _DATE_PATTERNS for match in pattern.finditer(text)), key=lambda m: m.start())
    expected = next((parsed for match in matches if (parsed := _build(match, text, JAKARTA))), None)
    assert find_date_detail(text, JAKARTA) == expected
