"""JSONL export: one line per document with every field, revisions in order, times with offsets."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from tests.archive.conftest import FESTIVAL, TRICKY_TEXT, TRICKY_TITLE, SeededArchive
from warta.archive import Selection, export
from warta.config import TopicConfig
from warta.storage.document_records import DocumentRecord, RevisionRecord

FIELDS = {
    "id",
    "url",
    "canonical_url",
    "source",
    "title",
    "published",
    "updated",
    "language",
    "text",
    "content_hash",
    "topics",
    "status",
    "first_seen",
    "last_seen",
    "cluster",
    "revisions",
}


def read_lines(path: Path) -> dict[str, dict]:
    return {line["id"]: line for line in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_jsonl_export_holds_every_document_with_its_revisions_in_order(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.jsonl"
    info = export(cfg, seeded.database, "jsonl", output)
    lines = read_lines(output)
    assert set(lines) == set(seeded.uids.values())
    assert (info.documents, info.revisions) == (4, 5)
    festival = lines[seeded.uids["festival"]]
    assert set(festival) >= FIELDS
    assert [revision["number"] for revision in festival["revisions"]] == [1, 2]
    assert festival["revisions"][0]["text"] == FESTIVAL
    assert festival["title"] == festival["revisions"][1]["title"] == "Festival Budaya Betawi di Setu Babakan"
    assert festival["topics"] == ["betawi"]
    pameran = lines[seeded.uids["pameran"]]
    assert (pameran["title"], pameran["text"]) == (TRICKY_TITLE, TRICKY_TEXT)
    assert lines[seeded.uids["museum"]]["status"] == "gone"


def test_jsonl_times_are_iso_8601_with_offset(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.jsonl"
    export(cfg, seeded.database, "jsonl", output)
    festival = read_lines(output)[seeded.uids["festival"]]
    for value in (
        festival["first_seen"],
        festival["last_seen"],
        festival["updated"],
        festival["published"],
        festival["revisions"][0]["fetched_at"],
    ):
        assert datetime.fromisoformat(value).utcoffset() is not None, value
        assert value.endswith("+00:00")


def test_near_duplicates_share_the_cluster_of_the_first_document(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.jsonl"
    export(cfg, seeded.database, "jsonl", output)
    lines = read_lines(output)
    assert lines[seeded.uids["kompas-festival"]]["cluster"] == seeded.uids["festival"]
    assert lines[seeded.uids["festival"]]["cluster"] == seeded.uids["festival"]
    assert lines[seeded.uids["museum"]]["cluster"] == seeded.uids["museum"]


def test_a_clustered_story_names_its_first_seen_member_and_the_others(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.jsonl"
    export(cfg, seeded.database, "jsonl", output)
    lines = read_lines(output)
    original, copy = lines[seeded.uids["festival"]], lines[seeded.uids["kompas-festival"]]
    assert original["cluster_first_seen"] == copy["cluster_first_seen"] == seeded.uids["festival"]
    assert original["cluster_members"] == [seeded.uids["kompas-festival"]]
    assert copy["cluster_members"] == [seeded.uids["festival"]]
    museum = lines[seeded.uids["museum"]]
    assert (museum["cluster_first_seen"], museum["cluster_members"]) == (None, [])


def test_current_only_export_omits_older_revisions(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "current.jsonl"
    info = export(cfg, seeded.database, "jsonl", output, Selection(current_only=True))
    festival = read_lines(output)[seeded.uids["festival"]]
    assert "revisions" not in festival
    assert festival["current"]["number"] == 2
    assert info.revisions == info.documents == 4


def test_source_and_topic_selections_export_only_matching_documents(seeded: SeededArchive, cfg, tmp_path):
    by_source = tmp_path / "kompas.jsonl"
    export(cfg, seeded.database, "jsonl", by_source, Selection(sources=("kompas",)))
    assert set(read_lines(by_source)) == {seeded.uids["kompas-festival"]}
    by_topic = tmp_path / "betawi.jsonl"
    export(cfg, seeded.database, "jsonl", by_topic, Selection(topics=("betawi",)))
    assert set(read_lines(by_topic)) == {seeded.uids["festival"], seeded.uids["kompas-festival"]}
    # a configured topic that no document matches yet exports nothing (an unknown one is an error: test_filters.py)
    with_teater = cfg.model_copy(update={"topics": [TopicConfig(id="teater", title="Teater", any=["teater"])]})
    nothing = tmp_path / "none.jsonl"
    info = export(with_teater, seeded.database, "jsonl", nothing, Selection(topics=("teater",)))
    assert info.documents == 0 and nothing.read_bytes() == b""


def _file_keys(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def test_the_one_record_model_names_exactly_the_exported_keys(seeded: SeededArchive, cfg, tmp_path):
    full, current_only = tmp_path / "full.jsonl", tmp_path / "current.jsonl"
    export(cfg, seeded.database, "jsonl", full)
    export(cfg, seeded.database, "jsonl", current_only, Selection(current_only=True))
    festival = read_lines(full)[seeded.uids["festival"]]
    current = read_lines(current_only)[seeded.uids["festival"]]
    assert set(festival) == _file_keys(DocumentRecord)
    assert set(current) == _file_keys(DocumentRecord) - {"revisions"} | {"current"}
    assert set(festival["revisions"][0]) == set(current["current"]) == _file_keys(RevisionRecord)
    # and reading a line back gives the record it was written from
    line = json.loads(full.read_text(encoding="utf-8").splitlines()[0])
    assert DocumentRecord.model_validate(line).model_dump(mode="json", by_alias=True) == line
