"""One error root: every error warta defines is a WartaError that says when it is raised, and the CLI maps it once."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from warta.cli import cli
from warta.config.errors import WartaError

PACKAGES = ("warta", "warta.config", "warta.storage", "warta.crawler", "warta.feeds", "warta.archive")


def _modules() -> set[str]:
    names: set[str] = set()
    for package in PACKAGES:  # the layer folders are mapped into warta, so each is walked on its own
        names |= {info.name for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + ".")}
    return names


def _our_exception_classes() -> list[type[BaseException]]:
    """Return the exception classes defined in warta's modules, except the CLI's click exceptions."""
    classes: dict[str, type[BaseException]] = {}
    for name in sorted(_modules()):
        if ".migrations" in name or name.endswith("__main__"):
            continue  # Alembic revision scripts and `python -m warta` run when imported
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            ours = issubclass(value, BaseException) and not issubclass(value, click.ClickException)
            if ours and value.__module__ == module.__name__:
                classes[f"{value.__module__}.{value.__qualname__}"] = value
    return sorted(classes.values(), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


ERRORS = _our_exception_classes()


def test_the_error_families_are_found() -> None:
    names = {cls.__name__ for cls in ERRORS}
    assert {"ConfigError", "StorageError", "CrawlerError", "FeedError", "ArchiveError", "ScrapydError"} <= names


@pytest.mark.parametrize("error", ERRORS, ids=lambda cls: cls.__qualname__)
def test_every_error_is_a_warta_error_that_says_when_it_is_raised(error: type[BaseException]) -> None:
    assert issubclass(error, WartaError)
    assert error.__doc__ and error.__doc__.strip()


def test_a_usage_problem_exits_2_and_an_operation_that_failed_exits_1(tmp_path: Path) -> None:
    config = tmp_path / "warta.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "warta.db"}"\n\n'
        '[[sources]]\nid = "disbud"\nkind = "feed"\nurls = ["http://127.0.0.1:9/feed.xml"]\n',
        encoding="utf-8",
    )
    unknown_source = CliRunner().invoke(cli, ["--config", str(config), "crawl", "kompas"])
    assert unknown_source.exit_code == 2, unknown_source.output
    assert "unknown source id kompas" in unknown_source.output and "Traceback" not in unknown_source.output
    not_an_export = tmp_path / "not-an-export.jsonl"
    not_an_export.write_text("{}\n", encoding="utf-8")
    bad_file = CliRunner().invoke(cli, ["--config", str(config), "import", str(not_an_export)])
    assert bad_file.exit_code == 1, bad_file.output
    assert "not a warta JSONL document" in bad_file.output and "Traceback" not in bad_file.output
