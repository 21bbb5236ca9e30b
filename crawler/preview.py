"""`warta preview`: crawl a few pages of one source and show what would be recorded, storing nothing.

The preview runs the real crawl (same spiders, extraction and topic matching)
into a scratch SQLite database in a temporary folder, then reads back what was
recorded, skipped and failed. The configured archive is never opened, so a
preview neither adds documents nor sends conditional requests from its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warta.config import WartaConfig
from warta.config.secrets import SecretUrl
from warta.crawler.report import SourceReport
from warta.crawler.runner import run_crawl
from warta.crawler.selection import select_sources
from warta.storage.database import Database
from warta.storage.exports import DocumentFilter, iter_documents
from warta.storage.memberships import bring_memberships_up_to_date
from warta.storage.runs import run_errors
from warta.storage.topics import TopicMatcher


@dataclass(frozen=True)
class PreviewPage:
    """A page the crawl would record."""

    url: str
    title: str
    published: datetime | None
    language: str | None
    text: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class PreviewResult:
    """What a preview crawl found for one source."""

    report: SourceReport
    pages: list[PreviewPage]
    skipped: list[tuple[str, str]]
    errors: list[tuple[str, str]]


def preview_source(cfg: WartaConfig, source_id: str, limit: int, scratch_dir: Path) -> PreviewResult:
    """Crawl up to `limit` discovered articles of the source into `scratch_dir`; return what was found.

    Runs the crawl in this process, so it can be called once per process.
    Raises UnknownSourceError for a source id that is not configured.
    """
    (source,) = select_sources(cfg, [source_id])
    scratch_url = f"sqlite:///{scratch_dir / 'preview.db'}"
    scratch_cfg = cfg.model_copy(
        update={
            "storage": cfg.storage.model_copy(update={"url": SecretUrl(scratch_url)}),
            # a preview shows what would be recorded; it fetches no page requisites
            "sources": [source.model_copy(update={"enabled": True, "capture_requisites": False})],
        }
    )
    report = run_crawl(scratch_cfg, [source.id], article_limit=limit).source(source.id)
    database = Database(scratch_url)
    try:
        # the pages' topics, matched as a feed build would (crawls do not match)
        bring_memberships_up_to_date(database, TopicMatcher.from_config(scratch_cfg))
        with database.reading() as session:
            pages = [
                PreviewPage(
                    url=row.canonical_url,
                    title=current.title,
                    published=current.published,
                    language=current.language,
                    text=current.text,
                    topics=row.topics,
                )
                for row in iter_documents(session, DocumentFilter(current_only=True))
                if (current := row.current) is not None
            ]
            errors = run_errors(session, report.run_id) if report.run_id is not None else []
    finally:
        database.dispose()
    skipped = [(url, reason) for url, reason in report.skipped_pages]
    return PreviewResult(report, pages, skipped, errors)
