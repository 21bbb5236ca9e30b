"""Logging set-up for the CLI and the daemon: readable on a terminal, JSON lines on request."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from warta.config.secrets import mask_text

LOG_FORMATS = ("text", "json")


class JsonLineFormatter(logging.Formatter):
    """Format each record as one JSON object per line, with credentials masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_text(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class MaskingFormatter(logging.Formatter):
    """The plain text formatter, with credentials masked."""

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
