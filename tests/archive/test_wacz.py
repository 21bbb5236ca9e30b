"""WACZ export: py-wacz validates it; it holds the WARC, an index and the article pages."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.archive.conftest import SeededArchive
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


def test_wacz_validates_and_lists_the_article_pages(seeded: SeededArchive, cfg, tmp_path):
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
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()[1:]]
        datapackage = json.loads(package.read("datapackage.json"))
    assert {page["url"] for page in pages} == set(seeded.urls.values())
    assert datapackage["wacz_version"] == "1.1.1"
    assert info.captures == 6 and info.path == output


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
