"""A stand-in for the extraction pool's worker function that dies like a crashed worker when a test asks it to.

Workers unpickle the function by name, so it lives in a module of its own that they can import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from warta.crawler.extractor_pool import Extraction, extract_in_worker

CRASH = "crash:"  # a URL starting so kills its worker every time
CRASH_ONCE = "crash-once:"  # followed by a path: kills its worker if that file is missing, after creating it


def extract_or_crash(body: bytes, url: str, *rest: Any) -> Extraction:
    """Extract the page as a worker does, or end the worker process at once as a segfault would."""
    if url.startswith(CRASH):
        os._exit(70)
    if url.startswith(CRASH_ONCE):
        marker = Path(url.removeprefix(CRASH_ONCE))
        if not marker.exists():
            marker.touch()
            os._exit(70)
    return extract_in_worker(body, url, *rest)
