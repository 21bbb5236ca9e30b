"""Errors raised by the archive layer.

ArchiveError      an export or import could not be done (base class).
ExportError       the export could not be written (bad output path, unknown format,
                  a packaging or database failure); nothing is left under the output name.
SelectionError    the selection cannot be resolved (unknown or unfinished snapshot id).
ImportFileError   the file is not a readable warta JSONL export or a valid bag holding one.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """An export or import could not be done."""


class ExportError(ArchiveError):
    """The export could not be written; nothing was left under the output name."""


class SelectionError(ArchiveError, ValueError):
    """The selection cannot be resolved (e.g. an unknown or unfinished snapshot id)."""


class ImportFileError(ArchiveError, ValueError):
    """The file is not a readable warta JSONL export or a valid bag holding one."""
