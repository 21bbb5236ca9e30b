"""Content fingerprints: normalization, hashes and SimHash distances."""

from __future__ import annotations

from tests.storage.conftest import ARTICLE
from warta.storage.fingerprints import (
    content_hash,
    fingerprint,
    hamming_distance,
    normalize_text,
    simhash,
    simhash_bands,
    words,
)

# the SimHash no longer decides clusters (storage.dedup does); it stays a stored, exported fingerprint
MAX_DISTANCE = 6
EXTRA = (
    " Panitia menyiapkan panggung utama, area kuliner dan pameran foto sejarah kampung Betawi."
    " Selain itu tersedia lokakarya membuat kerak telor dan membatik untuk anak-anak sekolah."
    " Pengunjung dapat datang tanpa biaya dan diimbau menggunakan transportasi umum."
)


def test_normalization_collapses_whitespace_and_compatibility_forms() -> None:
    assert normalize_text("  Jakarta\u00a0\n kota\u200b global\t") == "Jakarta kota global"
    assert normalize_text("\uff12\uff10\uff12\uff17") == "2027"


def test_content_hash_separates_title_from_text() -> None:
    assert content_hash("a b", "c") != content_hash("a", "b c")
    assert content_hash("Judul", "Isi  berita") == content_hash(" Judul ", "Isi berita\n")


def test_simhash_of_a_trimmed_copy_is_close_and_of_another_story_far() -> None:
    story = ARTICLE + EXTRA
    trimmed = story.rsplit(" Pengunjung", 1)[0]
    other = "Museum Nasional membuka kembali galeri prasejarah setelah renovasi selama dua tahun " * 3
    assert hamming_distance(simhash(story), simhash(trimmed)) <= MAX_DISTANCE
    assert hamming_distance(simhash(story), simhash(other)) > 3 * MAX_DISTANCE


def test_simhash_fits_a_signed_bigint_and_bands_cover_all_bits() -> None:
    value = simhash(ARTICLE)
    assert -(1 << 63) <= value < (1 << 63)
    bands = simhash_bands(value)
    rebuilt = sum(band << (16 * index) for index, band in enumerate(bands))
    assert rebuilt == value & ((1 << 64) - 1)


def _majority_simhash(text: str) -> int:
    """SimHash written as its definition: bit b is set when most shingle hashes have bit b set."""
    import hashlib

    from warta.storage.fingerprints import SHINGLE_WORDS, to_signed64, words

    tokens = words(text)
    shingles = [" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(max(1, len(tokens) - SHINGLE_WORDS + 1))]
    hashes = [int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big") for s in shingles]
    return to_signed64(sum(1 << bit for bit in range(64) if 2 * sum(h >> bit & 1 for h in hashes) > len(hashes)))


def test_simhash_sets_each_bit_that_most_shingle_hashes_set() -> None:
    texts = ["", "satu", "dua kata", "Café naïve Ünïcode", ARTICLE, ARTICLE + EXTRA, (ARTICLE + " ") * 40]
    assert [simhash(text) for text in texts] == [_majority_simhash(text) for text in texts]
    # negative control: the texts do not all hash alike
    assert len({simhash(text) for text in texts}) == len(texts)


def test_fingerprint_in_one_pass_equals_the_separate_hashes() -> None:
    title, text = " Festival\u00a0Betawi ", ARTICLE + "  Kota\u200b global " + EXTRA
    found = fingerprint(title, text)
    assert found.content_hash == content_hash(title, text)
    assert found.simhash == simhash(text)
    assert found.word_count == len(words(text))
    assert fingerprint(title, text + " Tambahan.").content_hash != found.content_hash
