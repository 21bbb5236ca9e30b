"""Word lists and sentence patterns that read like Jakarta culture news, in Indonesian and English.

The benchmark pages need text that extraction treats as real prose (sentences of
varied length with names, places and dates) rather than random words, which
trafilatura and its peers may drop as boilerplate. This module only writes
sentences; laying them out as pages is bench.workload's job.

An article's sentences also carry its own particulars (`Story`: the event's and
a person's names, the venue, counts and prices), as real reports do: built from
the phrase lists alone, every article shared half its word 3-shingles with a
hundred others, which made each one a near-duplicate candidate of them all
(storage.dedup), unlike real news, where two unrelated stories share next to none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SYLLABLES = ("ba", "da", "ka", "la", "ma", "na", "ra", "sa", "ta", "wa", "ri", "ni", "ju", "ko", "su", "to", "gi", "pu")
# the share of an article's sentences that report its particulars
PARTICULAR_SHARE = 0.6

ID_SUBJECTS = (
    "Dinas Kebudayaan DKI Jakarta",
    "Pemerintah Provinsi DKI Jakarta",
    "Panitia penyelenggara",
    "Museum Sejarah Jakarta",
    "Sanggar seni Betawi dari Condet",
    "Komunitas seniman muda Jakarta Utara",
    "Kepala Unit Pengelola Taman Ismail Marzuki",
    "Warga Kampung Tugu",
    "Lembaga Kebudayaan Betawi",
    "Perpustakaan Jakarta",
    "Dewan Kesenian Jakarta",
    "Suku Dinas Kebudayaan Jakarta Selatan",
    "Kurator pameran",
    "Para penari muda",
    "Pengelola Perkampungan Budaya Betawi",
)
ID_VERBS = (
    "menggelar",
    "membuka",
    "mengumumkan",
    "menyiapkan",
    "memperkenalkan",
    "mengajak warga mengikuti",
    "meresmikan",
    "menampilkan",
    "mendukung",
    "memperpanjang",
    "menjadwalkan ulang",
    "mempersiapkan",
)
ID_OBJECTS = (
    "pameran foto sejarah kota",
    "pertunjukan lenong denes",
    "lokakarya tari topeng Betawi",
    "festival kuliner khas Betawi",
    "pentas musik gambang kromong",
    "pemutaran film dokumenter",
    "diskusi tentang cagar budaya",
    "lomba ondel-ondel pelajar",
    "pasar seni rakyat",
    "kelas menulis aksara Jawi",
    "tur jalan kaki di kawasan Kota Tua",
    "pameran arsip pelabuhan Sunda Kelapa",
    "konser orkes keroncong",
    "pementasan teater remaja",
    "program residensi seniman",
)
ID_PLACES = (
    "di Taman Ismail Marzuki",
    "di Lapangan Banteng",
    "di kawasan Kota Tua",
    "di Setu Babakan, Jagakarsa",
    "di Gedung Kesenian Jakarta",
    "di Museum Fatahillah",
    "di Perpustakaan Cikini",
    "di Taman Mini",
    "di Balai Kota",
    "di Pelabuhan Sunda Kelapa",
    "di Galeri Nasional",
    "di Pasar Baru",
)
ID_TIMES = (
    "pada akhir pekan ini",
    "mulai Sabtu pagi",
    "selama dua pekan",
    "pada pertengahan Desember",
    "sepanjang bulan depan",
    "setiap Minggu sore",
    "hingga akhir tahun",
    "pada malam pergantian tahun",
)
ID_CLOSERS = (
    "Acara ini terbuka untuk umum dan tidak dipungut biaya.",
    "Pendaftaran peserta dibuka secara daring hingga sepekan sebelum acara.",
    "Pengunjung diimbau datang lebih awal karena tempat duduk terbatas.",
    "Panitia menyediakan juru bahasa isyarat pada setiap sesi utama.",
    "Jadwal lengkap dapat dilihat di papan informasi kantor kelurahan setempat.",
    "Kegiatan serupa direncanakan berlangsung di lima wilayah kota administrasi.",
    "Transportasi umum menuju lokasi tersedia hingga pukul 22.00 WIB.",
)
ID_SPEAKERS = (
    "kata Kepala Dinas Kebudayaan",
    "ujar salah satu panitia",
    "tutur seorang seniman senior",
    "jelas kurator pameran",
    "kata seorang pengunjung asal Bekasi",
)
ID_QUOTES = (
    "Kami ingin anak-anak muda mengenal kembali kesenian yang tumbuh di kampungnya sendiri",
    "Setiap tahun jumlah peserta bertambah, dan tahun ini kami menyiapkan panggung yang lebih besar",
    "Warisan budaya tidak cukup disimpan di museum, ia harus dipentaskan dan dirayakan",
    "Kami bekerja sama dengan sekolah agar para pelajar bisa ikut tampil",
)

EN_SUBJECTS = (
    "The Jakarta culture office",
    "The city administration",
    "The organising committee",
    "The Jakarta History Museum",
    "A Betawi arts collective from Condet",
    "Young artists from North Jakarta",
    "The head of Taman Ismail Marzuki",
    "Residents of Kampung Tugu",
    "The Jakarta Arts Council",
    "The city library",
    "The exhibition's curators",
)
EN_VERBS = (
    "will hold",
    "opened",
    "announced",
    "is preparing",
    "introduced",
    "invited residents to join",
    "inaugurated",
    "presented",
    "extended",
    "rescheduled",
    "is supporting",
)
EN_OBJECTS = (
    "a photo exhibition on the city's history",
    "a lenong theatre performance",
    "a Betawi mask dance workshop",
    "a festival of Betawi cuisine",
    "a gambang kromong concert",
    "a documentary film screening",
    "a discussion on heritage buildings",
    "a school ondel-ondel competition",
    "a folk art market",
    "a walking tour of the Old Town",
    "an archive exhibition on Sunda Kelapa harbour",
    "a keroncong concert",
)
EN_PLACES = (
    "at Taman Ismail Marzuki",
    "at Lapangan Banteng",
    "in the Old Town",
    "at Setu Babakan in Jagakarsa",
    "at the Jakarta Arts Building",
    "at the Fatahillah Museum",
    "at the Cikini library",
    "at City Hall",
    "at the National Gallery",
    "near Sunda Kelapa harbour",
)
EN_TIMES = (
    "this weekend",
    "from Saturday morning",
    "for two weeks",
    "in mid-December",
    "throughout next month",
    "every Sunday afternoon",
    "until the end of the year",
    "on New Year's Eve",
)
EN_CLOSERS = (
    "Admission is free and the event is open to everyone.",
    "Registration is open online until a week before the event.",
    "Visitors are advised to arrive early because seating is limited.",
    "Sign language interpreters will be available at every main session.",
    "Similar events are planned in all five administrative cities.",
    "Public transport to the venue runs until 10 pm.",
)
EN_SPEAKERS = (
    "said the head of the culture office",
    "a member of the committee said",
    "said a senior artist",
    "the curator explained",
    "said a visitor from Bekasi",
)
EN_QUOTES = (
    "We want young people to rediscover the arts that grew up in their own neighbourhoods",
    "Every year more people take part, and this year we have built a bigger stage",
    "Heritage is not only for museums, it has to be performed and celebrated",
    "We work with schools so that students can perform too",
)

ID_MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ID_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
SECTIONS = (
    "Berita",
    "Budaya",
    "Seni",
    "Agenda",
    "Museum",
    "Film",
    "Musik",
    "Teater",
    "Sejarah",
    "Komunitas",
    "Kuliner",
    "Pariwisata",
    "Pendidikan",
    "Kota",
    "Opini",
)


def made_up_name(rng: random.Random) -> str:
    """Return a name of two or three syllables, e.g. 'Sakari'."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


@dataclass(frozen=True)
class Story:
    """What one article reports and no other does: its event, a person quoted and the venue."""

    event: str
    person: str
    venue: str

    @classmethod
    def draw(cls, rng: random.Random) -> Story:
        """Return the particulars of a new article."""
        return cls(
            event=f"{made_up_name(rng)} {made_up_name(rng)}",
            person=f"{made_up_name(rng)} {made_up_name(rng)}",
            venue=f"{made_up_name(rng)} {rng.randint(2, 99)}",
        )


def _particular(rng: random.Random, language: str, story: Story) -> str:
    """Return a sentence that reports the story's particulars, with counts and times of its own."""
    count, groups, hour = rng.randint(20, 900), rng.randint(3, 60), rng.randint(7, 20)
    if language == "en":
        return rng.choice(
            (
                f"{rng.choice(EN_SUBJECTS)} {rng.choice(EN_VERBS)} {story.event} at {story.venue}, "
                f"expecting {count} visitors.",
                f"According to {story.person}, {groups} groups from {rng.randint(2, 44)} neighbourhoods "
                f"signed up for {story.event}.",
                f"Tickets for {story.event} cost {rng.randint(1, 20) * 5},000 rupiah at {story.venue} "
                f"from {hour} o'clock, {story.person} said.",
            )
        )
    return rng.choice(
        (
            f"{rng.choice(ID_SUBJECTS)} {rng.choice(ID_VERBS)} {story.event} di {story.venue} dengan {count} peserta.",
            f"Menurut {story.person}, {groups} kelompok dari {rng.randint(2, 44)} kelurahan "
            f"mendaftar untuk {story.event}.",
            f"Tiket {story.event} dijual Rp{rng.randint(1, 20) * 5}.000 di {story.venue} "
            f"mulai pukul {hour}.00 WIB, kata {story.person}.",
        )
    )


def sentence(rng: random.Random, language: str, story: Story | None = None) -> str:
    """Return one news sentence in `language` ('id' or 'en'), often about the `story`'s particulars when given."""
    if story is not None and rng.random() < PARTICULAR_SHARE:
        return _particular(rng, language, story)
    english = language == "en"
    kind = rng.random()
    if kind < 0.15:
        quote = rng.choice(EN_QUOTES if english else ID_QUOTES)
        speaker = rng.choice(EN_SPEAKERS if english else ID_SPEAKERS)
        return f"\u201c{quote},\u201d {speaker}."
    if kind < 0.3:
        return rng.choice(EN_CLOSERS if english else ID_CLOSERS)
    subject = rng.choice(EN_SUBJECTS if english else ID_SUBJECTS)
    verb = rng.choice(EN_VERBS if english else ID_VERBS)
    thing = rng.choice(EN_OBJECTS if english else ID_OBJECTS)
    place = rng.choice(EN_PLACES if english else ID_PLACES)
    when = rng.choice(EN_TIMES if english else ID_TIMES)
    return f"{subject} {verb} {thing} {place} {when}."


def paragraph(rng: random.Random, language: str, story: Story | None = None) -> str:
    """Return a paragraph of three to six sentences (about the `story`, when given)."""
    return " ".join(sentence(rng, language, story) for _ in range(rng.randint(3, 6)))


def headline(rng: random.Random, language: str) -> str:
    """Return a headline, e.g. 'Museum Sejarah Jakarta Menggelar Pameran Foto di Kota Tua'."""
    if language == "en":
        words = f"{rng.choice(EN_SUBJECTS)} {rng.choice(EN_VERBS)} {rng.choice(EN_OBJECTS)} {rng.choice(EN_PLACES)}"
    else:
        words = f"{rng.choice(ID_SUBJECTS)} {rng.choice(ID_VERBS)} {rng.choice(ID_OBJECTS)} {rng.choice(ID_PLACES)}"
    return " ".join(word[:1].upper() + word[1:] for word in words.split())
