"""No silent export mistakes: unknown filters exit 2 naming the valid ids; existing targets need --force."""

from __future__ import annotations

import json
import os

import bagit
import pytest
from click.testing import CliRunner

from tests.archive.conftest import ORGANIZATION, T0, SeededArchive
from tests.conftest import write_config
from warta.archive import ExportError, export
from warta.archive.bagit_export import validate_bag
from warta.archive.output import swap_paths
from warta.cli.root import cli
from warta.storage.snapshots import list_snapshots, start_snapshot

CONFIG = """
[storage]
url = "{url}"
[archive]
organization = "{organization}"
[[sources]]
id = "jakartaid"
kind = "feed"
urls = ["https://jakarta.go.id/feed"]
[[topics]]
id = "teater"
title = "Teater"
any = ["teater"]
"""


@pytest.fixture
def run(seeded: SeededArchive, tmp_path):
    config = write_config(tmp_path, CONFIG.format(url=seeded.database.url, organization=ORGANIZATION))

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    return invoke


def snapshot_count(seeded: SeededArchive) -> int:
    with seeded.database.reading() as session:
        return len(list_snapshots(session))


@pytest.mark.parametrize(
    ("option", "valid"),
    [("--source", "the source ids are: disbud, jakartaid, kompas"), ("--topic", "the topic ids are: betawi, teater")],
    ids=["source", "topic"],
)
def test_unknown_filter_exits_2_naming_the_valid_ids_and_writes_nothing(run, seeded, tmp_path, option, valid):
    output = tmp_path / "out.jsonl"
    result = run("export", "--format", "jsonl", "--output", str(output), option, "nosuch")
    assert result.exit_code == 2, result.output
    assert f"unknown {option[2:]} 'nosuch'; {valid}" in result.output
    assert list(tmp_path.glob("out.jsonl*")) == []
    assert snapshot_count(seeded) == 0


@pytest.mark.parametrize(
    ("option", "value"), [("--source", "jakartaid"), ("--topic", "teater")], ids=["source", "topic"]
)
def test_configured_filter_without_documents_exports_an_empty_file(run, seeded, tmp_path, option, value):
    # the negative control: an id from the config is valid even before anything is stored under it
    output = tmp_path / "out.jsonl"
    result = run("export", "--format", "jsonl", "--output", str(output), option, value)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("snapshot 1: 0 documents")
    assert output.read_bytes() == b""


@pytest.mark.parametrize("fmt", ["jsonl", "warc"])
def test_export_to_an_existing_file_is_refused_without_force(run, seeded, tmp_path, fmt):
    output = tmp_path / f"mine.{fmt}"
    output.write_text("my notes", encoding="utf-8")
    result = run("export", "--format", fmt, "--output", str(output))
    assert result.exit_code == 1, result.output
    assert f"{output} already exists; add --force to replace it" in result.output
    assert output.read_text(encoding="utf-8") == "my notes"
    assert sorted(path.name for path in tmp_path.glob("mine*")) == [output.name]
    assert snapshot_count(seeded) == 0


def test_export_with_force_replaces_an_existing_file(run, tmp_path):
    output = tmp_path / "items.jsonl"
    output.write_text("old export", encoding="utf-8")
    result = run("export", "--format", "jsonl", "--output", str(output), "--force")
    assert result.exit_code == 0, result.output
    assert len(output.read_text(encoding="utf-8").splitlines()) == 4
    assert [path.name for path in tmp_path.glob("items.jsonl*")] == ["items.jsonl"]


def test_warc_export_is_refused_when_only_its_index_exists(seeded: SeededArchive, cfg, tmp_path):
    index = tmp_path / "archive.cdxj"
    index.write_text("my index", encoding="utf-8")
    with pytest.raises(ExportError, match=r"archive\.cdxj already exists; add --force"):
        export(cfg, seeded.database, "warc", tmp_path / "archive.warc.gz")
    assert index.read_text(encoding="utf-8") == "my index"
    assert not (tmp_path / "archive.warc.gz").exists()


def test_bag_with_force_is_replaced_by_a_valid_new_bag(seeded: SeededArchive, cfg, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    output = folder / "bag"
    first = export(cfg, seeded.database, "bagit", output)
    old_inode = output.stat().st_ino
    second = export(cfg, seeded.database, "bagit", output, force=True)
    bag = validate_bag(output)
    assert bag.info["External-Identifier"] == f"warta-snapshot-{second.id}" != f"warta-snapshot-{first.id}"
    assert output.stat().st_ino != old_inode
    assert [path.name for path in folder.iterdir()] == ["bag"]  # the old bag went, no partial is left


def test_forced_bag_export_refuses_a_folder_that_is_not_a_warta_bag(seeded: SeededArchive, cfg, tmp_path):
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "keep.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(ExportError, match="not a bag that warta made; even with --force"):
        export(cfg, seeded.database, "bagit", mine, force=True)
    assert [path.name for path in mine.iterdir()] == ["keep.jpg"]
    # a bag made by another tool is not warta's either
    bagit.make_bag(str(mine), {"Source-Organization": "someone else"})
    with pytest.raises(ExportError, match="not a bag that warta made"):
        export(cfg, seeded.database, "bagit", mine, force=True)
    assert (mine / "data" / "keep.jpg").read_bytes() == b"\xff\xd8"


def test_forced_file_export_refuses_an_existing_folder(seeded: SeededArchive, cfg, tmp_path):
    folder = tmp_path / "items.jsonl"
    folder.mkdir()
    with pytest.raises(ExportError, match="is an existing folder and a jsonl export is a file"):
        export(cfg, seeded.database, "jsonl", folder, force=True)
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_swap_exchanges_two_folders_in_one_step(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a").write_text("1", encoding="utf-8")
    (second / "b").write_text("2", encoding="utf-8")
    if not swap_paths(first, second):
        pytest.skip("this kernel or file system offers no renameat2 RENAME_EXCHANGE")
    assert [path.name for path in first.iterdir()] == ["b"]
    assert [path.name for path in second.iterdir()] == ["a"]


def test_snapshots_json_lists_the_forced_replacement_as_a_new_snapshot(run, tmp_path):
    output = tmp_path / "bag"
    assert run("export", "--format", "bagit", "--output", str(output)).exit_code == 0
    refused = run("export", "--format", "bagit", "--output", str(output))
    assert refused.exit_code == 1 and "add --force" in refused.output
    forced = run("export", "--format", "bagit", "--output", str(output), "--force")
    assert forced.exit_code == 0, forced.output
    rows = json.loads(run("snapshots", "--json").stdout)
    assert [row["id"] for row in rows] == [2, 1]
    assert os.path.isdir(output)


def test_snapshots_table_marks_an_export_that_never_finished(run, seeded, tmp_path):
    with seeded.database.transaction() as session:
        start_snapshot(session, T0, "warc", str(tmp_path / "killed.warc.gz"))
    table = run("snapshots")
    assert table.exit_code == 0, table.output
    assert "warc (unfinished)" in table.output
    assert run("export", "--format", "jsonl", "--output", str(tmp_path / "a.jsonl")).exit_code == 0
    assert table.output.count("(unfinished)") == 1 == run("snapshots").output.count("(unfinished)")
