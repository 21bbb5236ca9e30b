"""Peak memory of `warta export` on a large archive against a small one (goal: at most 1.2 times).

Each export runs as its own process (`python -m warta ... export`), started by a
small wrapper process that reports the export's `ru_maxrss` (RUSAGE_CHILDREN):
the whole export process (interpreter, imports and the export), measured by
the kernel, with no instrumentation inside. The wrapper matters: Linux carries
a process's peak RSS across fork and exec, so an export started directly from
the benchmark process would report the benchmark's own (larger) size. The four
exports (two sizes, two formats) run at the same time, which changes their
duration, not their peaks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import tomli_w

from bench.archives import archive_config
from bench.harness import BenchResult
from warta.archive.output import companion_paths
from warta.storage.database import Database

GOAL = 1.2
FORMATS = ("jsonl", "warc")
# Runs the export as its child and prints its exit status and peak RSS (the wrapper itself stays small).
WRAPPER = (
    "import json, resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(json.dumps({'returncode': code, 'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
)
SUFFIXES = {"jsonl": ".jsonl", "warc": ".warc.gz", "csv": ".csv"}


def run(
    backend: str,
    small_db: Database,
    large_db: Database,
    small: int,
    large: int,
    folder: Path,
    formats: tuple[str, ...] = FORMATS,
) -> list[BenchResult]:
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
                    f"(files {large_bytes / 2**20:.0f} MB vs {small_bytes / 2**20:.1f} MB; ru_maxrss via a wrapper)"
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
        for path in (self.output, *companion_paths(fmt, self.output)):
            path.unlink(missing_ok=True)
        self.command = [
            sys.executable,
            "-m",
            "warta",
            "--config",
            str(config),
            "--log-level",
            "warning",
            "export",
            "--format",
            fmt,
            "--output",
            str(self.output),
        ]
        self.log = folder / f"export-{fmt}.log"
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WRAPPER, *self.command], stdout=subprocess.PIPE, stderr=stderr, text=True
            )

    def wait(self) -> tuple[int, int]:
        """Wait for the export; return its peak RSS and the export's size, in bytes."""
        stdout, _ = self.process.communicate()
        report = json.loads(stdout.strip().splitlines()[-1]) if stdout.strip() else {"returncode": -1}
        if self.process.returncode != 0 or report["returncode"] != 0:
            error = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"`{' '.join(self.command)}` failed with status {report['returncode']}: {error}")
        # Linux reports ru_maxrss in kilobytes
        return int(report["maxrss_kb"]) * 1024, self.output.stat().st_size


def _sources(database: Database, folder: Path) -> list[dict[str, object]]:
    cfg = archive_config(database.url, folder)
    return [{"id": source.id, "kind": source.kind, "urls": list(source.urls)} for source in cfg.sources]
