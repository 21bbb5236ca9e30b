"""CSV export: one row per document, header first, parsed back exactly by the csv module."""

from __future__ import annotations

import csv

from tests.archive.conftest import TRICKY_TEXT, TRICKY_TITLE, SeededArchive
from warta.archive import export
from warta.archive.csv_export import COLUMNS


def test_csv_parses_back_with_quotes_commas_newlines_and_indonesian_text(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.csv"
    info = export(cfg, seeded.database, "csv", output)
    with output.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == COLUMNS
    by_id = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    assert len(by_id) == info.documents == 4
    pameran = by_id[seeded.uids["pameran"]]
    assert (pameran["title"], pameran["text"]) == (TRICKY_TITLE, TRICKY_TEXT)
    festival = by_id[seeded.uids["festival"]]
    assert (festival["revision"], festival["topics"], festival["status"]) == ("2", "betawi", "active")
    assert by_id[seeded.uids["museum"]]["status"] == "gone"


def test_csv_quotes_fields_so_a_naive_line_split_would_fail(seeded: SeededArchive, cfg, tmp_path):
    # negative control: the tricky text really does contain a line break inside one record
    output = tmp_path / "archive.csv"
    export(cfg, seeded.database, "csv", output)
    raw = output.read_bytes()
    assert raw.count(b"\r\n") > 5  # header + 4 rows + the embedded CRLF
    assert '"Pameran ""Jakarta, Kota Global"" — dibuka"'.encode() in raw
