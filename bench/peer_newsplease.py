"""The peer: news-please's library extraction (`NewsPlease.from_html`) over the same pages as warta's crawl.

news-please is installed by the benchmark into its own virtual environment
under .bench-cache/ (it pins libraries warta does not want), and runs there as
a separate process over the article files; the result is skipped with the
reason when pip cannot install it. news-please takes most of a second per page,
so it runs over an evenly spread sample of the pages; the figure compared is
pages per second either way.
"""

from __future__ import annotations

import json
import logging
import subprocess
import venv
from pathlib import Path

from bench.crawls import CrawlMeasure
from bench.harness import BenchResult, skipped

logger = logging.getLogger(__name__)

CACHE = Path(__file__).resolve().parents[1] / ".bench-cache"
PACKAGE = "news-please"
NAME = "warta crawl vs news-please NewsPlease.from_html"
GOAL = 8.0  # issue 23: at least 8 times news-please on the same pages
RUNNER = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from newsplease import NewsPlease
site_url, files = sys.argv[1], sys.argv[2:]
def page(name):
    return open(name, "rb").read().replace(b"{{site_url}}", site_url.encode()).decode("utf-8", "replace")
pages = [(page(name), name) for name in files]
NewsPlease.from_html(pages[0][0], url=site_url + "/warm-up", fetch_images=False)
extracted = 0
start = time.perf_counter()
for html, name in pages:
    article = NewsPlease.from_html(html, url=site_url + "/berita/" + name.rsplit("/", 1)[-1][:-5], fetch_images=False)
    extracted += bool(article.maintext)
print(json.dumps({"pages": len(pages), "seconds": time.perf_counter() - start, "extracted": extracted}))
"""


def newsplease_python(cache: Path = CACHE) -> Path | str:
    """Return the Python of a venv with news-please installed, or the reason it could not be installed."""
    home = cache / "newsplease-venv"
    python = home / "bin" / "python"
    probe = [str(python), "-c", "import newsplease"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python
    logger.info("installing %s into %s (once; the cache is reused)", PACKAGE, home)
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PACKAGE],
        capture_output=True,
        text=True,
        check=False,
    )
    if install.returncode != 0 or subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        lines = (install.stderr or install.stdout).strip().splitlines()
        return f"pip could not install {PACKAGE}: {lines[-1] if lines else 'no output'}"
    return python


def run(files: list[Path], site_url: str, crawl: CrawlMeasure, sample: int = 100) -> BenchResult:
    """Return warta's crawl throughput as a multiple of news-please's over a sample of the same pages."""
    python = newsplease_python()
    if isinstance(python, str):
        return skipped(NAME, python)
    step = max(1, len(files) // sample)
    chosen = files[::step][:sample]
    completed = subprocess.run(
        [str(python), "-c", RUNNER, site_url, *map(str, chosen)], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        return skipped(NAME, f"news-please failed: {completed.stderr.strip().splitlines()[-1:]}")
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    peer_rate = measured["pages"] / measured["seconds"]
    warta_rate = crawl.pages_recorded / crawl.seconds
    return BenchResult(
        name=NAME,
        ratio=warta_rate / peer_rate,
        goal=GOAL,
        higher_is_better=True,
        detail=(
            f"{warta_rate:.1f} pages/s (whole crawl) vs {peer_rate:.2f} pages/s (extraction only, "
            f"{measured['pages']} of the pages, {measured['extracted']} with text)"
        ),
    )
