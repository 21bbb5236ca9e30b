"""When the environment fails (full disk, read-only folder, database gone) commands exit 1 saying what to do,
and nothing already stored or published is damaged.

A full disk is a real one: a 1 MB tmpfs mounted for the test (needs root; skipped elsewhere).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import feedparser
from click.testing import CliRunner

from tests.reliability.conftest import (
    feed_page,
    file_bytes,
    fill_disk,
    remount,
    seeded_feed_archive,
    small_tmpfs,
    write_feed_config,
)
from warta.cli.root import cli

# Unlike every seeded story, so it is not folded into an existing cluster and does change the feeds.
NEW_STORY = (
    "Orkes keroncong Tugu tampil di Gedung Kesenian Jakarta membawakan lagu-lagu lama Portugis "
    "yang diwariskan turun-temurun oleh warga Kampung Tugu di Jakarta Utara."
)


def warta(config: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), *args], env={"WARTA_STORAGE_URL": ""})


def _assert_feeds_whole(feed_dir: Path, before: dict[str, bytes]) -> None:
    after = file_bytes(feed_dir)
    assert {name: data for name, data in after.items() if name != "filler.bin"} == before
    assert not [name for name in after if name.rsplit("/", 1)[-1].startswith(".")], "a temporary file was left"
    assert not feedparser.parse((feed_dir / "all.atom").read_bytes()).bozo


def test_feeds_build_on_a_full_disk_fails_clearly_and_keeps_the_published_feeds(db_url: str, tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk") as disk:
        feed_dir = disk / "public"
        config = write_feed_config(tmp_path, db_url, feed_dir)
        archive = seeded_feed_archive(db_url, config)
        assert warta(config, "feeds", "build").exit_code == 0
        before = file_bytes(feed_dir)
        archive.record(feed_page("berita-baru", hours=9, title="Berita baru sesudah disk penuh", text=NEW_STORY))
        filler = fill_disk(disk)

        result = warta(config, "feeds", "build")
        assert result.exit_code == 1, result.output
        assert "No space left on device" in result.output and "check [feeds] dir" in result.output
        _assert_feeds_whole(feed_dir, before)

        filler.unlink()
        assert warta(config, "feeds", "build").exit_code == 0  # recovers once there is room again
        assert b"Berita baru sesudah disk penuh" in (feed_dir / "all.atom").read_bytes()
        archive.db.dispose()


def test_feeds_build_into_a_read_only_folder_fails_clearly_and_keeps_the_feeds(db_url: str, tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk") as disk:
        feed_dir = disk / "public"
        config = write_feed_config(tmp_path, db_url, feed_dir)
        archive = seeded_feed_archive(db_url, config)
        assert warta(config, "feeds", "build").exit_code == 0
        before = file_bytes(feed_dir)
        archive.record(feed_page("berita-baru", hours=9, title="Berita baru", text=NEW_STORY))
        remount(disk, "ro")
        try:
            result = warta(config, "feeds", "build")
        finally:
            remount(disk, "rw")
        assert result.exit_code == 1, result.output
        assert "Read-only file system" in result.output and "check [feeds] dir and its permissions" in result.output
        _assert_feeds_whole(feed_dir, before)
        archive.db.dispose()


def test_export_onto_a_full_disk_leaves_no_file_and_says_so(db_url: str, tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk") as disk:
        config = write_feed_config(tmp_path, db_url, tmp_path / "public")
        archive = seeded_feed_archive(db_url, config, stories=40)
        fill_disk(disk)
        result = warta(config, "export", "--format", "jsonl", "--output", str(disk / "archive.jsonl"))
        assert result.exit_code == 1, result.output
        assert "No space left on device" in result.output and "nothing was written" in result.output
        assert sorted(path.name for path in disk.iterdir()) == ["filler.bin"]
        listed = warta(config, "snapshots", "--json")
        assert listed.exit_code == 0 and listed.output.strip() == "[]"  # no snapshot recorded for a failed export
        archive.db.dispose()


def test_sqlite_database_on_a_full_disk_refuses_writes_and_keeps_its_content(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", size="2m") as disk:
        db_url = f"sqlite:///{disk / 'warta.db'}"
        config = write_feed_config(tmp_path, db_url, tmp_path / "public")
        archive = seeded_feed_archive(db_url, config, stories=6)
        export_file = tmp_path / "more.jsonl"
        (tmp_path / "other").mkdir()
        other_url = f"sqlite:///{tmp_path / 'other' / 'other.db'}"
        other_config = write_feed_config(tmp_path / "other", other_url, tmp_path / "other" / "public")
        other = seeded_feed_archive(other_url, other_config, stories=0)
        # ~100 KB of stored HTML a story (fingerprinting a text that long would be slow): 12 outgrow the disk
        big = "<p>Pameran besar di Kota Tua.</p>" * 3000
        for number in range(12):
            text = f"{NEW_STORY} Cerita nomor {number}."
            other.record(feed_page(f"lain-{number}", hours=number, text=text, html=big, title=f"Lain {number}"))
        assert warta(other_config, "export", "--format", "jsonl", "--output", str(export_file)).exit_code == 0
        archive.db.dispose()
        before = _table_counts(disk / "warta.db")
        fill_disk(disk)

        result = warta(config, "import", str(export_file))
        assert result.exit_code == 1, result.output
        assert "database or disk is full" in result.output and "can be run again" in result.output
        assert "Traceback" not in result.output
        assert _table_counts(disk / "warta.db") == before
        with sqlite3.connect(disk / "warta.db") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        other.db.dispose()


def _table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def test_unreachable_database_fails_clearly_and_touches_no_feed_or_export(tmp_path: Path) -> None:
    feed_dir = tmp_path / "public"
    feed_dir.mkdir()
    (feed_dir / "all.atom").write_bytes(b"<feed>published before</feed>")
    config = write_feed_config(tmp_path, "postgresql+psycopg://warta@127.0.0.1:1/warta", feed_dir)
    export = ["export", "--format", "csv", "--output", str(tmp_path / "a.csv")]
    for args in (["feeds", "build"], export, ["db", "upgrade"]):
        result = warta(config, *args)
        assert result.exit_code == 1, result.output
        assert "cannot" in result.output and "127.0.0.1:1" in result.output
        assert "check [storage] url and that the database server is running" in result.output or args[0] == "db"
    assert file_bytes(feed_dir) == {"all.atom": b"<feed>published before</feed>"}
    assert not (tmp_path / "a.csv").exists()
