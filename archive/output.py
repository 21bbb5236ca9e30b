"""Where an export is written: checking the target, the partial beside it, and putting it in place.

An export is written to `<output>.partial-<random>` in the target's folder and
moved to its name only when complete. An existing target is refused unless
the caller forces it; then a file is replaced by os.replace, and a bag (a
folder) is swapped with the new one in one step where Linux offers it
(renameat2 with RENAME_EXCHANGE), else moved aside, replaced and only then
deleted. Even forced, warta replaces only what an export can be: a file, or a
bag that warta made; never another folder. A standalone WARC export has a
companion, its CDXJ index (NAME.cdxj beside NAME.warc.gz).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import secrets
import shutil
from pathlib import Path

from warta.archive.errors import ExportError
from warta.config import SNAPSHOT_FORMATS

logger = logging.getLogger(__name__)

EXTENSIONS = {"jsonl": ".jsonl", "csv": ".csv", "warc": ".warc.gz", "wacz": ".wacz", "bagit": ""}
WARC_SUFFIXES = (".warc.gz", ".warc")
BAG_AGENT = "Bag-Software-Agent: warta "
RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


def index_path(warc: Path) -> Path:
    """Return the CDXJ index beside a WARC export: NAME.cdxj for NAME.warc.gz (or NAME.warc)."""
    for suffix in WARC_SUFFIXES:
        if warc.name.endswith(suffix) and len(warc.name) > len(suffix):
            return warc.with_name(warc.name[: -len(suffix)] + ".cdxj")
    return warc.with_name(warc.name + ".cdxj")


def companion_paths(fmt: str, output: Path) -> list[Path]:
    """Return the files an export of `fmt` writes beside `output` (a WARC's index)."""
    return [index_path(output)] if fmt == "warc" else []


def partial_path(output: Path) -> Path:
    """Return a fresh partial name beside `output`."""
    return output.with_name(f"{output.name}.partial-{secrets.token_hex(4)}")


def check_output(fmt: str, output: Path, force: bool = False) -> Path:
    """Return the absolute output path; raise ExportError if it cannot be written (or exists, unless forced)."""
    if fmt not in SNAPSHOT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(SNAPSHOT_FORMATS)}")
    output = output.absolute()
    folder = output.parent
    if not folder.is_dir():
        raise ExportError(f"the folder {folder} does not exist; create it or choose another --output")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"the folder {folder} is not writable; choose another --output or fix its permissions")
    for path in (output, *companion_paths(fmt, output)):
        _check_replaceable(fmt, path, force)
    return output


def _check_replaceable(fmt: str, path: Path, force: bool) -> None:
    if not os.path.lexists(path):
        return
    if not force:
        raise ExportError(f"{path} already exists; add --force to replace it, or choose another --output")
    is_bag_target = fmt == "bagit"
    if path.is_symlink():
        raise ExportError(f"{path} is a symbolic link; warta does not replace links, choose another --output")
    if is_bag_target and not path.is_dir():
        raise ExportError(f"{path} is a file and a bag is a folder; choose another --output")
    if is_bag_target and not is_warta_bag(path):
        raise ExportError(
            f"{path} is a folder but not a bag that warta made; even with --force warta replaces only its own "
            "bags, choose another --output"
        )
    if not is_bag_target and path.is_dir():
        raise ExportError(f"{path} is an existing folder and a {fmt} export is a file; choose another --output")


def is_warta_bag(path: Path) -> bool:
    """Return True if `path` is a bag that a warta export wrote (its bag-info names warta as the agent)."""
    try:
        info = (path / "bag-info.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return (path / "bagit.txt").is_file() and any(line.startswith(BAG_AGENT) for line in info.splitlines())


def install(partial: Path, output: Path) -> None:
    """Put the finished `partial` in place under `output`, replacing what check_output allowed to replace."""
    if not partial.is_dir() or not output.exists():
        os.replace(partial, output)
        return
    # a folder cannot be replaced by os.replace: swap the new bag with the old one, then delete the old
    if swap_paths(partial, output):
        old = partial
    else:
        old = partial_path(output)
        os.replace(output, old)
        try:
            os.replace(partial, output)
        except OSError:
            os.replace(old, output)
            raise
    logger.info("replaced the bag %s (--force)", output)
    shutil.rmtree(old)


def swap_paths(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); return False where that is not offered."""
    library = ctypes.util.find_library("c")
    if library is None:
        return False
    libc = ctypes.CDLL(library, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def remove_partial(partial: Path) -> None:
    """Delete a partial export file or bag, if any."""
    if partial.is_dir():
        shutil.rmtree(partial, ignore_errors=True)
    else:
        partial.unlink(missing_ok=True)
