"""Regenerate the archive browser's screenshots in docs/: `python -m bench.screenshots`.

Runs `warta demo --once` into a temporary folder, serves the demo archive with the
application `warta serve` runs, and photographs four pages in Debian's chromium
(driven by Playwright): the home page, a search, the diff of the story edited on
day two, and a source's page. Each PNG is 1000 px wide and one screen high, so the
repository stays small.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import ViewportSize, sync_playwright

from warta.config import load_config
from warta.config.secrets import reveal
from warta.storage.database import Database
from warta.web.dispatch import make_warta_app
from warta.web.server import HttpServer

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1000, "height": 760}
EDITED_STORY_TITLE = "Setu Babakan"


def main(argv: list[str] | None = None) -> int:
    """Photograph the demo archive's pages into the output folder (docs/ by default)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=Path("docs"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="warta-screenshots-") as name:
        demo_dir = Path(name) / "demo"
        subprocess.run(
            [sys.executable, "-m", "warta", "demo", "--once", "--dir", str(demo_dir), "--port", "0"],
            check=True,
            capture_output=True,
        )
        cfg = load_config(demo_dir / "warta.toml", environ={})
        database = Database(reveal(cfg.storage.url))
        server = HttpServer.bind(make_warta_app(cfg, database, environ={}), "127.0.0.1", 0)
        server.start()
        try:
            pages = {
                "browser-home.png": "",
                "browser-search.png": "search?q=festival",
                # the fragment scrolls to the diff: the story's facts fill the first screen
                "browser-story-diff.png": f"stories/{edited_story_id(server.url)}#revisions-heading",
                "browser-source.png": "sources/disbud",
            }
            photograph(server.url, pages, args.output, args.chromium)
        finally:
            server.stop()
            database.dispose()
    for name in pages:
        print(f"{args.output / name}: {(args.output / name).stat().st_size:,} bytes")
    return 0


def edited_story_id(base_url: str, most_stories: int = 100) -> int:
    """Return the id of the demo story edited on day two (the one about Setu Babakan, with two revisions)."""
    for story_id in range(1, most_stories + 1):
        try:
            story = fetch_json(f"{base_url}api/stories/{story_id}")
        except urllib.error.HTTPError:
            continue
        if EDITED_STORY_TITLE in story["title"] and len(story["revisions"]) > 1:
            return story_id
    raise SystemExit(f"no story titled with {EDITED_STORY_TITLE!r} has two revisions; did the demo change?")


def fetch_json(url: str) -> Any:
    """Return the JSON answer to GET `url`."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def photograph(base_url: str, pages: dict[str, str], output: Path, chromium: str) -> None:
    """Save a one-screen PNG of each page (file name: path under `base_url`) into `output`."""
    output.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
            page = context.new_page()
            for name, path in pages.items():
                page.goto(base_url + path)
                page.screenshot(path=str(output / name), full_page=False)
        finally:
            browser.close()


if __name__ == "__main__":
    raise SystemExit(main())
