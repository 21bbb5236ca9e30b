"""The starter config that `warta init` writes: the shipped example, with the Jakarta sources and topics.

The example (warta.example.toml) ships inside the package, so a pip install has
it too. Its paths are relative, and relative paths are read against the config
file's folder (warta.config.loader), so the archive and the feeds land next to
the written file whatever the current folder is when warta runs.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

CONFIG_NAME = "warta.toml"


def starter_config_text() -> str:
    """Return the text of the shipped example config, comments included."""
    return files("warta.config").joinpath("warta.example.toml").read_text(encoding="utf-8")


def write_starter_config(folder: Path) -> Path:
    """Write the starter config as FOLDER/warta.toml (creating FOLDER) and return its path.

    Raise FileExistsError when that file exists: an operator's config is never overwritten.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_NAME
    with path.open("x", encoding="utf-8") as target:  # "x": fails rather than replaces, even in a race
        target.write(starter_config_text())
    return path
