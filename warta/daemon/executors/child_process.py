"""Child processes of the local executor: each in a process group of its own, with a wall-clock limit.

A crash, a hang or a memory leak dies with the child, and Scrapy's reactor,
which cannot be restarted, is fresh for every crawl. The child reads its input
from stdin (never from its arguments, which `ps` shows to everyone) and logs
JSON lines on stderr; they are relayed into the caller's log with their fields
(a crawl child tags each line with its source and run id; the label stands in
for the source otherwise), and the last error is kept as the reason of a failure.
Its stdout lines go to the caller as they come, when the caller asks for them.
What the child runs and what its exit means are the local executor's (executors.local).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Protocol, cast

from warta.daemon.executors.fork_server import ForkServer, ForkServerError, is_warta_command

logger = logging.getLogger(__name__)

# Time between SIGTERM and SIGKILL: long enough for Scrapy to close its run, short enough not to hang a shutdown.
DEFAULT_KILL_GRACE_SECONDS = 5.0
DAEMON_LIMIT_NAME = "[daemon] crawl_timeout"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
# keys of a child's JSON line that are not its fields, and names `extra=` may not overwrite
_NOT_FIELDS = frozenset({"time", "level", "logger", "message", "exception", "asctime"}) | frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__
)


@dataclass
class ChildResult:
    """How a crawl child process ended."""

    pid: int
    returncode: int | None
    seconds: float
    timed_out: bool = False
    stopped: bool = False
    last_error: str = ""

    def describe_exit(self) -> str:
        """Return a short reason for a child that did not end well."""
        detail = f": {self.last_error}" if self.last_error else ""
        if self.returncode is not None and self.returncode < 0:
            return f"the crawl process was killed by signal {-self.returncode}{detail}"
        return f"the crawl process exited with status {self.returncode}{detail}"


class Child(Protocol):
    """A running child: a `subprocess.Popen`, or a child of the crawl fork server (fork_server.ForkedChild)."""

    pid: int
    returncode: int | None

    def wait(self, timeout: float | None = None) -> int: ...


class ChildProcesses:
    """Start children, enforce their time limit, and stop them all on shutdown.

    `limit_name` names the time limit in the log (the daemon's is the setting [daemon] crawl_timeout).
    With a `fork_server`, a `python -m warta` child is forked from it (no imports to pay);
    if the server fails, the child is started as a plain process.
    """

    def __init__(
        self,
        timeout_seconds: float,
        kill_grace_seconds: float = DEFAULT_KILL_GRACE_SECONDS,
        limit_name: str = DAEMON_LIMIT_NAME,
        fork_server: ForkServer | None = None,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.kill_grace_seconds = kill_grace_seconds
        self.limit_name = limit_name
        self.fork_server = fork_server
        self._children: dict[int, Child] = {}
        self._stopping: set[int] = set()
        self._lock = threading.Lock()

    def run(
        self, label: str, argv: Sequence[str], stdin: bytes = b"", on_output: Callable[[str], None] | None = None
    ) -> ChildResult:
        """Run `argv` with `stdin` as its input to its end or its time limit, and return how it ended.

        Each line the child prints on stdout is passed to `on_output` (on a thread of its own) before this returns.
        """
        started = time.monotonic()
        process, streams = self._start(argv, capture_output=on_output is not None)
        child_stdin, child_stdout, child_stderr = streams
        with self._lock:
            self._children[process.pid] = process
        # A writer thread: a child that never reads its input must still meet its time limit.
        threading.Thread(target=_feed, args=(child_stdin, stdin), daemon=True).start()
        errors: deque[str] = deque(maxlen=1)
        readers = [threading.Thread(target=_relay_log, args=(child_stderr, label, errors), daemon=True)]
        if on_output is not None:
            readers.append(threading.Thread(target=_read_lines, args=(child_stdout, on_output), daemon=True))
        for reader in readers:
            reader.start()
        timed_out = False
        try:
            process.wait(timeout=self.timeout_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            logger.warning(
                "crawl of %s ran past %.0fs (%s); stopping it",
                label,
                self.timeout_seconds,
                self.limit_name,
                extra={"event": "crawl.timeout", "source": label, "timeout_seconds": self.timeout_seconds},
            )
            self._stop(process)
        # A grandchild that outlived the child may hold its pipes open: wait for it no longer than for a kill.
        for reader in readers:
            reader.join(timeout=self.kill_grace_seconds)
        with self._lock:
            self._children.pop(process.pid, None)
            stopped = process.pid in self._stopping
            self._stopping.discard(process.pid)
        return ChildResult(
            pid=process.pid,
            returncode=process.returncode,
            seconds=time.monotonic() - started,
            timed_out=timed_out,
            stopped=stopped and not timed_out,
            last_error=errors[0] if errors else "",
        )

    def _start(self, argv: Sequence[str], capture_output: bool) -> tuple[Child, _Streams]:
        """Start the child in a session of its own; return it with its stdin, stdout (or None) and stderr."""
        if self.fork_server is not None and is_warta_command(argv):
            try:
                return _fork(self.fork_server, argv, capture_output)
            except ForkServerError as error:
                logger.warning("%s; starting the crawl as a new process", error)
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE if capture_output else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        return process, (process.stdin, process.stdout, process.stderr)

    def running(self) -> int:
        """Return how many children are running."""
        with self._lock:
            return len(self._children)

    def stop_all(self) -> None:
        """Stop every running child (SIGTERM, then SIGKILL after the grace period) and wait for them."""
        with self._lock:
            children = list(self._children.values())
            self._stopping.update(child.pid for child in children)
        threads = [threading.Thread(target=self._stop, args=(child,)) for child in children]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _stop(self, process: Child) -> None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=self.kill_grace_seconds)
        except subprocess.TimeoutExpired:
            logger.warning(
                "crawl process %d ignored SIGTERM for %.0fs; killing it", process.pid, self.kill_grace_seconds
            )
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return cast(Callable[..., int], ctypes.CDLL(None, use_errno=True).prctl)
    except (OSError, AttributeError):
        return None


# Resolved once here, so the pre-exec hook only makes a system call and touches no lock.
_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Have the kernel kill the child when its parent (the daemon, the demo) dies, even by kill -9 (Linux only).

    The child runs in its own process group, so nothing else would stop an orphaned
    crawl; the next daemon start then finds its run left open and marks it interrupted.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


_Streams = tuple[IO[bytes] | None, IO[bytes] | None, IO[bytes] | None]


def _fork(server: ForkServer, argv: Sequence[str], capture_output: bool) -> tuple[Child, _Streams]:
    """Start the child as a fork of the crawl fork server, with new pipes as its standard streams."""
    stdin_read, stdin_write = os.pipe()
    stderr_read, stderr_write = os.pipe()
    stdout_read, stdout_write = os.pipe() if capture_output else (None, os.open(os.devnull, os.O_WRONLY))
    ours = [stdin_write, stderr_read] + ([stdout_read] if stdout_read is not None else [])
    try:
        child = server.start(argv, [stdin_read, stdout_write, stderr_write])
    except BaseException:
        for descriptor in ours:
            os.close(descriptor)
        raise
    finally:
        for descriptor in (stdin_read, stdout_write, stderr_write):  # the child has its own copies now
            os.close(descriptor)
    stdout = None if stdout_read is None else os.fdopen(stdout_read, "rb")
    return child, (os.fdopen(stdin_write, "wb"), stdout, os.fdopen(stderr_read, "rb"))


def _signal_group(process: Child, signum: int) -> None:
    # The child leads its own process group, so this also reaches anything it started.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def _feed(stream: IO[bytes] | None, data: bytes) -> None:
    """Write `data` to the child's stdin and close it (a child that exits unread is no error)."""
    if stream is None:
        return
    with contextlib.suppress(BrokenPipeError, OSError), stream:
        stream.write(data)


def _read_lines(stream: IO[bytes] | None, on_output: Callable[[str], None]) -> None:
    """Pass each line the child prints to `on_output`, draining the pipe to its end whatever `on_output` does."""
    if stream is None:
        return
    with stream:
        for raw in stream:
            try:
                on_output(raw.decode("utf-8", errors="replace").rstrip("\n"))
            except Exception:  # a child blocked on a full pipe would hang until its time limit
                logger.exception("the handler of a crawl process's output failed")


def _relay_log(stream: IO[bytes] | None, label: str, errors: deque[str]) -> None:
    """Re-log the child's JSON log lines under this process's `warta.crawl` logger, keeping the last error."""
    if stream is None:
        return
    child_logger = logging.getLogger(f"warta.crawl.{label}")
    run_id: object = None
    with stream:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip()
            if not line:
                continue
            fields: dict[str, object] = {"source": label}
            try:
                entry = json.loads(line)
                level = _LEVELS.get(str(entry.get("level")), logging.INFO)
                message = str(entry.get("message", ""))
                if entry.get("exception"):
                    message = f"{message}\n{entry['exception']}"
                fields.update((key, value) for key, value in entry.items() if key not in _NOT_FIELDS)
            except (ValueError, AttributeError):
                # Not a log line: a traceback or a usage error printed before logging was set up.
                level, message = logging.WARNING, line
            # a line printed without fields (a traceback) still belongs to the run the child opened
            run_id = fields.setdefault("run_id", run_id)
            child_logger.log(level, "[%s] %s", label, message, extra=fields)
            if level >= logging.WARNING:
                errors.append(message.splitlines()[-1] if message else message)
