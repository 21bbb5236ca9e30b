"""`warta clusters rebuild`: recluster the archive's near-duplicate stories after the method or [dedup] changed."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress

from warta.cli.context import AppContext, pass_app
from warta.storage.clusters import rebuild_clusters


@click.group("clusters")
def clusters_group() -> None:
    """Manage the clusters of near-duplicate stories ("also reported by")."""


@clusters_group.command("rebuild")
@pass_app
def rebuild_command(app: AppContext) -> None:
    """Recluster every archived story with the current method and [dedup] thresholds.

    Stories are taken in the order they were first seen, so a rebuild gives the same
    clusters every time; each story joins the cluster of the earliest-seen copy it
    matches. Feeds show the new clusters from their next build.

    Example: warta clusters rebuild
    """
    database = app.database()
    thresholds = app.config().dedup
    try:
        with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=Console(stderr=True)) as bar:
            task = bar.add_task("reclustering stories", total=None)
            report = rebuild_clusters(
                database, thresholds, lambda done, total: bar.update(task, completed=done, total=total)
            )
    finally:
        database.dispose()
    click.echo(
        f"{report.documents} stories reclustered: {report.clusters} clusters of near-duplicates "
        f"hold {report.clustered_documents} of them"
    )
