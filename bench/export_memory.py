"""Peak memory of `warta export` on a large archive against a small one (goal: at most 1.2 times).

Each export runs as its own child process (`python -m warta ... export`), and
its peak resident set size is the `ru_maxrss` that os.wait4 reports for that
one child: the whole process (interpreter, imports and the export), measured by
the kernel, with no instrumentation inside. The four exports (two sizes, two
formats) run at the same time, which changes their duration, not their peaks. The archives hold one revision and
one capture per document, so JSONL reads documents with their revisions and
WARC reads captures with their bodies.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import tomli_w

from bench.archives import archive_config
from bench.harness import BenchResult
from storage.database import Database

GOAL = 1.2
FORMATS = ("jsonl", "warc")
SUFFIXES = {"jsonl": ".jsonl", "warc": ".warc.gz", "csv": ".csv"}


def run(backend: str, small_db: Database, large_db: Database, small: int, large: int, folder: Path,
        formats: tuple[str, ...] = FORMATS) -> list[BenchResult]:
    """Return, per format, the ratio of the export's peak RSS at `large` documents to that at `small`."""
    # Every export runs at once: peak memory does not depend on the CPU each child gets, and
    # running them one after the other would make this the slowest benchmark by minutes.
    children = {
        (fmt, size): ExportChild(database, fmt, folder / f"{size}-{backend}")
        for fmt in formats
        for size, database in (("small", small_db), ("large", large_db))
    }
    measured = {key: child.wait() for key, child in children.items()}
    results = []
    for fmt in formats:
        (small_peak, small_bytes), (large_peak, large_bytes) = measured[fmt, "small"], measured[fmt, "large"]
        results.append(
            BenchResult(
                name=f"export {fmt} peak memory, {large:,} vs {small:,} documents ({backend})",
                ratio=large_peak / small_peak,
                goal=GOAL,
                higher_is_better=False,
                detail=(
                    f"peak RSS {large_peak / 2**20:.0f} MB vs {small_peak / 2**20:.0f} MB "
                    f"(files {large_bytes / 2**20:.0f} MB vs {small_bytes / 2**20:.1f} MB; os.wait4 ru_maxrss)"
                ),
            )
        )
    return results


def peak_export_rss(database: Database, fmt: str, folder: Path) -> tuple[int, int]:
    """Export the archive in a fresh child process; return its peak RSS and the export's size, in bytes."""
    return ExportChild(database, fmt, folder).wait()


class ExportChild:
    """One `warta export` running in its own process."""

    def __init__(self, database: Database, fmt: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "warta.toml"
        config.write_text(tomli_w.dumps({"storage": {"url": database.url}, "sources": _sources(database, folder)}))
        self.output = folder / f"export-{fmt}{SUFFIXES[fmt]}"
        self.output.unlink(missing_ok=True)
        self.command = [sys.executable, "-m", "warta", "--config", str(config), "--log-level", "warning",
                        "export", "--format", fmt, "--output", str(self.output)]
        self.log = folder / f"export-{fmt}.log"
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=stderr)

    def wait(self) -> tuple[int, int]:
        """Wait for the export; return its peak RSS and the export's size, in bytes."""
        _, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        if self.process.returncode != 0:
            error = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"`{' '.join(self.command)}` failed with status {self.process.returncode}: {error}")
        # Linux reports ru_maxrss in kilobytes
        return usage.ru_maxrss * 1024, self.output.stat().st_size


def _sources(database: Database, folder: Path) -> list[dict[str, object]]:
    cfg = archive_config(database.url, folder)
    return [{"id": source.id, "kind": source.kind, "urls": list(source.urls)} for source in cfg.sources]
