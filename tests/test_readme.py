"""Every `warta` command line shown in the README names a real command with real options."""

from __future__ import annotations

import re
import shlex

import click
import pytest

from tests.conftest import ROOT
from warta.cli.root import cli

FENCE = re.compile(r"```(?:console|sh|shell)\n(.*?)```", re.DOTALL)
ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")


def readme_invocations() -> list[list[str]]:
    """Return the arguments of every `warta ...` command in the README's shell blocks."""
    invocations = []
    for block in FENCE.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = line.removeprefix("$ ").strip()
            words = shlex.split(line, comments=True) if line else []
            while words and ENV_ASSIGNMENT.match(words[0]):
                words = words[1:]
            if words and (words[0] == "warta" or words[0].endswith("/warta")):
                invocations.append(words[1:])
    return invocations


def resolve(command: click.Command, name: str, args: list[str], parent: click.Context | None = None) -> click.Context:
    """Parse `args` as click would for `command`, down to the leaf command, without running it."""
    context = command.make_context(name, list(args), parent=parent)
    if not isinstance(command, click.Group):
        return context
    rest = [*context._protected_args, *context.args]
    if not rest:
        return context
    sub_name, sub_command, sub_args = command.resolve_command(context, rest)
    assert sub_command is not None and sub_name is not None
    return resolve(sub_command, sub_name, sub_args, context)


def test_readme_shows_many_commands() -> None:
    assert len(readme_invocations()) >= 20


@pytest.mark.parametrize("args", readme_invocations(), ids=lambda args: " ".join(args)[:60])
def test_readme_command_parses(args: list[str]) -> None:
    try:
        resolve(cli, "warta", args)
    except click.BadParameter as error:
        # paths the README's reader would have (an export to import) need not exist here
        assert "does not exist" in error.format_message(), error.format_message()
    except click.exceptions.Exit:
        pass  # --help and --version


def test_a_wrong_option_is_caught() -> None:
    with pytest.raises(click.NoSuchOption):
        resolve(cli, "warta", ["export", "--formt", "jsonl"])
