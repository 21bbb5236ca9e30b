"""The `warta deploy` command: a thin shell over warta.daemon.executors.scrapyd.deploy."""

from __future__ import annotations

import click

from warta.cli.context import AppContext, pass_app
from warta.config.secrets import reveal
from warta.daemon.executors.scrapyd.api import ScrapydNode
from warta.daemon.executors.scrapyd.deploy import deploy


@click.command("deploy")
@click.option(
    "--target",
    "targets",
    multiple=True,
    help="Scrapyd node URL (repeatable; default: every [daemon] scrapyd_nodes entry).",
)
@click.option("--project", default=None, help="Scrapyd project name (default: [daemon] scrapyd_project).")
@click.option("--version", "version", default=None, help="Version name (default: the current Unix time).")
@pass_app
def deploy_command(app: AppContext, targets: tuple[str, ...], project: str | None, version: str | None) -> None:
    """Build warta's crawl project as an egg and upload it to Scrapyd nodes (addversion.json).

    Nodes need warta's dependencies installed (pip install "warta[scaleout]"); the
    egg carries warta's own code, so deploy again after every upgrade.

    Example: warta deploy --target http://crawler-1:6800 --target http://crawler-2:6800
    """
    # With --target the config is optional: a node URL may carry its own credentials.
    daemon = None if targets else app.config().daemon
    urls = list(targets) or ([reveal(url) for url in daemon.scrapyd_nodes] if daemon else [])
    if not urls:
        raise click.UsageError("no Scrapyd node to deploy to; pass --target URL or set [daemon] scrapyd_nodes")
    project = project or (daemon.scrapyd_project if daemon else "warta")
    username = daemon.scrapyd_username if daemon else None
    password = reveal(daemon.scrapyd_password) if daemon else None
    nodes = [ScrapydNode(url, username, password) for url in urls]
    outcomes = deploy(nodes, project, version)
    for outcome in outcomes:
        if outcome.error:
            click.echo(f"{outcome.node}: FAILED: {outcome.error}", err=True)
        else:
            click.echo(f"{outcome.node}: {project} version {outcome.version} ({outcome.spiders} spiders)")
    failed = [outcome for outcome in outcomes if outcome.error]
    if failed:
        raise click.ClickException(f"deploy failed on {len(failed)} of {len(outcomes)} nodes")
