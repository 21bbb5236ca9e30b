"""Running a crawl: all requested sources in one Scrapy process, in this process or in a fresh subprocess.

Scrapy's Twisted reactor cannot be restarted, so `run_crawl` may be called once
per process. Long-lived callers (the demo, the daemon) use
`run_crawl_in_subprocess`, which runs `run_crawl` in a spawned child and returns
its report; a crawl past its time limit is asked to stop (its runs end as
"timeout"), then killed if it does not.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path

from scrapy.crawler import AsyncCrawlerProcess, Crawler

from warta.config import ConfigError, SourceConfig, WartaConfig, load_config
from warta.config.secrets import reveal
from warta.crawler.errors import CrawlAlreadyRanError, CrawlProcessError, UnknownSourceError
from warta.crawler.extractor_pool import ExtractorPool
from warta.crawler.recorder import SourceRecorder, recorder_settings, run_progress
from warta.crawler.report import CrawlReport, ProgressEvent, SourceReport
from warta.crawler.settings import scrapy_settings
from warta.crawler.spiders import SPIDERS, spider_arguments
from warta.storage.database import Database
from warta.storage.errors import StorageError, database_errors
from warta.storage.runs import finish_run

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[ProgressEvent], None]
# After the time limit: SIGTERM asks Scrapy to close the spiders (in-flight downloads still finish);
# a second SIGTERM after STOP_GRACE_SECONDS stops the reactor at once; SIGKILL after KILL_GRACE_SECONDS.
STOP_GRACE_SECONDS = 3.0
KILL_GRACE_SECONDS = 15.0
_has_run = False


def select_sources(cfg: WartaConfig, source_ids: Sequence[str] | None) -> list[SourceConfig]:
    """Return the sources to crawl: the named ones (in order), else every enabled source."""
    if not source_ids:
        return cfg.enabled_sources()
    known = [source.id for source in cfg.sources]
    unknown = [source_id for source_id in source_ids if source_id not in known]
    if unknown:
        raise UnknownSourceError(
            f"unknown source id {', '.join(unknown)}; configured sources: {', '.join(known) or '(none)'}"
        )
    return [cfg.source(source_id) for source_id in dict.fromkeys(source_ids)]


def run_crawl(
    cfg: WartaConfig,
    source_ids: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    article_limit: int | None = None,
) -> CrawlReport:
    """Crawl the sources once in one Scrapy process and return the report (once per process).

    Each source's run is opened and settled by its crawler's recorder (crawler.recorder).
    `article_limit` caps the discovered articles fetched per source (for previews).
    """
    global _has_run
    sources = select_sources(cfg, source_ids)
    if _has_run:
        raise CrawlAlreadyRanError(
            "run_crawl already ran in this process and Scrapy's reactor cannot restart; "
            "use crawler.runner.run_crawl_in_subprocess for repeated crawls"
        )
    _has_run = True
    # an unreachable or outdated database stops the crawl before any source starts
    Database.from_config(cfg, create=True).dispose()
    with ExtractorPool() as pool:
        return _crawl(cfg, sources, pool, progress, article_limit)


def _crawl(
    cfg: WartaConfig,
    sources: list[SourceConfig],
    pool: ExtractorPool,
    progress: ProgressCallback | None,
    article_limit: int | None = None,
) -> CrawlReport:
    levels = {name: logging.getLogger(name).level for name in ("scrapy", "twisted")}
    # Creating the process resets Scrapy's loggers to DEBUG (logging.config.dictConfig) and then logs
    # its version banner; silence the banner unless the operator asked for debug output.
    banners = [logging.getLogger(name) for name in ("scrapy.utils.log", "scrapy.crawler")]
    for banner in banners:
        banner.disabled = levels["scrapy"] != logging.DEBUG
    process = AsyncCrawlerProcess({**scrapy_settings(cfg), **recorder_settings(reveal(cfg.storage.url))})
    for banner in banners:
        banner.disabled = False
    # keep the levels our CLI chose; Scrapy's child loggers inherit them again
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    crawlers: list[tuple[SourceConfig, Crawler]] = []
    for source in sources:
        crawler = process.create_crawler(SPIDERS[source.kind])
        if progress is not None:
            crawler.signals.connect(_receiver(progress), signal=run_progress, weak=False)
        process.crawl(crawler, **spider_arguments(cfg, source, pool, article_limit))
        crawlers.append((source, crawler))
    process.start()
    return CrawlReport([source_report(source, crawler) for source, crawler in crawlers])


def source_report(source: SourceConfig, crawler: Crawler) -> SourceReport:
    """Return the report the crawler's recorder settled, or a failure when the spider never opened."""
    try:
        recorder = crawler.get_extension(SourceRecorder)
    except RuntimeError:  # the crawl failed before Scrapy built its extensions
        recorder = None
    if recorder is not None and recorder.report is None and recorder.run_id is not None:
        # the reactor stopped before the spider closed (a second Ctrl-C): its run still ends, interrupted
        recorder.spider_closed(crawler.spider, "shutdown")
    if recorder is None or recorder.report is None:
        return SourceReport(source.id, status="failed", error="the spider did not start; see the log for the exception")
    return recorder.report


def _receiver(progress: ProgressCallback) -> Callable[[ProgressEvent], None]:
    """Return a receiver of the recorder's progress signal that calls `progress` (Scrapy inspects receivers)."""

    def receive(event: ProgressEvent) -> None:
        progress(event)

    return receive


def run_crawl_in_subprocess(
    config_path: Path,
    source_ids: Sequence[str] | None = None,
    timeout_seconds: float | None = None,
    progress: ProgressCallback | None = None,
) -> CrawlReport:
    """Run `run_crawl` in a spawned child process and return its report; stop it past `timeout_seconds`.

    Raises UnknownSourceError for an unknown source id, and CrawlProcessError when
    the child ends without a report (unreadable config, database down, crash).
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_crawl_in_child,
        args=(str(config_path), list(source_ids or []), sender, _log_level(), progress is not None),
        name="warta-crawl",
    )
    child.start()
    sender.close()
    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    runs: dict[str, int] = {}
    report: CrawlReport | None = None
    failure: tuple[str, str] | None = None
    stop_signals = 0
    while report is None and failure is None:
        if deadline is not None and time.monotonic() > deadline:
            if stop_signals == 0:
                logger.warning("crawl of %s passed %.0f s: stopping it", config_path, timeout_seconds)
            if stop_signals < 2:
                child.terminate()  # Scrapy shuts down on SIGTERM and the child still reports
                stop_signals += 1
                deadline = time.monotonic() + (STOP_GRACE_SECONDS if stop_signals == 1 else KILL_GRACE_SECONDS)
            else:
                child.kill()
                break
        if not receiver.poll(0.2):
            if not child.is_alive() and not receiver.poll(0):
                break
            continue
        try:
            kind, payload = receiver.recv()
        except EOFError:
            break
        if kind == "progress":
            event = ProgressEvent(**payload)
            if event.run_id is not None:
                runs[event.source_id] = event.run_id
            if progress is not None:
                progress(event)
        elif kind == "report":
            report = CrawlReport.from_dict(payload)
        elif kind == "error":
            failure = payload
    child.join()
    receiver.close()
    if failure is not None:
        error_type, message = failure
        raise UnknownSourceError(message) if error_type == "unknown_source" else CrawlProcessError(message)
    if stop_signals:
        return _timed_out(config_path, source_ids, runs, report, timeout_seconds or 0.0)
    if report is None:
        raise CrawlProcessError(f"the crawl process ended with exit code {child.exitcode} before reporting")
    return report


def _timed_out(
    config_path: Path,
    source_ids: Sequence[str] | None,
    runs: dict[str, int],
    report: CrawlReport | None,
    timeout_seconds: float,
) -> CrawlReport:
    """Mark the runs of a stopped crawl as timed out and return what is known of them."""
    error = f"the crawl passed its time limit of {timeout_seconds:.0f} s and was stopped"
    cfg = load_config(config_path)
    database = Database(reveal(cfg.storage.url))
    try:
        with database_errors("could not mark the stopped crawl's runs as timed out"), database.transaction() as session:
            for run_id in runs.values():
                finish_run(session, run_id, "timeout", {}, error)
    except StorageError as exc:
        logger.warning("%s", exc)
    finally:
        database.dispose()
    ids = [source.id for source in select_sources(cfg, source_ids)]
    reports = {item.id: item for item in (report.sources if report else [])}
    result = []
    for source_id in ids:
        item = reports.get(source_id) or SourceReport(source_id, run_id=runs.get(source_id))
        item.status, item.error = "timeout", error
        result.append(item)
    return CrawlReport(result)


def _log_level() -> int:
    """Return the level the child should log at: the parent's, WARNING when the parent set none."""
    return logging.getLogger().getEffectiveLevel() or logging.WARNING


def _crawl_in_child(
    config_path: str, source_ids: list[str], sender: Connection, log_level: int, send_progress: bool
) -> None:
    """Run one crawl in the spawned child and send its report (or its error) to the parent."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    for noisy in ("scrapy", "twisted", "trafilatura", "htmldate", "sqlalchemy", "alembic"):
        logging.getLogger(noisy).setLevel(max(log_level, logging.WARNING))

    def forward(event: ProgressEvent) -> None:
        # The parent learns each run id from the first event, to close the runs if it must stop us.
        if send_progress or event.fetched == 0:
            sender.send(("progress", asdict(event)))

    try:
        cfg = load_config(Path(config_path))
        report = run_crawl(cfg, source_ids or None, progress=forward)
    except UnknownSourceError as exc:
        sender.send(("error", ("unknown_source", str(exc))))
    except (ConfigError, StorageError) as exc:
        sender.send(("error", ("failed", str(exc))))
    else:
        sender.send(("report", report.as_dict()))
    finally:
        sender.close()
