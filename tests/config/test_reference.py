"""The configuration reference in docs/configuration.md is generated from the schema and agrees with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from warta.cli.root import cli
from warta.config.reference import END_MARKER, START_MARKER, reference_markdown, replace_in_document, undocumented_keys
from warta.config.schema import WartaConfig


def test_every_config_key_has_help_text() -> None:
    assert undocumented_keys() == []


def test_docs_reference_matches_the_schema() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert replace_in_document(page, reference_markdown()) == page, (
        "docs/configuration.md is out of date; run `warta config reference --write docs/configuration.md`"
    )


def test_reference_command_writes_the_reference_into_a_page(tmp_path: Path) -> None:
    page = tmp_path / "configuration.md"
    page.write_text(f"# Configuration\n\n{START_MARKER}\nstale\n{END_MARKER}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "reference", "--write", str(page)])
    assert result.exit_code == 0, result.output
    assert "reference updated" in result.output
    expected = f"# Configuration\n\n{START_MARKER}\n{reference_markdown()}{END_MARKER}\n"
    assert page.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("section", ["storage", "crawler", "feeds", "daemon", "archive", "web"])
def test_reference_lists_every_key_of_each_section(section: str) -> None:
    reference = reference_markdown()
    model = WartaConfig.model_fields[section].annotation
    assert f"#### `[{section}]`" in reference
    for key in model.model_fields:  # type: ignore[union-attr]
        assert f"| `{key}` |" in reference


def test_reference_block_replacement_refuses_a_document_without_markers() -> None:
    with pytest.raises(ValueError, match="config-reference:start"):
        replace_in_document("# no markers here\n", "x")
    assert (
        replace_in_document(f"a\n{START_MARKER}\nold\n{END_MARKER}\nb", "new\n")
        == f"a\n{START_MARKER}\nnew\n{END_MARKER}\nb"
    )


def test_reference_command_prints_the_reference() -> None:
    result = CliRunner().invoke(cli, ["config", "reference"])
    assert result.exit_code == 0
    assert result.output == reference_markdown()
