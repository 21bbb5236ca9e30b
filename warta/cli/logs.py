"""Logging set-up for the CLI and the daemon: readable on a terminal, JSON lines on request.

A log call's `extra=` fields (`event`, `source`, `run_id`, counts, durations) are
kept in both formats: as keys of the JSON object, and as `key=value` pairs after
the text message. Fields bound to the process with `bind_log_fields` (a crawl
child binds its source and run id) are added to every line. The events and
their fields are listed in docs/operations.md.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from warta.config.secrets import mask_text

LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error")
# A service's log is what its operator reads, so it says what it did; a one-shot command prints its
# result instead, and logs only what went wrong (-v shows the rest).
INFO_BY_DEFAULT = frozenset({"daemon"})
# what every LogRecord has; any other attribute came from `extra=` (or bind_log_fields)
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# these lead, in this order, so that a line about a crawl reads the same way each time
_LEADING_FIELDS = ("event", "source", "run_id")
# fields every line of this process carries (a crawl child's source and run id)
_process_fields: dict[str, Any] = {}


def bind_log_fields(**fields: Any) -> None:
    """Add these fields to every later log line of this process (a field given None is kept as null)."""
    _process_fields.update(fields)


def log_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Return the record's structured fields: its `extra=` keys and the process's bound fields, leading ones first."""
    fields = {**_process_fields, **{k: v for k, v in record.__dict__.items() if k not in _RECORD_ATTRIBUTES}}
    leading = {key: fields.pop(key) for key in _LEADING_FIELDS if key in fields}
    return {**leading, **fields}


def _text_value(value: Any) -> str:
    """Return a field value for the text format: bare when it is one plain word, JSON otherwise."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    text = str(value)
    if text and all(char.isalnum() or char in "._-:/@+" for char in text):
        return text
    return json.dumps(text, ensure_ascii=False)


def choose_log_level(log_level: str | None, verbose: bool, quiet: bool, command: str | None) -> str:
    """Return the level to log at: --log-level, else -v (info) or -q (error), else the command's default.

    Raises ValueError when the options contradict each other.
    """
    given = [name for name, is_set in (("--log-level", log_level), ("-v", verbose), ("-q", quiet)) if is_set]
    if len(given) > 1:
        raise ValueError(f"{' and '.join(given)} contradict each other; give one of them")
    if log_level:
        return log_level.lower()
    if verbose:
        return "info"
    if quiet:
        return "error"
    return "info" if command in INFO_BY_DEFAULT else "warning"


class JsonLineFormatter(logging.Formatter):
    """Format each record as one JSON object per line, with credentials masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_text(record.getMessage()),
        }
        for key, value in log_fields(record).items():
            entry.setdefault(key, mask_text(value) if isinstance(value, str) else value)
        if record.exc_info:
            entry["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class MaskingFormatter(logging.Formatter):
    """The plain text formatter with the fields as `key=value` after the message, credentials masked."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={_text_value(value)}" for key, value in log_fields(record).items())
        message = super().formatMessage(record)
        return f"{message} {fields}" if fields else message

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


def setup_logging(level: str = "INFO", log_format: str = "text") -> None:
    """Send warta's logs to stderr in the chosen format at the chosen level."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLineFormatter())
    else:
        handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Scrapy and SQLAlchemy are chatty at INFO; their detail is for --log-level debug.
    for noisy in ("scrapy", "twisted", "sqlalchemy", "alembic", "apscheduler", "trafilatura", "htmldate"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


@contextmanager
def quiet_unless_verbose(*names: str) -> Iterator[None]:
    """Silence these loggers for the block unless INFO logs were asked for (-v, --log-level info or debug)."""
    if logging.getLogger().level <= logging.INFO:
        yield
        return
    loggers = [logging.getLogger(name) for name in names]
    levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for each, level in zip(loggers, levels, strict=True):
            each.setLevel(level)
