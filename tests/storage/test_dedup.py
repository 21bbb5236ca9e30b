"""Near-duplicate detection on plain values: what is compared, the LSH keys, and the two measures."""

from __future__ import annotations

import random

import pytest

from warta.storage.dedup import LEAD_BAND, band_keys, coverage, coverage_bound, similarity
from warta.storage.shingling import BOUND_BUCKETS, Shingles, shingles, story_lines

STORY = "\n".join(
    [
        "Museum Nasional Indonesia membuka kembali Galeri Prasejarah setelah renovasi selama dua tahun.",
        "Galeri baru ini menampilkan lebih dari 500 koleksi, termasuk fosil manusia purba dan perkakas batu.",
        "Galeri Prasejarah dibuka setiap Selasa hingga Minggu pukul 08.00 hingga 16.00 WIB untuk umum.",
    ]
)


@pytest.mark.parametrize(
    "added",
    ["Baca juga: Museum Fatahillah buka malam", "Sumber: Dinas Kebudayaan DKI Jakarta", "Editor: Riza Harahap"],
    ids=["related-link", "attribution", "editor"],
)
def test_lines_syndication_adds_are_not_compared(added: str) -> None:
    assert story_lines(STORY + "\n" + added) == story_lines(STORY)


def test_a_wire_dateline_before_the_first_line_is_not_compared() -> None:
    assert story_lines("JAKARTA (ANTARA) - " + STORY) == story_lines(STORY)
    # negative control: inside the text, the same words are compared
    assert story_lines(STORY + "\nJAKARTA (ANTARA) - kata") != story_lines(STORY)


def test_keys_are_the_minhash_bands_and_the_lead_lines_and_equal_for_equal_shingles() -> None:
    keys = band_keys(shingles(STORY))
    assert len([key for key in keys if key[0] != LEAD_BAND]) == 20
    assert len([key for key in keys if key[0] == LEAD_BAND]) == 3
    assert all(-(2**63) <= key < 2**63 for _, key in keys)
    assert band_keys(shingles("Sumber: Antara\n" + STORY)) == keys
    assert band_keys(shingles("")) == []


def test_a_cut_copy_covers_the_shorter_story_and_agrees_fully() -> None:
    cut = "\n".join(STORY.splitlines()[:2])
    measured = similarity(shingles(STORY), shingles(cut))
    assert measured.coverage == measured.agreement == 1.0


def test_a_story_that_changes_words_inside_its_lines_agrees_less() -> None:
    sibling = STORY.replace("Galeri Prasejarah dibuka", "Galeri Etnografi dibuka").replace("Selasa", "Rabu")
    measured = similarity(shingles(STORY), shingles(sibling))
    assert 0.6 < measured.agreement < 0.93


def _story(hashes: set[int]) -> Shingles:
    return Shingles((frozenset(hashes),), frozenset(hashes), len(hashes))


def test_the_coverage_bound_is_never_below_the_coverage() -> None:
    rng = random.Random(7)
    stories = []
    for _ in range(40):
        words = [rng.choice(["galeri", "museum", "festival", "jakarta", "seni", "budaya", "kota", "musik"])]
        words += [rng.choice(["dibuka", "digelar", "ditutup", "hadir", "kembali", "baru"]) for _ in range(300)]
        text = "\n".join(" ".join(words[start : start + 30]) for start in range(0, len(words), 30))
        stories += [shingles(text), shingles("\n".join(text.splitlines()[:3]))]  # a story and its cut copy
    for first in stories:
        for second in stories:
            assert coverage_bound(first, second) >= coverage(first, second)
    # shared shingles that fall into one bucket are all counted: 2 shared, both in bucket 1
    colliding = _story({1, 1 + BOUND_BUCKETS, 2})
    assert coverage_bound(colliding, _story({1, 1 + BOUND_BUCKETS})) == coverage(
        colliding, _story({1, 1 + BOUND_BUCKETS})
    )
    assert coverage_bound(colliding, colliding) == coverage(colliding, colliding) == 1.0
    assert coverage_bound(colliding, _story(set())) == 0.0


def test_the_coverage_bound_rules_out_stories_that_share_little() -> None:
    rng = random.Random(11)
    first, second = (_story({rng.getrandbits(64) for _ in range(500)}) for _ in range(2))
    shared = {rng.getrandbits(64) for _ in range(50)}
    first, second = _story(set(first.all) | shared), _story(set(second.all) | shared)
    assert coverage(first, second) < 0.1
    assert coverage_bound(first, second) < 0.25  # well below [dedup] min_coverage: not counted
    # negative control: disjoint stories whose shingles fall into the same buckets cannot be ruled out
    twin = _story({value + BOUND_BUCKETS for value in first.all if value + BOUND_BUCKETS < 2**64})
    assert coverage(first, twin) == 0.0 and coverage_bound(first, twin) > 0.9
