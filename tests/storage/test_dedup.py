"""Near-duplicate detection on plain values: what is compared, the LSH keys, and the two measures."""

from __future__ import annotations

import pytest

from warta.storage.dedup import LEAD_BAND, band_keys, shingles, similarity, story_lines

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
