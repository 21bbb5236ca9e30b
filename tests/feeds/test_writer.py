"""Feed files are replaced atomically and left alone when their bytes did not change."""

from __future__ import annotations

import os

import pytest

from warta.feeds.writer import write_if_changed


def test_identical_bytes_are_not_rewritten_and_keep_their_mtime(tmp_path) -> None:
    path = tmp_path / "feeds" / "all.atom"
    assert write_if_changed(path, b"<feed/>")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert not write_if_changed(path, b"<feed/>")
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert write_if_changed(path, b"<feed>new</feed>")
    assert path.stat().st_mtime_ns != 1_000_000_000
    assert path.read_bytes() == b"<feed>new</feed>"


def test_replacement_is_a_rename_so_open_readers_keep_the_old_file(tmp_path) -> None:
    path = tmp_path / "all.rss"
    write_if_changed(path, b"old")
    with path.open("rb") as reader:
        write_if_changed(path, b"new")
        assert reader.read() == b"old"
    assert path.read_bytes() == b"new"
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "all.json"
    write_if_changed(path, b"{}")

    def refuse(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_if_changed(path, b'{"new": 1}')
    assert path.read_bytes() == b"{}"
    assert [p.name for p in tmp_path.iterdir()] == ["all.json"]
