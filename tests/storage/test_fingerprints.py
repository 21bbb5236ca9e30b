"""Content fingerprints: normalization, content hashes and word counts."""

from __future__ import annotations

from tests.storage.conftest import ARTICLE
from warta.storage.fingerprints import content_hash, fingerprint, normalize_text

EXTRA = (
    " Panitia menyiapkan panggung utama, area kuliner dan pameran foto sejarah kampung Betawi."
    " Selain itu tersedia lokakarya membuat kerak telor dan membatik untuk anak-anak sekolah."
    " Pengunjung dapat datang tanpa biaya dan diimbau menggunakan transportasi umum."
)


def test_normalization_collapses_whitespace_and_compatibility_forms() -> None:
    assert normalize_text("  Jakarta\u00a0\n kota\u200b global\t") == "Jakarta kota global"
    assert normalize_text("\uff12\uff10\uff12\uff17") == "2027"


def test_normalization_drops_every_invisible_character_and_collapses_every_unicode_space() -> None:
    # soft hyphen, zero-width (non-)joiners and spaces, word joiner, byte order mark; then
    # the separators str.isspace knows beyond ASCII (line separator, information separator one)
    assert normalize_text("\u00adse\u200bla\u200cmat\u200d pa\u2060gi\ufeff") == "selamat pagi"
    assert normalize_text("\u2028kota\x1f\x1c global\u2029") == "kota global"


def test_content_hash_separates_title_from_text() -> None:
    assert content_hash("a b", "c") != content_hash("a", "b c")
    assert content_hash("Judul", "Isi  berita") == content_hash(" Judul ", "Isi berita\n")


def test_fingerprint_in_one_pass_equals_the_separate_content_hash() -> None:
    title, text = " Festival\u00a0Betawi ", ARTICLE + "  Kota\u200b global " + EXTRA
    found = fingerprint(title, text)
    assert found.content_hash == content_hash(title, text)
    assert fingerprint(title, text + " Tambahan.").content_hash != found.content_hash


def test_fingerprint_counts_the_words_of_the_text_not_the_title() -> None:
    # punctuation and hyphens separate words; a zero-width space inside a word does not
    found = fingerprint("Judul yang panjang sekali", "Anak-anak  menari,\nlalu pul\u200bang.")
    assert found.word_count == 5
