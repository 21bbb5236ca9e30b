"""The `warta` command line: one module per command group, the lazy root group and the shared context."""

from warta.cli.root import cli, main

__all__ = ["cli", "main"]
