"""`warta verify`: the fixity check of the stored archive, or of an export given with --export.

Registered in warta.cli; it prints what was checked and every mismatch, and
exits 1 when there is one.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from warta.archive.export_fixity import verify_export
from warta.archive.fixity import FixityReport, plural, verify_archive
from warta.cli.context import AppContext, pass_app


@click.command("verify")
@click.option(
    "--export",
    "export_path",
    type=click.Path(path_type=Path),
    help="Check this export (a .warc.gz, a .wacz or a bag folder) instead of the archive database.",
)
@pass_app
def verify_command(app: AppContext, export_path: Path | None) -> None:
    """Recompute stored digests and report every mismatch (exit 1 on one).

    Without --export: each stored body against its SHA-256 key and size, and each
    revision's text against its content hash. With --export: every WARC record's
    block and payload digests; a WACZ's files against datapackage.json; a bag
    through bagit's validation, then its WARC.

    Example: warta verify --export snapshots/weekly-bagit-20261126T020000Z
    """
    if export_path is not None:
        report = verify_export(export_path)  # a missing or unknown path exits 2 (FixityTargetError)
    else:
        database = app.database()
        try:
            report = verify_archive(database)
        finally:
            database.dispose()
    print_report(report)
    if not report.is_ok:
        raise click.ClickException(
            f"fixity check failed: {plural(report.problem_count, 'mismatch', 'mismatches')} in {report.target}; "
            "the records named above "
            "differ from their digests (restore them from an export that verifies)"
        )


def print_report(report: FixityReport) -> None:
    """Print the counts checked as a table, then each problem on a line of its own."""
    console = Console(width=160)
    table = Table(title=f"fixity of {escape(report.target)}")
    table.add_column("checked")
    table.add_column("count", justify="right")
    for kind, number in sorted(report.checked.items()):
        table.add_row(kind, str(number))
    console.print(table)
    if report.is_ok:
        console.print("[green]ok[/green]: every digest matches")
        return
    console.print(f"[red]{plural(report.problem_count, 'mismatch', 'mismatches')}[/red]:")
    # one line each, never wrapped, so a record's id and URL can be searched for in the output
    for problem in report.problems:
        console.print(f"  {escape(problem.record)}: {escape(problem.detail)}", soft_wrap=True)
    if report.problem_count > len(report.problems):
        console.print(f"  ... and {report.problem_count - len(report.problems)} more")
