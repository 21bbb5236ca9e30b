"""What /proc says of a process, for tests that check which processes a crawl or a daemon leaves running (Linux)."""

from __future__ import annotations

from pathlib import Path


def _stat_fields(pid: int) -> list[str] | None:
    """Return the fields of /proc/PID/stat after the command name (state first), or None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    """Return whether process `pid` runs (a zombie has ended)."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def parent_of(pid: int) -> int | None:
    """Return the parent of process `pid`, or None once it is gone."""
    fields = _stat_fields(pid)
    return int(fields[1]) if fields is not None else None


def start_time(pid: int) -> str | None:
    """Return when process `pid` started (clock ticks after boot) while it runs, else None.

    A pid and its start time name one process, even after the pid is reused.
    """
    fields = _stat_fields(pid)
    return fields[19] if fields is not None and fields[0] not in ("Z", "X") else None


def child_pids(pid: int) -> list[int]:
    """Return the pids of the processes whose parent is `pid`."""
    return [child for child in _all_pids() if parent_of(child) == pid]


def descendants(pid: int) -> list[int]:
    """Return the pids of every descendant of `pid` still in the process table."""
    children: dict[int, list[int]] = {}
    for child in _all_pids():
        parent = parent_of(child)
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def cmdline(pid: int) -> str:
    """Return the command line of process `pid`, its arguments joined by spaces (empty once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
