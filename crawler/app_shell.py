"""Recognizing an application shell: a page whose server HTML holds little text and lets scripts build the rest.

Such a page archives nothing when read as sent; it needs `render = "browser"`, or its JSON API
read as a `kind = "json"` source. This module only judges the HTML; rendering is crawler.page_requests.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

# Below this many words of visible text a page with a script bundle or an empty root is a shell.
MAX_SHELL_WORDS = 40
# Ids and classes of the element that single-page-application frameworks mount into.
ROOT_NAMES = frozenset({"app", "root", "__next", "__nuxt", "main-app", "application", "svelte", "ember-app"})


@dataclass(frozen=True)
class AppShell:
    """Why a page looks like an application shell."""

    words: int
    scripts: tuple[str, ...]
    empty_root: str | None  # e.g. 'div#app'

    def describe(self) -> str:
        """Return one line saying what was seen."""
        seen = [f"{self.words} words of text"]
        if self.scripts:
            seen.append(f"script bundle {self.scripts[0]}")
        if self.empty_root:
            seen.append(f"an empty {self.empty_root}")
        return ", ".join(seen)


def detect_app_shell(body: bytes) -> AppShell | None:
    """Return why the HTML is an application shell (little text, and a script bundle or an empty root), else None."""
    if not body.strip():
        return None
    try:
        page = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return None
    scripts = tuple(str(src) for src in page.xpath("//script/@src"))
    for element in page.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    words = len(" ".join(page.xpath("//body//text()")).split())
    root = _empty_root(page)
    if words > MAX_SHELL_WORDS or not (scripts or root):
        return None
    return AppShell(words=words, scripts=scripts, empty_root=root)


def _empty_root(page: lxml.html.HtmlElement) -> str | None:
    for element in page.xpath("//body//*[@id or @class]"):
        names = {element.get("id") or "", *(element.get("class") or "").split()}
        if names & ROOT_NAMES and not "".join(element.itertext()).strip():
            marker = f"#{element.get('id')}" if element.get("id") else f".{sorted(names & ROOT_NAMES)[0]}"
            return f"{element.tag}{marker}"
    return None
