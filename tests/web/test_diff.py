"""The word diff of two revisions: exactly the edited words marked, the same diff a word-by-word match gives."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from bench.story_page import article_revisions
from warta.feeds.diffs import join_tokens, tokenize
from warta.web.diff import DiffSegment, changed_words, word_diff

OLD = (
    "Festival Budaya Betawi digelar di Setu Babakan. Pengunjung menonton ondel-ondel dan tari topeng!\n\n"
    "Acara dibuka pukul 09.00 WIB. Tiket masuk gratis untuk semua warga? Ya, gratis."
)


def word_by_word(old: str, new: str) -> list[tuple[str, str]]:
    """Return (kind, text) of the diff matching every word of `old` against every word of `new`."""
    old_words, new_words = tokenize(old), tokenize(new)
    runs = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes():
        if tag == "equal":
            runs.append(("equal", join_tokens(new_words[j1:j2])))
        if tag in ("delete", "replace"):
            runs.append(("delete", join_tokens(old_words[i1:i2])))
        if tag in ("insert", "replace"):
            runs.append(("insert", join_tokens(new_words[j1:j2])))
    return runs


def kinds_and_texts(segments: list[DiffSegment]) -> list[tuple[str, str]]:
    return [(segment.kind, segment.text) for segment in segments]


@pytest.mark.parametrize(
    ("new", "deleted", "inserted"),
    [
        (OLD.replace("Setu Babakan", "Monas"), ["Setu Babakan"], ["Monas"]),
        (OLD.replace("09.00", "10.00").replace("topeng", "piring"), ["topeng", "09"], ["piring", "10"]),
        (OLD.replace(" Tiket masuk gratis untuk semua warga?", ""), ["Tiket masuk gratis untuk semua warga?"], []),
        (OLD + " Parkir tersedia.", [], ["Parkir tersedia."]),
        (OLD, [], []),
    ],
    ids=["words-in-a-sentence", "two-sentences", "sentence-removed", "sentence-added", "unchanged"],
)
def test_the_diff_marks_exactly_the_edited_words(new: str, deleted: list[str], inserted: list[str]) -> None:
    assert changed_words(word_diff(OLD, new)) == (deleted, inserted)


def test_the_diff_is_the_one_a_word_by_word_match_gives() -> None:
    # 600-word articles whose revisions each edit a few words anywhere, as the story page benchmark records them
    for seed in range(10):
        revisions = article_revisions(random.Random(seed), 8)
        for old, new in [(revisions[-2], revisions[-1]), (revisions[0], revisions[-1]), (revisions[-1], revisions[0])]:
            assert kinds_and_texts(word_diff(old, new)) == word_by_word(old, new)
