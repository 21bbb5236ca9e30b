"""The README and the pages under docs/ stay true: their `warta` commands parse, and their links lead somewhere.

The README is what a newcomer reads first, so it also stays short; the detail lives in docs/.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from tests.conftest import ROOT
from warta.cli.root import cli

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
README_MAX_LINES = 420
FENCE = re.compile(r"^ *```(?:console|sh|shell)\n(.*?)^ *```", re.DOTALL | re.MULTILINE)
ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")
# a Markdown link to a file of this repository: [text](path) or [text](path#anchor), not a URL
LOCAL_LINK = re.compile(r"\]\((?!https?:|mailto:)([^)\s#]*)(?:#([^)\s]*))?\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)


def invocations(page: Path) -> list[list[str]]:
    """Return the arguments of every `warta ...` command in a page's shell blocks."""
    found = []
    for block in FENCE.findall(page.read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            words = shlex.split(line, comments=True) if line else []
            while words and ENV_ASSIGNMENT.match(words[0]):
                words = words[1:]
            if words and (words[0] == "warta" or words[0].endswith("/warta")):
                found.append(words[1:])
    return found


def all_invocations() -> list[tuple[str, list[str]]]:
    """Return (page name, arguments) for every `warta` command of the README and docs/."""
    return [(page.relative_to(ROOT).as_posix(), args) for page in PAGES for args in invocations(page)]


def anchor(heading: str) -> str:
    """Return the anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Return the anchors of every heading of a Markdown page."""
    return {anchor(heading) for heading in HEADING.findall(page.read_text(encoding="utf-8"))}


def local_links(page: Path) -> list[tuple[str, str]]:
    """Return (path, anchor) of every link from a page to a file of the repository (path '' = same page)."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return LOCAL_LINK.findall(text)


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
    assert len(invocations(README)) >= 20


def test_commands_are_found_in_indented_blocks_of_the_docs_too() -> None:
    # docs/scale-out.md shows `warta deploy` inside a numbered step, in an indented block
    assert ["deploy"] in invocations(ROOT / "docs" / "scale-out.md")


def invocation_id(value: str | list[str]) -> str:
    """Name a test case by its page, or by the start of its command line."""
    return " ".join(value)[:60] if isinstance(value, list) else value


@pytest.mark.parametrize(("page", "args"), all_invocations(), ids=invocation_id)
def test_documented_command_parses(page: str, args: list[str]) -> None:
    try:
        resolve(cli, "warta", args)
    except click.BadParameter as error:
        # paths the reader would have (an export to import) need not exist here
        assert "does not exist" in error.format_message(), f"{page}: {error.format_message()}"
    except click.exceptions.Exit:
        pass  # --help and --version


def test_a_wrong_option_is_caught() -> None:
    with pytest.raises(click.NoSuchOption):
        resolve(cli, "warta", ["export", "--formt", "jsonl"])


def test_readme_reads_in_ten_minutes() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines, over {README_MAX_LINES}: move detail into docs/"


def test_readme_links_every_page_under_docs() -> None:
    linked = {(README.parent / path).resolve() for path, _anchor in local_links(README) if path}
    unlinked = [page.name for page in DOCS if page.resolve() not in linked]
    assert DOCS, "docs/ holds no page"
    assert unlinked == [], f"README.md does not link {unlinked}"


def broken_links(page: Path) -> list[str]:
    """Return the links of a page whose file, or whose heading in a Markdown file, does not exist."""
    broken = []
    for path, fragment in local_links(page):
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(f"{path}: no such file")
        elif fragment and target.suffix == ".md" and fragment not in anchors(target):
            broken.append(f"{path}#{fragment}: no such heading")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_local_link_leads_to_a_file_and_heading_that_exist(page: Path) -> None:
    assert broken_links(page) == []


def test_a_link_to_a_missing_page_or_heading_is_caught(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\n## Try it: `make run`\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "# Title\n\n[a](docs/guide.md#try-it-make-run) [b](#title) [c](https://example.org/x.md)\n"
        "[d](docs/missing.md) [e](docs/guide.md#nowhere) [f](#elsewhere)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "docs/missing.md: no such file",
        "docs/guide.md#nowhere: no such heading",
        "#elsewhere: no such heading",
    ]
