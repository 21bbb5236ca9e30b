"""The archive commands: export, snapshots and import through the real CLI, with their exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.archive.conftest import ORGANIZATION, SeededArchive
from tests.conftest import write_config
from warta.cli.root import cli


@pytest.fixture
def run(seeded: SeededArchive, tmp_path):
    body = f'[storage]\nurl = "{seeded.database.url}"\n[archive]\norganization = "{ORGANIZATION}"\n'
    config = write_config(tmp_path, body)

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    return invoke


def test_export_command_writes_the_file_and_records_a_snapshot(run, tmp_path):
    output = tmp_path / "items.jsonl"
    result = run("export", "--format", "jsonl", "--output", str(output), "--source", "disbud")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("snapshot 1: 3 documents, 4 revisions")
    assert len(output.read_text(encoding="utf-8").splitlines()) == 3
    listed = run("snapshots", "--json")
    assert listed.exit_code == 0
    [snapshot] = json.loads(listed.stdout)
    assert (snapshot["format"], snapshot["documents"], snapshot["path"]) == ("jsonl", 3, str(output))
    assert snapshot["selection"]["sources"] == ["disbud"]
    table = run("snapshots")
    assert table.exit_code == 0 and "jsonl" in table.output and "snapshots" in table.output


def test_export_since_a_naive_time_reads_it_as_utc(run, tmp_path):
    output = tmp_path / "since.jsonl"
    result = run("export", "--format", "jsonl", "--output", str(output), "--since", "2026-11-23T09:30")
    assert result.exit_code == 0, result.output
    # only the festival edit (13:05) and the museum going gone (16:05) are at or after 09:30 UTC
    assert result.stdout.startswith("snapshot 1: 2 documents")


def test_export_to_a_missing_folder_fails_with_exit_1_and_says_so(run, tmp_path):
    result = run("export", "--format", "csv", "--output", str(tmp_path / "nope" / "a.csv"))
    assert result.exit_code == 1
    assert "does not exist; create it or choose another --output" in result.output
    assert "nothing was written" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since-snapshot", "42"], "there is no snapshot 42"),
        (["--since", "yesterday"], "is not an ISO 8601 time"),
        (["--format", "pdf"], "'pdf' is not one of"),
    ],
    ids=["unknown-snapshot", "bad-time", "bad-format"],
)
def test_bad_export_options_exit_2(run, tmp_path, args, message):
    base = ["export", "--output", str(tmp_path / "x")]
    if "--format" not in args:
        base += ["--format", "jsonl"]
    result = run(*base, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_import_command_reports_conflicts_with_exit_1(run, seeded: SeededArchive, tmp_path):
    output = tmp_path / "items.jsonl"
    assert run("export", "--format", "jsonl", "--output", str(output)).exit_code == 0
    same = run("import", str(output))
    assert same.exit_code == 0, same.output
    assert "0 new, 0 updated, 4 unchanged documents, 0 revisions added" in same.output
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    lines[0]["canonical_url"] = "https://disbud.jakarta.go.id/berita/pindah"
    output.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = run("import", str(output))
    assert result.exit_code == 1
    assert f"conflict: document {lines[0]['id']}: stored at" in result.output
    assert "1 conflicts" in result.output


def test_import_of_a_missing_path_is_a_clear_error(run, tmp_path):
    result = run("import", str(tmp_path / "nothing.jsonl"))
    assert result.exit_code == 1
    assert "does not exist; give the path of a JSONL export or a bag" in result.output


@pytest.mark.parametrize("fmt", ["bagit", "jsonl"])
def test_export_and_import_print_only_their_summary_line(run, tmp_path, fmt):
    output = tmp_path / f"out.{fmt}"
    exported = run("export", "--format", fmt, "--output", str(output))
    assert exported.exit_code == 0, exported.output
    assert exported.output.splitlines() == [exported.stdout.strip()]  # no INFO lines, bagit's included
    assert exported.stdout.startswith("snapshot 1:")
    imported = run("import", str(output))
    assert imported.exit_code == 0, imported.output
    assert len(imported.output.splitlines()) == 1 and imported.output.startswith(f"imported {output}")


def test_verbose_export_shows_the_info_logs(run, tmp_path):
    # the negative control of the test above: the same export with -v does log its steps, bagit's included
    result = run("-v", "export", "--format", "bagit", "--output", str(tmp_path / "bag"))
    assert result.exit_code == 0, result.output
    assert "INFO    warta.archive.exporter: exporting bagit" in result.stderr
    assert "INFO    bagit:" in result.stderr
