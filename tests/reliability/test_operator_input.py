"""Bad input from the operator: every broken config and every misused command exits 2 and says what to fix.

tests/config/test_config_check.py holds the first thirty broken configs and checks their key
paths; the cases here add the rest of the issue's list, and every case of both tables is
checked for a fix, not only a key path.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.config.test_config_check import BROKEN as CHECKED_BROKEN
from tests.config.test_config_check import SOURCE
from tests.conftest import write_config
from warta.cli.root import cli, walk_commands

PASSWORD = "Tr0ub4dor-op3rator"

MORE_BROKEN = [
    (
        "duplicate-snapshot",
        '[[snapshots]]\nid = "s"\nformat = "jsonl"\n[[snapshots]]\nid = "s"\nformat = "csv"',
        "snapshots[1] (s).id: duplicate id 's'",
    ),
    (
        "bad-snapshot-schedule",
        '[[snapshots]]\nid = "s"\nformat = "jsonl"\nschedule = "daily"',
        "snapshots[0] (s).schedule",
    ),
    ("cron-six-fields", SOURCE + "schedule = '0 0 */6 * * *'", "sources[0] (disbud).schedule"),
    ("lookbehind-regex", SOURCE + "follow = ['(?<=a+)b']", "sources[0] (disbud).follow[0]"),
    ("unbalanced-bracket-deny", SOURCE + "deny = ['/tag/[a-z']", "sources[0] (disbud).deny[0]"),
    ("follow-not-a-list", SOURCE + "follow = '/berita/'", "sources[0] (disbud).follow"),
    (
        "unknown-source-key",
        SOURCE + "folow = ['/berita/']",
        "sources[0] (disbud).folow: unknown key (did you mean 'follow'?)",
    ),
    ("unknown-topic-key", '[[topics]]\nid = "t"\ntitle = "T"\nanny = ["x"]', "topics[0] (t).anny: unknown key"),
    (
        "topic-empty-lists",
        '[[topics]]\nid = "t"\ntitle = "T"\nany = []\nall = []',
        "topics[0] (t): the topic has no terms",
    ),
    ("topic-empty-title", '[[topics]]\nid = "t"\ntitle = ""\nany = ["x"]', "topics[0] (t).title"),
    ("source-not-a-table", 'sources = ["disbud"]', "sources[0]"),
    ("url-without-host", '[[sources]]\nid = "x"\nkind = "page"\nurls = ["https://"]', "sources[0] (x).urls[0]"),
    ("url-relative", '[[sources]]\nid = "x"\nkind = "page"\nurls = ["/berita"]', "sources[0] (x).urls[0]"),
    (
        "url-javascript",
        '[[sources]]\nid = "x"\nkind = "page"\nurls = ["javascript:alert(1)"]',
        "sources[0] (x).urls[0]",
    ),
    ("webhook-not-http", "[daemon]\nwebhook_url = 'mailto:ops@example.org'", "daemon.webhook_url"),
    ("db-scheme-asyncpg", "[storage]\nurl = 'postgresql+asyncpg://u@h/db'", "storage.url: unsupported database URL"),
    ("db-scheme-missing", "[storage]\nurl = 'warta.db'", "storage.url: unsupported database URL"),
    ("db-url-empty", "[storage]\nurl = ''", "storage.url"),
    ("negative-delay", "[crawler]\ndownload_delay = '-5s'", "crawler.download_delay"),
    ("max-entries-too-big", "[feeds]\nmax_entries = 1000000", "feeds.max_entries"),
    ("per-host-not-int", "[crawler]\nper_host_concurrency = 2.5", "crawler.per_host_concurrency"),
    ("bad-port", "[daemon]\nlisten = '127.0.0.1:99999'", "daemon.listen"),
    ("section-not-a-table", "crawler = 4", "crawler"),
]
ALL_BROKEN = [(name, body, expected) for name, body, expected in CHECKED_BROKEN] + MORE_BROKEN

# Words with which our messages (and pydantic's) tell the operator what to write instead.
FIX_WORDS = (
    "use ",
    "write ",
    "add ",
    "remove ",
    "give ",
    "should be",
    "should have",
    "set ",
    "fix ",
    "escape ",
    "point ",
    "choose ",
    "copy ",
    "known sources",
    "did you mean",
)


def check(config_path: Path, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["--config", str(config_path), "config", "check"], env=env or {})


def test_the_issue_asks_for_at_least_25_broken_configs() -> None:
    assert len(ALL_BROKEN) >= 25
    assert len({name for name, _, _ in ALL_BROKEN}) == len(ALL_BROKEN)


@pytest.mark.parametrize(("body", "expected"), [case[1:] for case in MORE_BROKEN], ids=[c[0] for c in MORE_BROKEN])
def test_more_broken_configs_exit_2_naming_the_key(tmp_path: Path, body: str, expected: str) -> None:
    result = check(write_config(tmp_path, body), {"WARTA_STORAGE_URL": ""})
    assert result.exit_code == 2, result.output
    assert expected in result.output


@pytest.mark.parametrize(("body", "expected"), [case[1:] for case in ALL_BROKEN], ids=[c[0] for c in ALL_BROKEN])
def test_every_config_problem_says_how_to_fix_it(tmp_path: Path, body: str, expected: str) -> None:
    result = check(write_config(tmp_path, body), {"WARTA_STORAGE_URL": ""})
    assert result.exit_code == 2
    problems = [line.strip() for line in result.output.splitlines()[1:] if line.strip()]
    assert problems, result.output
    for problem in problems:
        assert any(word in problem.lower() for word in FIX_WORDS), f"no fix in: {problem}"
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql//warta:{PASSWORD}@db.example/warta",
        f"warta:{PASSWORD}@db.example/warta",
        f"mysql://warta:{PASSWORD}@db.example/warta",
        f"postgresql+psycopg2://warta:{PASSWORD}@db.example/warta",
    ],
    ids=["missing-colon", "no-scheme", "mysql", "other-driver"],
)
def test_a_rejected_database_url_is_not_echoed_with_its_password(tmp_path: Path, url: str) -> None:
    from_file = check(write_config(tmp_path, f"[storage]\nurl = '{url}'"))
    from_env = check(write_config(tmp_path, "", name="empty.toml"), {"WARTA_STORAGE_URL": url})
    for result in (from_file, from_env):
        assert result.exit_code == 2 and "storage.url" in result.output
        assert PASSWORD not in result.output


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """Yield a folder on a read-only tmpfs (root ignores permission bits, so a mode would not do)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        folder.chmod(0o500)  # unprivileged runs: permission bits are enough
    try:
        yield folder
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("key", ["feeds.dir", "snapshots[0] (s).dir"])
def test_folder_on_a_read_only_filesystem_is_a_config_error(tmp_path: Path, read_only_folder: Path, key: str) -> None:
    if key == "feeds.dir":
        body = f"[feeds]\ndir = '{read_only_folder}/public'"
    else:
        body = f"[[snapshots]]\nid = 's'\nformat = 'jsonl'\ndir = '{read_only_folder}/snaps'"
    result = check(write_config(tmp_path, body), {"WARTA_STORAGE_URL": ""})
    assert result.exit_code == 2, result.output
    assert key in result.output and "not writable" in result.output and "choose another folder" in result.output
    negative = check(write_config(tmp_path, body.replace(str(read_only_folder), str(tmp_path))))
    assert negative.exit_code == 0, negative.output


def _commands(group: click.Group) -> Iterator[tuple[list[str], click.Command]]:
    for path, command in walk_commands(group):
        if not isinstance(command, click.Group):
            yield list(path), command


def _groups(group: click.Group) -> Iterator[list[str]]:
    yield []
    for path, command in walk_commands(group):
        if isinstance(command, click.Group):
            yield list(path)


COMMANDS = list(_commands(cli))
COMMAND_IDS = [" ".join(path) for path, _ in COMMANDS]


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=COMMAND_IDS)
def test_unknown_option_exits_2_with_usage_for_every_command(tmp_path: Path, path: list[str]) -> None:
    result = CliRunner().invoke(cli, [*path, "--no-such-option"], prog_name="warta")
    assert result.exit_code == 2
    assert f"Usage: warta {' '.join(path)}" in result.output
    assert "No such option" in result.output and "--no-such-option" in result.output
    assert "Traceback" not in result.output


def _requires_options(command: click.Command) -> bool:
    """Return True when extra arguments cannot be the first problem click finds (or are all accepted)."""
    variadic = any(isinstance(param, click.Argument) and param.nargs == -1 for param in command.params)
    return variadic or any(param.required and isinstance(param, click.Option) for param in command.params)


@pytest.mark.parametrize(
    "path",
    [path for path, command in COMMANDS if not _requires_options(command)],
    ids=[" ".join(path) for path, command in COMMANDS if not _requires_options(command)],
)
def test_unexpected_extra_argument_exits_2_for_every_command(path: list[str]) -> None:
    command = dict((tuple(p), c) for p, c in COMMANDS)[tuple(path)]
    arguments = [param for param in command.params if isinstance(param, click.Argument)]
    extra = ["first", "second", "third"][: len(arguments) + 1]
    result = CliRunner().invoke(cli, [*path, *extra], prog_name="warta")
    assert result.exit_code == 2, result.output
    assert f"Usage: warta {' '.join(path)}" in result.output
    assert "unexpected extra argument" in result.output.lower()


@pytest.mark.parametrize(
    "path",
    [path for path, command in COMMANDS if any(param.required for param in command.params)],
    ids=[" ".join(path) for path, command in COMMANDS if any(param.required for param in command.params)],
)
def test_missing_required_input_exits_2_naming_it(path: list[str]) -> None:
    result = CliRunner().invoke(cli, path, prog_name="warta")
    assert result.exit_code == 2
    assert f"Usage: warta {' '.join(path)}" in result.output and "Missing" in result.output


@pytest.mark.parametrize("path", list(_groups(cli)), ids=lambda p: " ".join(p) or "warta")
def test_unknown_subcommand_exits_2_with_usage(path: list[str]) -> None:
    result = CliRunner().invoke(cli, [*path, "frobnicate"])
    assert result.exit_code == 2
    assert "Usage:" in result.output and "No such command 'frobnicate'" in result.output


@pytest.mark.parametrize(
    "arguments",
    [
        ["--log-level", "loud", "config", "check"],
        ["--log-format", "xml", "config", "check"],
        ["export", "--format", "zip", "--output", "x"],
        ["export", "--format", "jsonl", "--output", "x", "--since", "yesterday"],
        ["export", "--format", "jsonl", "--output", "x", "--since-snapshot", "seven"],
        ["feeds", "serve", "--port", "70000"],
        ["snapshots", "--limit", "many"],
        ["discover", "https://example.org", "--timeout", "soon"],
    ],
    ids=["log-level", "log-format", "export-format", "export-since", "since-snapshot", "port", "limit", "timeout"],
)
def test_bad_option_values_exit_2_naming_the_option(arguments: list[str]) -> None:
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.output and "Invalid value" in result.output
