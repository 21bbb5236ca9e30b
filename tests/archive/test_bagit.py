"""BagIt export: a valid BagIt 1.0 bag with the JSONL and the WARC, and a bag-info that says what it is."""

from __future__ import annotations

import bagit
import pytest

from tests.archive.conftest import ORGANIZATION, SeededArchive
from warta.archive import Selection, export
from warta.archive.bagit_export import validate_bag


def test_bag_validates_and_describes_its_selection(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "betawi-bag"
    info = export(cfg, seeded.database, "bagit", output, Selection(topics=("betawi",)))
    bag = validate_bag(output)
    assert bag.version_info == (1, 0)
    assert sorted(bag.payload_files()) == ["data/archive.warc.gz", "data/documents.jsonl"]
    assert bag.info["Source-Organization"] == ORGANIZATION
    assert "topics betawi" in bag.info["External-Description"]
    assert bag.info["Bagging-Date"]
    payload_bytes = sum((output / name).stat().st_size for name in bag.payload_files())
    assert bag.info["Payload-Oxum"] == f"{payload_bytes}.2"
    assert (info.documents, info.captures) == (2, 3)
    assert len((output / "data" / "documents.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_bag_fails_validation_after_one_payload_byte_is_altered(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "bag"
    export(cfg, seeded.database, "bagit", output)
    validate_bag(output)
    jsonl = output / "data" / "documents.jsonl"
    data = bytearray(jsonl.read_bytes())
    data[10] = ord("X") if data[10] != ord("X") else ord("Y")
    jsonl.write_bytes(bytes(data))
    with pytest.raises(bagit.BagValidationError, match=r"documents\.jsonl"):
        validate_bag(output)
