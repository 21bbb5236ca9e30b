"""A small listing site written into a folder, in the day versions the daemon tests switch between.

- `good`: a listing at /berita/ linking to six articles with real text.
- `down`: the same site, but the listing answers 500.
- `redesign`: the listing answers, but links to no article any more.
"""

from __future__ import annotations

from pathlib import Path

ARTICLE = (
    "Dinas Kebudayaan DKI Jakarta menggelar pertunjukan seni Betawi di Taman Ismail Marzuki pada akhir pekan. "
    "Acara ini menampilkan ondel-ondel, lenong, gambang kromong dan tari topeng bagi warga dan wisatawan. "
    "Kepala Dinas menyampaikan bahwa pertunjukan ini merupakan bagian dari rangkaian menuju lima abad Jakarta "
    "pada tahun 2027, sekaligus upaya memperkenalkan warisan budaya kota kepada generasi muda. "
    "Pengunjung dapat menikmati pertunjukan tanpa biaya dengan mendaftar terlebih dahulu melalui laman resmi."
)
ARTICLES = 6


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><nav><a href='/'>Beranda</a></nav><main>{body}</main><footer>Pemprov DKI Jakarta</footer></body></html>"
    )


def _article(number: int) -> str:
    text = "".join(f"<p>{ARTICLE} (bagian {part} dari berita {number})</p>" for part in range(1, 4))
    return _page(
        f"Pertunjukan seni Betawi {number}",
        f"<article><h1>Pertunjukan seni Betawi {number}</h1><p>Senin, 23 November 2026 | 14:05 WIB</p>{text}</article>",
    )


def write_listing_site(root: Path) -> Path:
    """Write the site's day folders under `root` and return it."""
    links = "".join(f'<li><a href="/berita/artikel-{n}">Pertunjukan seni Betawi {n}</a></li>' for n in range(1, 7))
    for day in ("good", "down", "redesign"):
        folder = root / day / "berita"
        folder.mkdir(parents=True)
        for number in range(1, ARTICLES + 1):
            (folder / f"artikel-{number}.html").write_text(_article(number), encoding="utf-8")
        listing = "<p>Halaman sedang diperbarui.</p>" if day == "redesign" else f"<ul>{links}</ul>"
        (folder / "index.html").write_text(_page("Berita", f"<h1>Berita</h1>{listing}"), encoding="utf-8")
    (root / "down" / "_status").write_text("/berita/ 500\n", encoding="utf-8")
    return root


def source_toml(source_id: str, start_url: str, schedule: str = "every 2s") -> str:
    """Return a [[sources]] table crawling the listing at `start_url`."""
    return f"""
[[sources]]
id = "{source_id}"
kind = "listing"
urls = ["{start_url}"]
follow = ['/berita/artikel-']
schedule = "{schedule}"
max_pages = 1
"""
