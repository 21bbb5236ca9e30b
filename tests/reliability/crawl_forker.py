"""A crawl launcher for crash tests: imports warta once, then forks one crawl per line read on stdin.

Usage: python -m tests.reliability.crawl_forker CONFIG. For each input line it forks a
child that runs one crawl of every source (crawler.runner.run_crawl) and prints
"started PID"; when the child ends it prints "ended PID STATUS" (STATUS is the
exit code, or -N for signal N). Forking skips the two seconds of imports a fresh
`warta crawl` costs, so a test can kill twenty crawls in the time of a few.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from warta.config import load_config
from warta.crawler.runner import run_crawl


def main() -> None:
    """Fork a crawl per line of stdin and report each child's pid and end."""
    config_path = Path(sys.argv[1])
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    for _line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                run_crawl(load_config(config_path))
            except BaseException:  # the child must never return into the loop
                logging.exception("crawl failed")
                status = 1
            finally:
                os._exit(status)
        print(f"started {pid}", flush=True)
        _, wait_status = os.waitpid(pid, 0)
        print(f"ended {pid} {os.waitstatus_to_exitcode(wait_status)}", flush=True)


if __name__ == "__main__":
    main()
