"""Entries keep their identity across edits and rebuilds; a rebuild without new data rewrites nothing."""

from __future__ import annotations

import json

import feedparser
from lxml import etree

from tests.feeds.conftest import FESTIVAL, Archive, build, file_states, page

EDITED = FESTIVAL.replace("akhir pekan ini", "Sabtu, 28 November")


def festival_entry(archive: Archive, feed: str = "all.atom"):
    parsed = feedparser.parse((archive.feed_dir / feed).read_bytes())
    return next(entry for entry in parsed.entries if entry.link.endswith("/festival-betawi"))


def test_edited_story_keeps_its_id_moves_forward_and_says_what_changed(seeded: Archive) -> None:
    build(seeded)
    before = festival_entry(seeded)
    assert "Edited" not in before.content[0].value
    seeded.record(page("festival-betawi", hours=5, text=EDITED))
    build(seeded)
    after = festival_entry(seeded)
    assert after.id == before.id
    assert after.updated > before.updated
    assert after.published == before.published
    assert "Edited: '…akhir pekan ini…' → '…Sabtu, 28 November…'" in after.content[0].value
    newest = feedparser.parse((seeded.feed_dir / "all.atom").read_bytes()).entries[0]
    assert newest.id == before.id


def test_edit_note_appears_in_rss_and_json_too(seeded: Archive) -> None:
    seeded.record(page("festival-betawi", hours=5, text=EDITED))
    build(seeded)
    rss = etree.parse(str(seeded.feed_dir / "all.rss"))
    descriptions = [item.findtext("description") for item in rss.iter("item")]
    assert any("Sabtu, 28 November…" in text and text.startswith("<p><em>Edited:") for text in descriptions)
    items = json.loads((seeded.feed_dir / "all.json").read_text(encoding="utf-8"))["items"]
    assert any(item["content_html"].startswith("<p><em>Edited:") for item in items)


def test_rebuild_without_new_data_leaves_every_file_byte_identical_and_untouched(seeded: Archive) -> None:
    first = build(seeded)
    states = file_states(seeded.feed_dir)
    second = build(seeded)
    assert first.written == len(states) > 0
    assert (second.written, second.unchanged) == (0, len(states))
    assert file_states(seeded.feed_dir) == states


def test_new_data_rewrites_only_the_feeds_it_belongs_to(seeded: Archive) -> None:
    build(seeded)
    states = file_states(seeded.feed_dir)
    seeded.record(page("pameran-baru", "kompas", hours=9, text="Museum Nasional membuka pameran keris."))
    build(seeded)
    changed = {path for path, state in file_states(seeded.feed_dir).items() if states.get(path) != state}
    expected = {
        f"{stem}.{fmt}" for stem in ("all", "sources/kompas", "topics/museums") for fmt in ("atom", "rss", "json")
    }
    assert changed == expected | {"index.html"}


def test_unchanged_recrawl_does_not_change_any_feed(seeded: Archive) -> None:
    build(seeded)
    states = file_states(seeded.feed_dir)
    seeded.record(page("festival-betawi", hours=8))
    build(seeded)
    assert file_states(seeded.feed_dir) == states


def test_no_temporary_files_are_left_behind(seeded: Archive) -> None:
    build(seeded)
    seeded.record(page("festival-betawi", hours=5, text=EDITED))
    build(seeded)
    leftovers = [path for path in seeded.feed_dir.rglob("*") if path.name.startswith(".")]
    assert leftovers == []
