"""The events calendars written by `feeds build`: RFC 5545 that icalendar and khal read, kept current by edits."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, datetime, time
from pathlib import Path

import icalendar
import pytest

from tests.feeds.conftest import Archive, build, page

FESTIVAL = (
    "Dinas Kebudayaan DKI Jakarta menggelar Festival Budaya Betawi di Perkampungan Budaya Betawi Setu Babakan "
    "pada 28-30 Desember 2026. Festival ini pertama kali digelar pada 2000."
)
CONCERT = (
    "Gedung Kesenian Jakarta menggelar konser gamelan pada Jumat, 18 Desember 2026, pukul 19.00-22.00 WIB. "
    "Konser ini terbuka untuk umum."
)
KHAL = shutil.which("khal")


def read_calendar(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def vevents(path: Path) -> dict[str, icalendar.Event]:
    return {str(event["SUMMARY"]): event for event in read_calendar(path).walk("VEVENT")}


@pytest.fixture
def announced(archive: Archive) -> Archive:
    """Return the archive with a festival (topic festivals, source disbud) and a concert (source kompas)."""
    archive.record(page("festival-betawi", text=FESTIVAL, title="Festival Budaya Betawi di Setu Babakan"))
    archive.record(page("konser-gamelan", "kompas", hours=1, text=CONCERT, title="Konser Gamelan di GKJ"))
    return archive


def test_feeds_build_writes_a_calendar_per_feed(announced: Archive) -> None:
    report = build(announced)
    folder = announced.feed_dir / "events"
    assert report.events == 2
    assert set(vevents(folder / "all.ics")) == {"Festival Budaya Betawi di Setu Babakan", "Konser Gamelan di GKJ"}
    assert set(vevents(folder / "festivals.ics")) == {"Festival Budaya Betawi di Setu Babakan"}
    assert set(vevents(folder / "disbud.ics")) == {"Festival Budaya Betawi di Setu Babakan"}
    assert set(vevents(folder / "kompas.ics")) == {"Konser Gamelan di GKJ"}
    assert vevents(folder / "wccf.ics") == {}


def test_an_all_day_festival_has_its_dates_venue_link_and_the_jakarta_timezone(announced: Archive) -> None:
    build(announced)
    path = announced.feed_dir / "events" / "all.ics"
    calendar = read_calendar(path)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    festival = vevents(path)["Festival Budaya Betawi di Setu Babakan"]
    assert festival.decoded("DTSTART") == date(2026, 12, 28)
    assert festival.decoded("DTEND") == date(2026, 12, 31)  # exclusive: the festival's last day is the 30th
    assert str(festival["LOCATION"]) == "Perkampungan Budaya Betawi Setu Babakan"
    assert str(festival["URL"]) == "https://disbud.jakarta.go.id/berita/festival-betawi"
    assert str(festival["STATUS"]) == "CONFIRMED" and festival.decoded("SEQUENCE") == 0


def test_a_timed_concert_starts_and_ends_in_wib(announced: Archive) -> None:
    build(announced)
    concert = vevents(announced.feed_dir / "events" / "all.ics")["Konser Gamelan di GKJ"]
    start, end = concert.decoded("DTSTART"), concert.decoded("DTEND")
    assert isinstance(start, datetime) and start.tzinfo is not None
    assert (start.date(), start.time(), end.time()) == (date(2026, 12, 18), time(19), time(22))
    assert start.utcoffset().total_seconds() == 7 * 3600
    assert concert["DTSTART"].params["TZID"] == "Asia/Jakarta"


def test_an_edit_that_moves_the_festival_keeps_its_uid_and_raises_its_sequence(announced: Archive) -> None:
    build(announced)
    path = announced.feed_dir / "events" / "all.ics"
    before = vevents(path)["Festival Budaya Betawi di Setu Babakan"]
    moved = FESTIVAL.replace("28-30 Desember 2026", "4-6 Januari 2027")
    announced.record(page("festival-betawi", hours=30, text=moved, title="Festival Budaya Betawi di Setu Babakan"))
    build(announced)
    after = vevents(path)["Festival Budaya Betawi di Setu Babakan"]
    assert str(after["UID"]) == str(before["UID"])
    assert after.decoded("SEQUENCE") == before.decoded("SEQUENCE") + 1
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert after.decoded("DTSTART") == date(2027, 1, 4)


def test_a_rebuild_of_an_unchanged_archive_leaves_the_calendars_alone(announced: Archive) -> None:
    build(announced)
    report = build(announced)
    assert report.written == 0


def test_a_cancelled_or_vanished_story_gives_a_cancelled_event(announced: Archive) -> None:
    cancelled = CONCERT.replace("Konser ini terbuka untuk umum.", "Konser ini dibatalkan karena cuaca.")
    announced.record(page("konser-gamelan", "kompas", hours=5, text=cancelled, title="Konser Gamelan di GKJ"))
    with announced.db.transaction() as session:
        from warta.storage.revisions import mark_gone

        assert mark_gone(session, "https://disbud.jakarta.go.id/berita/festival-betawi", datetime.now().astimezone())
    build(announced)
    events = vevents(announced.feed_dir / "events" / "all.ics")
    assert {name: str(event["STATUS"]) for name, event in events.items()} == {
        "Festival Budaya Betawi di Setu Babakan": "CANCELLED",
        "Konser Gamelan di GKJ": "CANCELLED",
    }
    assert events["Festival Budaya Betawi di Setu Babakan"].decoded("SEQUENCE") == 1


def test_calendars_are_listed_in_index_html_and_the_opml(announced: Archive) -> None:
    build(announced)
    index = (announced.feed_dir / "index.html").read_text(encoding="utf-8")
    opml = (announced.feed_dir / "index.opml").read_text(encoding="utf-8")
    for key in ("all", "festivals", "disbud"):
        assert f'href="events/{key}.ics"' in index
        assert f'url="https://feeds.example.org/warta/events/{key}.ics"' in opml
    assert 'type="text/calendar"' in index


def test_calendars_import_into_khal(announced: Archive, tmp_path: Path) -> None:
    if KHAL is None:
        if os.environ.get("CI") == "true":
            pytest.fail("khal is not installed; .ci/run installs it (apt-get install khal)")
        pytest.skip("khal is not installed (Debian package khal); CI installs it")
    build(announced)
    vdir = tmp_path / "khal" / "warta"
    vdir.mkdir(parents=True)
    config = tmp_path / "khal" / "config"
    config.write_text(
        f"[calendars]\n[[warta]]\npath = {vdir}\ntype = calendar\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "default_timezone = Asia/Jakarta\nlocal_timezone = Asia/Jakarta\n"
        f"[sqlite]\npath = {tmp_path / 'khal' / 'khal.db'}\n",
        encoding="utf-8",
    )
    environment = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}

    def khal(*args: str) -> str:
        done = subprocess.run(
            [KHAL, "-c", str(config), *args], capture_output=True, text=True, env=environment, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    for path in sorted((announced.feed_dir / "events").glob("*.ics")):
        khal("import", "--batch", "-a", "warta", str(path))
    assert len(list(vdir.glob("*.ics"))) == 2  # the same events in several calendars are imported once, by UID
    listed = khal("list", "--format", "{start} {title} {location}", "2026-12-01", "2027-01-31")
    assert "2026-12-18 19:00 Konser Gamelan di GKJ" in listed
    assert "Festival Budaya Betawi di Setu Babakan Perkampungan Budaya Betawi Setu Babakan" in listed
    assert "error" not in listed.lower()
