"""deploy/warta.service verifies against a real install, is hardened, and its example config is accepted."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import require_tool
from tests.deploy.conftest import DEPLOY
from warta.cli.root import cli

UNIT = DEPLOY / "warta.service"
SERVICE_CONFIG = DEPLOY / "warta.toml"
INSTALLED_WARTA = "/opt/warta/venv/bin/warta"
STATE_DIR = "/var/lib/warta"
EXPOSURE = re.compile(r"Overall exposure level for \S+: (\d+(?:\.\d+)?) ")
HARDENING = re.compile(r"^# --- Hardening.*?(?=^\[Install\])", re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def systemd_analyze() -> str:
    return require_tool("systemd-analyze", "systemd")


def analyze(tool: str, *args: str | Path) -> tuple[int, str]:
    done = subprocess.run([tool, *map(str, args)], capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, (done.stdout + done.stderr).strip()


def unit_copy(folder: Path, text: str) -> Path:
    """Write a unit as warta.service into `folder` (systemd names a unit by its file) and return its path."""
    path = folder / "warta.service"
    path.write_text(text, encoding="utf-8")
    return path


def exposure(tool: str, unit: Path) -> float:
    """Return the overall exposure `systemd-analyze security` gives a unit file (0 safe .. 10 exposed)."""
    status, output = analyze(tool, "security", "--offline=true", "--no-pager", unit)
    found = EXPOSURE.search(output)
    assert status == 0 and found, output
    return float(found.group(1))


def test_unit_verifies_with_its_commands_pointing_at_the_test_venv(systemd_analyze: str, tmp_path: Path) -> None:
    text = UNIT.read_text(encoding="utf-8")
    commands = re.findall(rf"^(ExecStart|ExecStartPre)={INSTALLED_WARTA} --config /etc/warta/warta.toml ", text, re.M)
    assert commands == ["ExecStartPre", "ExecStart"]
    venv_warta = Path(sys.executable).parent / "warta"
    assert venv_warta.is_file()
    installed_here = unit_copy(tmp_path, text.replace(INSTALLED_WARTA, str(venv_warta)))
    assert analyze(systemd_analyze, "verify", installed_here) == (0, "")
    # the negative control: systemd-analyze reports a misspelt setting (as a warning, exit 0)
    misspelt = unit_copy(tmp_path, installed_here.read_text().replace("ProtectSystem=", "ProtectSytem="))
    assert "Unknown key 'ProtectSytem'" in analyze(systemd_analyze, "verify", misspelt)[1]


def test_unit_is_rated_3_or_safer_by_systemd_analyze_security(systemd_analyze: str, tmp_path: Path) -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert exposure(systemd_analyze, UNIT) <= 3.0
    # the negative control: the same unit without its hardening section is exposed
    unhardened = HARDENING.sub("", text)
    assert unhardened != text
    assert exposure(systemd_analyze, unit_copy(tmp_path, unhardened)) > 5.0


def test_unit_writes_only_the_state_folder_the_config_uses() -> None:
    unit = UNIT.read_text(encoding="utf-8")
    assert f"ReadWritePaths={STATE_DIR}\n" in unit and "StateDirectory=warta\n" in unit
    assert "ProtectSystem=strict\n" in unit
    config = tomllib.loads(SERVICE_CONFIG.read_text(encoding="utf-8"))
    paths = [config["feeds"]["dir"], *(snapshot["dir"] for snapshot in config["snapshots"])]
    assert config["storage"]["url"] == f"sqlite:///{STATE_DIR}/warta.db"
    assert all(path.startswith(f"{STATE_DIR}/") for path in paths), paths


def test_service_config_is_accepted_by_config_check(tmp_path: Path) -> None:
    # the state folder moved under the test's own folder: config check refuses folders it cannot write
    text = SERVICE_CONFIG.read_text(encoding="utf-8").replace(STATE_DIR, str(tmp_path / "state"))
    config = tmp_path / "warta.toml"
    config.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])
    assert result.exit_code == 0, result.output
    assert "config OK" in result.output and "1 snapshots" in result.output
