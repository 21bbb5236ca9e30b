"""The root `warta` command: log levels chosen by -v/-q/--log-level or per command, and misspelt commands."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from warta.cli.logs import choose_log_level
from warta.cli.root import cli


@pytest.mark.parametrize(
    ("log_level", "verbose", "quiet", "command", "expected"),
    [
        (None, False, False, "export", "warning"),
        (None, False, False, "daemon", "info"),
        (None, True, False, "export", "info"),
        (None, False, True, "daemon", "error"),
        ("debug", False, False, "export", "debug"),
        ("WARNING", False, False, "daemon", "warning"),
    ],
    ids=["command-default", "daemon-default", "verbose", "quiet", "explicit", "explicit-beats-daemon"],
)
def test_log_level_comes_from_the_options_then_the_command(
    log_level: str | None, verbose: bool, quiet: bool, command: str, expected: str
) -> None:
    assert choose_log_level(log_level, verbose, quiet, command) == expected


@pytest.mark.parametrize("args", [["-v", "-q"], ["-q", "--log-level", "info"]], ids=["v-and-q", "q-and-level"])
def test_contradicting_log_options_are_a_usage_error(args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "config", "reference"])
    assert result.exit_code == 2
    assert "contradict each other" in result.output


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("stauts", "status"), ("exprot", "export"), ("confg", "config"), ("preveiw", "preview")],
)
def test_a_misspelt_command_suggests_the_nearest_one(typed: str, suggested: str) -> None:
    result = CliRunner().invoke(cli, [typed])
    assert result.exit_code == 2
    assert f"No such command {typed!r}. Did you mean {suggested!r}?" in result.output


def test_a_command_unlike_any_gets_no_suggestion() -> None:
    result = CliRunner().invoke(cli, ["xyzzy"])
    assert result.exit_code == 2
    assert "No such command 'xyzzy'." in result.output and "Did you mean" not in result.output
