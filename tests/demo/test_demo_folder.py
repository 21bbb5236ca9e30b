"""`warta demo --dir` writes only into a folder of its own and never deletes a file it did not write."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from warta.cli.root import cli
from warta.demo.config import demo_config_text
from warta.demo.folder import MARKER_NAME, DemoFolderError, claim_demo_folder, demo_folder_refusal

USER_FILES = {"thesis.txt": "three years of work", "photos/kota-tua.jpg": "jpeg bytes"}


def put_user_files(folder: Path) -> None:
    """Write the user's files into `folder`."""
    for name, content in USER_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")


def assert_user_files_intact(folder: Path) -> None:
    """Fail unless every user file is still in `folder` with its content."""
    for name, content in USER_FILES.items():
        assert (folder / name).read_text(encoding="utf-8") == content, name


def run_demo(dir_argument: str) -> Result:
    """Run `warta demo --once --dir DIR` through the CLI."""
    return CliRunner().invoke(cli, ["demo", "--once", "--dir", dir_argument, "--port", "0"])


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "scratchdir"
    folder.mkdir()
    put_user_files(folder)
    result = run_demo(str(folder))
    assert result.exit_code == 2, result.output
    assert "the demo did not make" in result.output
    assert "pass a new folder, which it creates, e.g. --dir warta-demo" in result.output
    assert_user_files_intact(folder)
    assert sorted(path.name for path in folder.iterdir()) == ["photos", "thesis.txt"]  # no marker, no database


def test_demo_refuses_the_current_folder_even_when_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    empty = run_demo(".")
    put_user_files(tmp_path)
    full = run_demo(".")
    assert (empty.exit_code, full.exit_code) == (2, 2), (empty.output, full.output)
    assert "it is the current folder" in empty.output and "it is the current folder" in full.output
    assert_user_files_intact(tmp_path)
    assert not (tmp_path / MARKER_NAME).exists()


def test_demo_refuses_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    put_user_files(home)
    monkeypatch.setenv("HOME", str(home))
    by_path = run_demo(str(home))
    by_tilde = run_demo("~")  # as when the shell leaves a quoted ~ alone
    for result in (by_path, by_tilde):
        assert result.exit_code == 2, result.output
        assert "it is your home folder" in result.output
    assert_user_files_intact(home)


def test_demo_refuses_the_filesystem_root() -> None:
    # checked without running the command: were the check to break, a run would write into /
    assert demo_folder_refusal(Path("/")) == "it is the filesystem root"
    assert demo_folder_refusal(Path("/tmp/..")) == "it is the filesystem root"


def test_demo_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    result = run_demo(str(target))
    assert result.exit_code == 2, result.output
    assert target.read_text(encoding="utf-8") == "mine"


def test_demo_creates_its_folder_and_marks_it(tmp_path: Path) -> None:
    folder = claim_demo_folder(tmp_path / "new" / "warta-demo")
    assert folder == (tmp_path / "new" / "warta-demo").resolve()
    assert sorted(path.name for path in folder.iterdir()) == [MARKER_NAME]


def test_demo_uses_an_empty_folder_the_user_made(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    folder = claim_demo_folder(tmp_path / "empty")
    assert (folder / MARKER_NAME).is_file()


def test_demo_reusing_its_folder_removes_only_its_own_files(tmp_path: Path) -> None:
    folder = claim_demo_folder(tmp_path / "warta-demo")
    own = ["warta.db", "warta.db-wal", "warta.db-shm", "warta.toml"]
    for name in own:
        (folder / name).write_text("from the last demo", encoding="utf-8")
    put_user_files(folder)  # the user's export or notes, written into the demo's folder later
    claim_demo_folder(folder)
    assert_user_files_intact(folder)
    assert (folder / MARKER_NAME).is_file()
    assert not any((folder / name).exists() for name in own)


def test_demo_recognises_a_folder_an_older_demo_made_without_a_marker(tmp_path: Path) -> None:
    older = tmp_path / "demo"
    (older / "feeds").mkdir(parents=True)
    (older / "warta.toml").write_text(demo_config_text("http://127.0.0.1:1", older), encoding="utf-8")
    (older / "warta.db").write_text("old archive", encoding="utf-8")
    claim_demo_folder(older)
    assert sorted(path.name for path in older.iterdir()) == [MARKER_NAME, "feeds"]


def test_an_older_demo_folder_holding_a_user_file_is_refused(tmp_path: Path) -> None:
    older = tmp_path / "demo"
    older.mkdir()
    (older / "warta.toml").write_text(demo_config_text("http://127.0.0.1:1", older), encoding="utf-8")
    put_user_files(older)
    with pytest.raises(DemoFolderError, match="the demo did not make"):
        claim_demo_folder(older)
    assert (older / "warta.toml").is_file()
    assert_user_files_intact(older)


def test_demo_help_no_longer_says_the_folder_is_emptied() -> None:
    result = CliRunner().invoke(cli, ["demo", "--help"])
    assert result.exit_code == 0
    assert "emptied" not in result.output
    assert "never deletes files it did not write" in " ".join(result.output.split())
