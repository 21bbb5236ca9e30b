"""The daemon's end of the crawl fork server (warta.cli.fork_server): start crawl children without paying their imports.

`ForkServer.start` asks the server for a child running `python -m warta ARGS`
and returns a `ForkedChild`, which waits and reports its exit as a
`subprocess.Popen` does, so `ChildProcesses` treats both alike. The server is
started on the first crawl and again after it died. It ends when the daemon closes
its socket, or dies: the kernel closes the socket then. When it cannot be started
or reached, `start` raises ForkServerError and the caller starts a plain
process instead. Linux only (it waits on pidfds); elsewhere `available()` is false.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence

from warta.config.errors import WartaError

logger = logging.getLogger(__name__)

SERVER_MODULE = "warta.cli.fork_server"
WARTA_COMMAND = (sys.executable, "-m", "warta")
# The server answers a request as soon as it has forked; only a server still importing (about a second) is slower.
REPLY_TIMEOUT_SECONDS = 60.0
MAX_MESSAGE = 1 << 16


class ForkServerError(WartaError):
    """Raised when the fork server cannot start a child (it would not start, or died): start a plain process."""


class ForkedChild:
    """A child of the fork server: its pid, and its exit status once the server has reaped it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._exited = threading.Event()

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to end and return its exit status; raise subprocess.TimeoutExpired after `timeout`."""
        if not self._exited.wait(timeout):
            raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0.0)
        assert self.returncode is not None
        return self.returncode

    def set_exited(self, returncode: int) -> None:
        self.returncode = returncode
        self._exited.set()


def available() -> bool:
    """Return whether crawl children can be forked from a server here (it needs Linux's pidfds)."""
    return hasattr(os, "pidfd_open")


def is_warta_command(argv: Sequence[str]) -> bool:
    """Return whether `argv` is a `python -m warta` command, which the server can run."""
    return tuple(argv[: len(WARTA_COMMAND)]) == WARTA_COMMAND


class ForkServer:
    """Start crawl children as forks of one long-lived server process that has imported the crawl once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one request at a time: replies come back in order
        self._server: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        self._replies: queue.Queue[ForkedChild | None] = queue.Queue()
        self._children: dict[int, ForkedChild] = {}

    @property
    def pid(self) -> int | None:
        """Return the server's pid while it runs."""
        return self._server.pid if self._server is not None and self._server.poll() is None else None

    def start(self, argv: Sequence[str], streams: Sequence[int]) -> ForkedChild:
        """Start a child running `argv` (a `python -m warta` command) with `streams` as its stdin, stdout and stderr.

        The caller keeps its copies of `streams` and closes them once this returns.
        """
        if not is_warta_command(argv):
            raise ForkServerError(f"the fork server runs `python -m warta` commands only, not {argv[0]}")
        request = json.dumps({"argv": list(argv[len(WARTA_COMMAND) :])}).encode()
        with self._lock:
            control = self._connected()
            try:
                socket.send_fds(control, [request], list(streams))
                child = self._replies.get(timeout=REPLY_TIMEOUT_SECONDS)
            except (OSError, queue.Empty) as error:
                self._discard()
                raise ForkServerError(f"the crawl fork server did not answer: {error}") from error
            if child is None:
                self._discard()
                raise ForkServerError("the crawl fork server died")
            return child

    def close(self) -> None:
        """End the server (after the caller stopped its children): it exits when its socket closes."""
        with self._lock:
            self._discard()

    def _connected(self) -> socket.socket:
        """Return the socket of a running server, starting one if there is none."""
        if self._socket is not None and self._server is not None and self._server.poll() is None:
            return self._socket
        self._discard()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            theirs.set_inheritable(True)
            try:
                self._server = subprocess.Popen(
                    [sys.executable, "-m", SERVER_MODULE, str(theirs.fileno())],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    pass_fds=[theirs.fileno()],
                    start_new_session=True,  # a Ctrl-C in the daemon's terminal is the daemon's to act on
                )
            except OSError as error:
                ours.close()
                raise ForkServerError(f"the crawl fork server could not be started: {error}") from error
        self._socket = ours
        self._replies = queue.Queue()
        threading.Thread(target=self._read, args=(ours, self._replies), name="fork-server", daemon=True).start()
        logger.debug("started the crawl fork server (pid %d)", self._server.pid)
        return ours

    def _read(self, control: socket.socket, replies: queue.Queue[ForkedChild | None]) -> None:
        """Hand each started child to the request waiting for it, and each exit to its child, until the server ends."""
        while True:
            try:
                message = control.recv(MAX_MESSAGE)
            except OSError:
                message = b""
            if not message:
                break
            entry = json.loads(message)
            if "pid" in entry:
                child = ForkedChild(int(entry["pid"]))
                self._children[child.pid] = child  # before its exit can be read
                replies.put(child)
            else:
                exited = self._children.pop(int(entry["exited"]), None)
                if exited is not None:
                    exited.set_exited(int(entry["returncode"]))
        # The server is gone, and the kernel killed its children with it (each asked to die with the server).
        replies.put(None)
        for pid in list(self._children):
            self._children.pop(pid).set_exited(-signal.SIGKILL)

    def _discard(self) -> None:
        """End the server, if any: it exits when its socket closes (and its reader settles the children it had)."""
        if self._socket is not None:
            # shutdown, not only close: the reader thread blocked in recv keeps a closed socket open
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
            self._socket = None
        server, self._server = self._server, None
        if server is not None:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                logger.warning(
                    "the crawl fork server (pid %d) did not end when its socket closed; killing it", server.pid
                )
                server.kill()
                server.wait()
