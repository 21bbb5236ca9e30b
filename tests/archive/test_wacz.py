"""WACZ export: py-wacz validates it; it holds the WARC, an index and the article pages."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from warcio.timeutils import iso_date_to_timestamp

from tests.archive.conftest import FESTIVAL, ORGANIZATION, TRICKY_TEXT, TRICKY_TITLE, SeededArchive
from warta.archive import export

VALIDATE = "import sys; from wacz.main import main; sys.exit(main())"


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    # a subprocess, because py-wacz's validator leaks a temporary directory (a ResourceWarning)
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-c", VALIDATE, "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_wacz_validates_and_lists_every_revision_as_a_page(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.wacz"
    info = export(cfg, seeded.database, "wacz", output)
    result = wacz_validate(output)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout
    with zipfile.ZipFile(output) as package:
        names = set(package.namelist())
        assert {
            "archive/data.warc.gz",
            "indexes/index.cdx.gz",
            "pages/pages.jsonl",
            "datapackage.json",
            "datapackage-digest.json",
        } <= names
        header, *pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()]
        datapackage = json.loads(package.read("datapackage.json"))
        index = gzip.decompress(package.read("indexes/index.cdx.gz")).decode("utf-8").splitlines()
    assert header == {
        "format": "json-pages-1.0",
        "id": "pages",
        "title": f"{ORGANIZATION}: archive.wacz",
        "hasText": True,
    }
    assert {page["url"] for page in pages} == set(seeded.urls.values())
    assert len(pages) == 5 and len({page["id"] for page in pages}) == 5  # one per revision
    assert datapackage["wacz_version"] == "1.1.1"
    assert info.captures == 6 and info.path == output
    # every page opens a capture: its url and ts are a line of the WACZ's own index
    captures = {(json.loads(line.split(" ", 2)[2])["url"], line.split(" ", 2)[1]) for line in index}
    for page in pages:
        assert (page["url"], iso_date_to_timestamp(page["ts"])) in captures


def test_wacz_pages_give_each_version_of_an_edited_story_its_title_text_and_time(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.wacz"
    export(cfg, seeded.database, "wacz", output)
    with zipfile.ZipFile(output) as package:
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()[1:]]
    festival = [page for page in pages if page["url"] == seeded.urls["festival"]]
    assert [(page["ts"], page["title"]) for page in festival] == [
        ("2026-11-23T07:05:00Z", "Festival Budaya Betawi"),
        ("2026-11-23T13:05:00Z", "Festival Budaya Betawi di Setu Babakan"),
    ]
    assert festival[0]["text"] == FESTIVAL and festival[1]["text"] == FESTIVAL + " Gratis."
    pameran = next(page for page in pages if page["url"] == seeded.urls["pameran"])
    assert pameran["text"] == TRICKY_TEXT and pameran["title"] == TRICKY_TITLE


def test_wacz_with_an_altered_file_fails_validation(seeded: SeededArchive, cfg, tmp_path):
    # negative control: validation checks the hashes in datapackage.json
    output = tmp_path / "archive.wacz"
    export(cfg, seeded.database, "wacz", output)
    altered = tmp_path / "altered.wacz"
    with zipfile.ZipFile(output) as source, zipfile.ZipFile(altered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "pages/pages.jsonl":
                data = data.replace(b"Festival", b"Festivak", 1)
            target.writestr(item, data)
    assert wacz_validate(altered).returncode != 0
