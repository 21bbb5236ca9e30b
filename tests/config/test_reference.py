"""The README's configuration reference is generated from the schema and agrees with it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from warta.config.reference import END_MARKER, START_MARKER, reference_markdown, replace_in_document, undocumented_keys
from warta.config.schema import WartaConfig

from tests.conftest import ROOT
from warta.cli.root import cli


def test_every_config_key_has_help_text() -> None:
    assert undocumented_keys() == []


def test_readme_reference_matches_the_schema() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert replace_in_document(readme, reference_markdown()) == readme, (
        "README.md's configuration reference is out of date; run `warta config reference --write README.md`"
    )


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
