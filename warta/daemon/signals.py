"""Stopping a foreground command (`feeds serve`, `demo`) cleanly on Ctrl-C or SIGTERM.

The command's own handlers replace whatever it inherited: a process started in the
background by a shell inherits SIGINT ignored, and would otherwise never stop on it.
(The daemon has handlers of its own: SIGHUP reloads it.)
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """Yield an event that SIGINT or SIGTERM sets; the previous handlers come back afterwards."""
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
