"""The layers point one way: config <- storage <- crawler, feeds, archive <- warta."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {
    "config": set(),
    "storage": {"config"},
    "crawler": {"config", "storage"},
    "feeds": {"config", "storage"},
    "archive": {"config", "storage"},
    "warta": {"config", "storage", "crawler", "feeds", "archive"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_package_imports_only_lower_layers(package: str) -> None:
    allowed = LAYERS[package] | {package}
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - allowed)
        for path in (ROOT / package).rglob("*.py")
        if imported_packages(path) - allowed
    }
    assert offenders == {}


def test_the_modules_started_first_exist() -> None:
    from tests.conftest import SLOWEST_MODULES

    missing = [module for module in SLOWEST_MODULES if not (ROOT / module).is_file()]
    assert missing == [], "renamed or removed: update SLOWEST_MODULES in tests/conftest.py"
