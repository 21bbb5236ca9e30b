"""The egg Scrapyd nodes run: warta.config, warta.storage and warta.crawler plus the Scrapy settings entry point.

An egg is a zip with the `warta` package at its root and EGG-INFO metadata; Scrapyd
activates it and reads the `scrapy` entry point `settings` to find the settings
module. The packages are taken from where this warta is installed, so a deploy
ships exactly the code the daemon runs. The node still needs warta's
dependencies installed (`pip install "warta[scaleout]"`).
"""

from __future__ import annotations

import importlib
import io
import zipfile
from pathlib import Path

from warta.config import VERSION

# A node needs only the crawl's layers, under the one `warta` namespace (never a top-level `config`).
PACKAGES = ("warta.config", "warta.storage", "warta.crawler")
SETTINGS_MODULE = "warta.crawler.scrapyd.settings"
# Files a package needs at run time besides its modules (alembic's ini and templates).
DATA_SUFFIXES = (".py", ".ini", ".mako", ".toml", ".json", ".txt")
# A fixed timestamp keeps the egg's bytes the same for the same code.
ZIP_TIMESTAMP = (2020, 1, 1, 0, 0, 0)


def egg_files() -> dict[str, bytes]:
    """Return the egg's files by archive path."""
    files: dict[str, bytes] = {"warta/__init__.py": Path(importlib.import_module("warta").__file__ or "").read_bytes()}
    for package in PACKAGES:
        root = Path(importlib.import_module(package).__file__ or "").parent
        prefix = package.replace(".", "/")
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in DATA_SUFFIXES and "__pycache__" not in path.parts:
                files[f"{prefix}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    files["EGG-INFO/PKG-INFO"] = f"Metadata-Version: 2.1\nName: warta\nVersion: {VERSION}\n".encode()
    files["EGG-INFO/entry_points.txt"] = f"[scrapy]\nsettings = {SETTINGS_MODULE}\n".encode()
    files["EGG-INFO/top_level.txt"] = b"warta\n"
    files["EGG-INFO/zip-safe"] = b"\n"
    return files


def build_egg() -> bytes:
    """Return the egg's bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:
        for name, data in sorted(egg_files().items()):
            egg.writestr(zipfile.ZipInfo(name, ZIP_TIMESTAMP), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
