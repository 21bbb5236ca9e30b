"""The demo's data folder: one the demo made itself, recognised by a marker file, and never any other.

`warta demo --dir` once emptied whatever folder it was given. Now it creates its
folder (or uses an empty one) and writes a marker there; on the next run it
reuses only a folder holding that marker, and then removes only the files it
writes itself (database and config). The feed builder replaces the feed files.
It refuses the current folder, the home folder and the filesystem root even when
empty, because a demo there would mix its files with the user's.
"""

from __future__ import annotations

from pathlib import Path

from warta.config.errors import WartaError
from warta.demo.config import CONFIG_HEADER

MARKER_NAME = ".warta-demo"
MARKER_TEXT = (
    "This folder was made by `warta demo`. The demo reuses it and replaces only its own files\n"
    "(warta.db, warta.toml and the feeds it builds); delete the folder when you are done with the demo.\n"
)
# what a demo run writes directly into its folder (SQLite adds -wal and -shm files in WAL mode)
OWN_FILES = ("warta.db", "warta.db-wal", "warta.db-shm", "warta.db-journal", "warta.toml")
SUGGESTED_DIR = "warta-demo"


class DemoFolderError(WartaError):
    """Raised when the folder given to `warta demo --dir` is not one the demo may write into; the message says why."""

    is_usage_problem = True


def claim_demo_folder(folder: Path) -> Path:
    """Return the demo folder, resolved, created or cleared of a previous demo's own files; raise DemoFolderError."""
    resolved = folder.expanduser().resolve()
    refusal = demo_folder_refusal(resolved)
    if refusal:
        raise DemoFolderError(
            f"refusing --dir {folder}: {refusal}. The demo writes only into a folder of its own; "
            f"pass a new folder, which it creates, e.g. --dir {SUGGESTED_DIR}"
        )
    marker = resolved / MARKER_NAME
    if marker.is_file() or _is_unmarked_demo_folder(resolved):
        for name in OWN_FILES:
            (resolved / name).unlink(missing_ok=True)  # a fresh archive, so the counts are those of the two days
    resolved.mkdir(parents=True, exist_ok=True)
    if not marker.is_file():
        marker.write_text(MARKER_TEXT, encoding="utf-8")
    return resolved


def demo_folder_refusal(folder: Path) -> str | None:
    """Return why the demo may not use `folder`, or None when it may."""
    folder = folder.expanduser().resolve()
    if folder.parent == folder:
        return "it is the filesystem root"
    if folder == Path.home().resolve():
        return "it is your home folder"
    if folder == Path.cwd().resolve():
        return "it is the current folder"
    if folder.exists() and not folder.is_dir():
        return "it is a file, not a folder"
    if folder.is_dir() and not (folder / MARKER_NAME).is_file() and not _is_unmarked_demo_folder(folder):
        entries = sorted(path.name for path in folder.iterdir())
        if entries:
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            count = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
            return f"it holds {count} the demo did not make ({shown}) and no {MARKER_NAME} marker of an earlier demo"
    return None


def _is_unmarked_demo_folder(folder: Path) -> bool:
    """Return True for a folder made by a demo older than the marker: only the demo's files, its config in it.

    The config's first line is the same in every version, so such a folder is recognised by its content.
    """
    if not folder.is_dir():
        return False
    names = {path.name for path in folder.iterdir()}
    config = folder / "warta.toml"
    if not config.is_file() or not names <= {*OWN_FILES, "feeds"}:
        return False
    with config.open(encoding="utf-8", errors="replace") as text:
        return text.readline().startswith(CONFIG_HEADER)
