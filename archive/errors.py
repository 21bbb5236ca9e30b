"""Errors raised by the archive layer.

ArchiveError      an export or import could not be done (base class, a WartaError).
ExportError       the export could not be written (bad output path, unknown format,
                  a packaging or database failure); nothing is left under the output name.
SelectionError    the selection cannot be resolved (unknown or unfinished snapshot id).
ImportFileError   the file is not a readable warta JSONL export or a valid bag holding one.
"""

from __future__ import annotations

from warta.config.errors import WartaError


class ArchiveError(WartaError):
    """Raised when an export or import could not be done."""


class ExportError(ArchiveError):
    """Raised when the export could not be written; nothing was left under the output name."""


class SelectionError(ArchiveError, ValueError):
    """Raised when the selection cannot be resolved, e.g. an unknown or unfinished snapshot id (exit 2)."""

    is_usage_problem = True


class ImportFileError(ArchiveError, ValueError):
    """Raised when the file is not a readable warta JSONL export or a valid bag holding one."""
