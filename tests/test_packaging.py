"""warta installs one package, `warta`, whose layers come from the repository's top-level folders."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Top-level names that other projects on PyPI own: warta must never install them.
FOREIGN_NAMES = {"config", "storage", "crawler", "feeds", "archive"}
NOT_SHIPPED = (".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "tests", "bench", "docs")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_listed_under_its_namespace_name() -> None:
    setuptools = pyproject()["tool"]["setuptools"]
    folders = {}
    for name, folder in setuptools["package-dir"].items():
        for init in sorted((ROOT / folder).rglob("__init__.py")):
            relative = init.parent.relative_to(ROOT / folder)
            folders[".".join([name, *relative.parts])] = init.parent
    # a folder mapped under another mapped folder (none today) would be listed twice
    assert sorted(setuptools["packages"]) == sorted(folders)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder holding a regular (not editable) install of this checkout."""
    # build from a copy: pip builds in the source tree, and a build/ folder left there by an older
    # build would ship modules that no longer exist
    source = tmp_path_factory.mktemp("source") / "warta"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
    )
    return target


@pytest.mark.slow
def test_a_regular_install_creates_no_top_level_package_but_warta(installed: Path) -> None:
    top_level = {path.name for path in installed.iterdir()} - {"bin"}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"warta"}
    dist_info = next(installed.glob("warta-*.dist-info"))
    assert (dist_info / "top_level.txt").read_text(encoding="utf-8").split() == ["warta"]
    record = (dist_info / "RECORD").read_text(encoding="utf-8").splitlines()
    roots = {line.split(",")[0].split("/")[0] for line in record}
    assert not roots & FOREIGN_NAMES
    assert {"config", "storage", "crawler", "feeds", "archive", "cli", "daemon", "demo"} <= {
        path.name for path in (installed / "warta").iterdir()
    }


@pytest.mark.slow
def test_a_regular_install_runs_the_demo_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "warta", "demo", "--once", "--dir", "demo"],
        cwd=folder,
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert "Feeds:" in result.stdout
    # the modules really came from the install, not from this checkout
    probe = subprocess.run(
        [sys.executable, "-c", "import warta.storage.database as m; print(m.__file__)"],
        cwd=folder,
        env={"PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(installed))


@pytest.mark.slow
def test_a_regular_install_initialises_checks_and_creates_an_archive_in_an_empty_folder(
    installed: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    env = {"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    outputs = []
    for args in (["init"], ["config", "check"], ["db", "upgrade"]):
        result = subprocess.run(
            [sys.executable, "-m", "warta", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, (args, result.stderr)
        outputs.append(result.stdout)
    assert "config OK" in outputs[1]
    assert sorted(path.name for path in folder.iterdir()) == ["warta.db", "warta.toml"]
