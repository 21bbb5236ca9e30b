"""Errors raised by the feeds layer.

FeedError         a feed build could not be done (base class, a WartaError).
FeedWriteError    the feed files could not be written into [feeds] dir, or a stale one removed from it
                  (a full disk, a read-only or missing folder); every file keeps its old content or its
                  new one, never half of either.

Reading the archive for a build fails with a StorageError (warta.storage.errors), not one of these.
"""

from __future__ import annotations

from warta.config.errors import WartaError


class FeedError(WartaError):
    """Raised when a feed build could not be done."""


class FeedWriteError(FeedError):
    """Raised when a feed file could not be written into [feeds] dir, or a stale one removed from it."""
