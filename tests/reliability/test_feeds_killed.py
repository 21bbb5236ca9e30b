"""A `warta feeds build` killed with SIGKILL at any moment leaves every published feed whole: old or new, never half.

The build runs as a real subprocess; it is killed when the feed folder shows it reached a
given point of its write phase (first temporary file, n files replaced), plus at seeded
random moments of its whole run, so the reading and rendering phases are hit too.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser

from tests.reliability.conftest import feed_page, file_bytes, seeded_feed_archive, write_feed_config

TOPICS = 12  # (1 + 2 sources + 16 topics) x 3 formats = 57 feed files: a write phase long enough to land in
KILL_POINTS = ["first-temporary-file", "20-replaced", "random"]


def _extra_topics() -> list[dict[str, object]]:
    return [{"id": f"topik-{n}", "title": f"Topik {n}", "any": ["Jakarta", f"nomor {n}"]} for n in range(TOPICS)]


def _inodes(feed_dir: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for folder, _, names in os.walk(feed_dir):
        for name in names:
            path = Path(folder, name)
            try:
                found[str(path.relative_to(feed_dir))] = path.stat().st_ino
            except FileNotFoundError:
                continue
    return found


def _reached(point: str, feed_dir: Path, before: dict[str, int]) -> bool:
    now = _inodes(feed_dir)
    if point == "first-temporary-file":
        return any(name.rsplit("/", 1)[-1].startswith(".") for name in now)
    replaced = sum(1 for name, inode in now.items() if name in before and before[name] != inode)
    return replaced >= int(point.split("-", 1)[0])


def _kill_build(config: Path, feed_dir: Path, point: str, rng: random.Random) -> bool:
    """Start a build, SIGKILL it at `point`; return True if it was still running when killed."""
    before = _inodes(feed_dir)
    command = [sys.executable, "-m", "warta", "--config", str(config), "--log-level", "warning", "feeds", "build"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started = time.monotonic()
    delay = rng.uniform(0.3, 2.0)
    try:
        while process.poll() is None:
            if (point == "random" and time.monotonic() - started >= delay) or (
                point != "random" and _reached(point, feed_dir, before)
            ):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.0005)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    process.stderr.close()
    return process.returncode == -signal.SIGKILL or (_fail_if_error(process.returncode, stderr))


def _fail_if_error(returncode: int, stderr: str) -> bool:
    assert returncode == 0, stderr
    return False


def _parses(name: str, data: bytes) -> bool:
    if name.endswith(".json"):
        return isinstance(json.loads(data), dict)
    if name.endswith((".atom", ".rss")):
        return not feedparser.parse(data).bozo
    return bool(data)


def _build(config: Path) -> None:
    command = [sys.executable, "-m", "warta", "--config", str(config), "feeds", "build"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _restore(feed_dir: Path, state: dict[str, bytes]) -> None:
    for name in list(_inodes(feed_dir)):
        if name not in state:
            (feed_dir / name).unlink()
    for name, data in state.items():
        (feed_dir / name).write_bytes(data)


def test_killed_feed_builds_leave_each_feed_old_or_new_and_whole(tmp_path: Path) -> None:
    feed_dir = tmp_path / "public"
    db_url = f"sqlite:///{tmp_path / 'warta.db'}"
    config = write_feed_config(tmp_path, db_url, feed_dir, extra_topics=_extra_topics())
    archive = seeded_feed_archive(db_url, config, stories=30)
    _build(config)
    old = file_bytes(feed_dir)
    # a new story in every feed (every topic matches 'Jakarta'): the next build rewrites every file
    text = "Jakarta menggelar acara budaya baru di Taman Ismail Marzuki pekan depan, kata panitia festival."
    archive.record(feed_page("acara-baru", hours=40, text=text, title="Acara baru"))
    # what a complete build writes now, built into a second folder from the same archive
    (tmp_path / "target").mkdir()
    _build(write_feed_config(tmp_path / "target", db_url, tmp_path / "target" / "public", _extra_topics()))
    new = file_bytes(tmp_path / "target" / "public")
    assert set(new) == set(old)
    assert sum(new[name] != old[name] for name in old) >= 3 * TOPICS  # the extra topics' feeds all change

    rng = random.Random(20261126)
    interrupted = 0
    for point in KILL_POINTS:
        _restore(feed_dir, old)
        interrupted += _kill_build(config, feed_dir, point, rng)
        middle = file_bytes(feed_dir)
        for name, data in middle.items():
            if name.rsplit("/", 1)[-1].startswith("."):
                continue  # a killed writer's temporary file: never served (the server refuses dot-files)
            assert data in (old[name], new[name]), f"{point}: {name} is neither the old nor the new feed"
            assert _parses(name, data), f"{point}: {name} does not parse"
        assert set(old) <= set(middle), f"{point}: a published feed disappeared"
    # negative control: the kill points did land inside builds, not after them
    assert interrupted >= len(KILL_POINTS) - 1, f"only {interrupted} builds were still running when killed"

    _build(config)  # the next build completes the work
    assert {name: data for name, data in file_bytes(feed_dir).items() if not name.startswith(".")} == new
    archive.db.dispose()
