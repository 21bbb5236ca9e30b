"""The layers point one way: config <- storage <- crawler, feeds, archive <- monitoring <- web <- daemon <- demo <- cli.

Installed, every layer lives in the `warta` namespace; in the repository the layers below the
application keep their own top-level folders (config/ is warta.config, and so on).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each layer's folder in the repository, and the layers it may import (besides itself).
LAYER_FOLDERS = {
    "config": ROOT / "config",
    "storage": ROOT / "storage",
    "crawler": ROOT / "crawler",
    "feeds": ROOT / "feeds",
    "archive": ROOT / "archive",
    "monitoring": ROOT / "warta" / "monitoring",
    "daemon": ROOT / "warta" / "daemon",
    "demo": ROOT / "warta" / "demo",
    "web": ROOT / "warta" / "web",
    "cli": ROOT / "warta" / "cli",
}
BELOW_APP = {"config", "storage", "crawler", "feeds", "archive"}
ALLOWED = {
    "config": set(),
    "storage": {"config"},
    "crawler": {"config", "storage"},
    "feeds": {"config", "storage"},
    "archive": {"config", "storage"},
    "monitoring": BELOW_APP,
    "daemon": BELOW_APP | {"monitoring", "web"},
    # the demo crawls as the daemon does (daemon.executors.local)
    "demo": BELOW_APP | {"monitoring", "web", "daemon"},
    "web": BELOW_APP | {"monitoring"},
    "cli": BELOW_APP | {"monitoring", "daemon", "demo", "web"},
}
THIRD_PARTY_NAMES = {"config", "storage", "crawler", "feeds", "archive"}


def imported_modules(path: Path) -> set[str]:
    """Return the absolute module names a file imports (`from warta import archive` gives warta.archive)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "warta":
                names.update(f"warta.{alias.name}" for alias in node.names)
    return names


def layers_imported(path: Path) -> set[str]:
    """Return the warta layers a file imports."""
    layers = set()
    for name in imported_modules(path):
        parts = name.split(".")
        if parts[0] == "warta" and len(parts) > 1 and parts[1] in LAYER_FOLDERS:
            layers.add(parts[1])
    return layers


@pytest.mark.parametrize("layer", sorted(LAYER_FOLDERS))
def test_layer_imports_only_lower_layers(layer: str) -> None:
    allowed = ALLOWED[layer] | {layer}
    offenders = {
        str(path.relative_to(ROOT)): sorted(layers_imported(path) - allowed)
        for path in LAYER_FOLDERS[layer].rglob("*.py")
        if layers_imported(path) - allowed
    }
    assert offenders == {}


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    module = tmp_path / "upward.py"
    module.write_text("from warta.daemon.service import Daemon\nfrom warta import cli\n", encoding="utf-8")
    assert layers_imported(module) == {"daemon", "cli"}


@pytest.mark.parametrize("folder", ["warta", "bench", "tests", *sorted(BELOW_APP)])
def test_no_module_imports_a_layer_outside_the_warta_namespace(folder: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] in THIRD_PARTY_NAMES
        )
        for path in (ROOT / folder).rglob("*.py")
        if any(name.split(".")[0] in THIRD_PARTY_NAMES for name in imported_modules(path))
    }
    assert offenders == {}


def test_the_application_package_holds_only_its_concept_folders() -> None:
    modules = sorted(path.name for path in (ROOT / "warta").glob("*.py"))
    folders = sorted(path.name for path in (ROOT / "warta").iterdir() if (path / "__init__.py").is_file())
    assert modules == ["__init__.py", "__main__.py"]
    assert folders == ["cli", "daemon", "demo", "monitoring", "web"]


def test_the_modules_started_first_exist() -> None:
    from tests.conftest import SHARED_FIXTURE_SCOPES, SLOWEST_MODULES

    groups = set(SHARED_FIXTURE_SCOPES.values())
    missing = [module for module in SLOWEST_MODULES if module not in groups and not (ROOT / module).is_file()]
    assert missing == [], "renamed or removed: update SLOWEST_MODULES in tests/conftest.py"
    moved = [module for module in SHARED_FIXTURE_SCOPES if not (ROOT / module).is_file()]
    assert moved == [], "renamed or removed: update SHARED_FIXTURE_SCOPES in tests/conftest.py"
