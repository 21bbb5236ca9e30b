"""The edit note: a short word-level description of what the latest edit changed."""

from __future__ import annotations

import pytest

from tests.feeds.conftest import FESTIVAL
from warta.feeds.diffs import describe_edit, describe_word_changes


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            FESTIVAL,
            FESTIVAL.replace("akhir pekan ini", "Sabtu, 28 November"),
            ["'…akhir pekan ini…' → '…Sabtu, 28 November…'"],
        ),
        ("Acara dimulai pukul 19.00 WIB.", "Acara dimulai pukul 19.00 WIB. Tiket gratis.", ["added '…Tiket gratis.…'"]),
        ("Tiket gratis untuk pelajar dan umum.", "Tiket gratis untuk pelajar.", ["removed '…dan umum…'"]),
        (
            "a b c d e f g h",
            "a X c Y e Z g W",
            ["'…b…' → '…X…'", "'…d…' → '…Y…'", "'…f…' → '…Z…'", "and 1 more change"],
        ),
        (" ".join(map(str, range(40))), "awal " + " ".join(map(str, range(1, 40))), ["'…0…' → '…awal…'"]),
    ],
    ids=["replacement", "insertion", "deletion", "many-changes-are-capped", "long-text-shows-only-the-change"],
)
def test_word_changes(old: str, new: str, expected: list[str]) -> None:
    assert describe_word_changes(old, new) == expected


def test_long_replacement_is_truncated_with_a_single_ellipsis() -> None:
    changes = describe_word_changes("x", " ".join(f"kata{i}" for i in range(30)))
    assert changes == ["'…x…' → '…kata0 kata1 kata2 kata3 kata4 kata5 kata6 kata7 kata8 kata9 kata10 kata11…'"]
    assert "……" not in changes[0]


def test_title_change_is_named_first() -> None:
    note = describe_edit("Festival Betawi", "teks lama", "Festival Betawi diundur", "teks baru")
    assert note == "Edited: title 'Festival Betawi' → 'Festival Betawi diundur'; '…lama…' → '…baru…'"


def test_first_revision_has_no_edit_note() -> None:
    assert describe_edit(None, None, "Judul", "Teks") is None


def test_whitespace_only_edit_is_described_as_such() -> None:
    assert describe_edit("Judul", "satu  dua", "Judul", "satu dua") == "Edited: whitespace or formatting only."
