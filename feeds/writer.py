"""Writing feed files atomically, and not at all when nothing changed.

A file is written to a temporary file in the same folder and renamed over the
old one, so a reader (or the feed server) sees the old file or the new one,
never half of one. When the new bytes equal the file's current bytes nothing is
written, so its modification time, and the HTTP validators derived from it,
stay put and feed readers are not told about a change that did not happen.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

FILE_MODE = 0o644


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically unless it already holds exactly these bytes; return True if written."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # A dot-prefixed name: the feed server never serves it, even for the instant it exists.
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    logger.debug("wrote %s (%d bytes)", path, len(data))
    return True
