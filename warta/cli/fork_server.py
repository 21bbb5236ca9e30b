"""The crawl fork server: a process that imports `warta crawl` once, and runs each crawl in a fork of itself.

A scheduled crawl is a child process (Scrapy's reactor cannot restart), and a
fresh `python -m warta crawl` spends most of a CPU-second importing Scrapy,
Twisted, SQLAlchemy, trafilatura and warta before it fetches anything. The
daemon starts this server once (`warta.daemon.executors.fork_server` is its
other end); for each crawl it sends the command's arguments and three pipe
descriptors (stdin, stdout, stderr) over a Unix socket, and the server forks a
child that runs the command exactly as `python -m warta ARGS` would, with those
pipes as its standard streams. The child then imports nothing more, and the
extraction workers it forks (crawler.extractor_pool) are warm too.

The server stays single-threaded and opens nothing but its socket, so a fork of
it is as clean as a new process: no reactor, no event loop, no database
connection, no thread. Each child leads a session of its own (so the daemon can
stop it and whatever it started with one `killpg`) and is killed by the kernel
when the server dies; the server is killed when the daemon dies. The server
reaps its children and reports each exit status. It ends when the daemon closes
the socket.

Messages are JSON, one per datagram of a SOCK_SEQPACKET socket:
- daemon -> server: {"argv": [...]} with the descriptors of the child's stdin, stdout and stderr;
- server -> daemon: {"pid": N} for each request, in order, and {"exited": N, "returncode": R} when a child ends
  (R is negative for a signal, as subprocess gives it).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import socket
import sys
from dataclasses import dataclass

from warta.daemon.executors.child_process import die_with_parent

# What a crawl imports before it fetches anything; importing it here is what every fork saves.
PRELOADED = ("warta.cli.root", "warta.cli.crawl", "warta.crawler.extraction")
STREAMS = 3  # stdin, stdout, stderr
MAX_MESSAGE = 1 << 16


@dataclass(frozen=True)
class Job:
    """What a forked child runs: the `warta` arguments, with the descriptors that become its standard streams."""

    args: list[str]
    streams: list[int]


def serve(control: socket.socket) -> Job | None:
    """Fork a child for each request on `control` and report its pid and exit; return None when the daemon hangs up.

    In a forked child this returns the child's job instead, with the server's own descriptors closed.
    """
    running: dict[int, int] = {}  # a pidfd of each running child -> its pid
    while True:
        readable, _, _ = select.select([control.fileno(), *running], [], [])
        for ready in readable:
            if ready == control.fileno():
                message, streams, _, _ = socket.recv_fds(control, MAX_MESSAGE, STREAMS)
                if not message:  # the daemon closed its end
                    return None
                args = json.loads(message)["argv"]
                started_read, started_write = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.setsid()  # before the daemon hears of it: its first killpg must reach the child's group
                    for descriptor in (started_read, started_write, *running):
                        os.close(descriptor)
                    control.close()
                    return Job(args, streams)
                os.close(started_write)
                os.read(started_read, 1)  # end of file once the child has its session
                os.close(started_read)
                for stream in streams:
                    os.close(stream)
                running[os.pidfd_open(pid)] = pid  # a zombie keeps its pid until reaped, so this cannot miss an exit
                control.send(json.dumps({"pid": pid}).encode())
            else:
                pid = running.pop(ready)
                os.close(ready)
                _, status = os.waitpid(pid, 0)
                control.send(json.dumps({"exited": pid, "returncode": os.waitstatus_to_exitcode(status)}).encode())


def become_child(job: Job, server: int) -> None:
    """Turn this fresh fork (already in a session of its own) into the crawl process: its streams and signals."""
    die_with_parent()  # the server: it dies with the daemon, so no crawl is left orphaned
    if os.getppid() != server:  # the server died before the kernel was told: nothing would stop this crawl
        os._exit(1)
    for target, stream in enumerate(job.streams):
        os.dup2(stream, target)
        os.close(stream)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in any Python process
    sys.argv = ["warta", *job.args]


def main() -> None:
    """Preload the crawl command, then serve the daemon on the socket whose descriptor is the first argument."""
    for module in PRELOADED:
        __import__(module)
    from warta.crawler.settings import component_modules  # imported with PRELOADED's warta.cli.crawl

    for module in component_modules():  # the middlewares, extensions and handler Scrapy loads by name
        __import__(module)
    # Objects made by the imports are never freed: keep the collector from touching (and so copying) their pages.
    gc.freeze()
    control = socket.socket(fileno=int(sys.argv[1]))
    server, job = os.getpid(), None
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the daemon is gone: so is the server
        job = serve(control)
    if job is None:
        return
    become_child(job, server)
    from warta.cli.root import cli

    cli.main(args=job.args, prog_name="warta")  # exits the child as `python -m warta ARGS` would


if __name__ == "__main__":
    main()
