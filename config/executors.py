"""Checks of the [daemon] executor against the rest of the config (the scrapyd executor's requirements)."""

from __future__ import annotations

from warta.config.schema import WartaConfig
from warta.config.secrets import reveal


def executor_problems(cfg: WartaConfig) -> list[str]:
    """Return what keeps the configured executor from working: each with its key path and the fix."""
    daemon = cfg.daemon
    if daemon.executor != "scrapyd":
        return []
    problems: list[str] = []
    if not reveal(cfg.storage.url).startswith("postgresql"):
        problems.append(
            'daemon.executor = "scrapyd" needs a shared PostgreSQL database, but storage.url is SQLite; '
            "set storage.url (or $WARTA_STORAGE_URL) to 'postgresql+psycopg://user@host/dbname', "
            'reachable from every Scrapyd node, or use executor = "local"'
        )
    if not daemon.scrapyd_nodes:
        problems.append(
            'daemon.scrapyd_nodes is empty, but daemon.executor = "scrapyd" needs at least one node; '
            'list them, e.g. scrapyd_nodes = ["http://crawler-1:6800"]'
        )
    if daemon.scrapyd_password is not None and daemon.scrapyd_username is None:
        problems.append(
            "daemon.scrapyd_password is set without daemon.scrapyd_username; set both, or put the "
            "credentials into the node URLs ('http://user:password@host:6800')"
        )
    return problems
