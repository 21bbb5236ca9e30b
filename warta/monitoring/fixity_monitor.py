"""Recording each scheduled fixity check's result, and raising an alert when it changes.

A check's result is "ok" (every digest matched) or "failed". As for a source's
health (warta.monitoring.health.should_alert), an alert is raised when the
result changes: a check that starts failing, and one that recovers; a first
run that finds everything in order is not news. The run and the alert are
stored in one transaction; the alert goes to alerts.atom and the webhook the
way a source's alerts do (the `publish` callback, SourceMonitor.publish).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from warta.archive.fixity import FixityReport
from warta.monitoring.health import should_alert
from warta.monitoring.source_monitor import RaisedAlert, feed_entry
from warta.storage.alerts import record_alert
from warta.storage.database import Database
from warta.storage.fixity import latest_fixity_checks, record_fixity_check
from warta.storage.models import FixityCheck

logger = logging.getLogger(__name__)

# Mismatches kept with a stored run and named in its alert (all of them: `warta verify`).
PROBLEMS_KEPT = 5


@dataclass(frozen=True)
class FixityResult:
    """The latest run of one check, as /healthz shows it."""

    check_id: str
    finished_at: datetime
    checked: dict[str, int]
    problems: int
    first_problems: tuple[str, ...]

    @property
    def is_ok(self) -> bool:
        """Return True when the run found no mismatch."""
        return self.problems == 0

    @classmethod
    def from_row(cls, row: FixityCheck) -> FixityResult:
        """Return the result a stored run records."""
        details = tuple(line for line in row.details.splitlines() if line)
        return cls(row.check_id, row.finished_at, dict(row.checked), row.problems, details)

    def as_dict(self) -> dict[str, object]:
        """Return the result as JSON-ready values."""
        return {
            "ok": self.is_ok,
            "finished_at": self.finished_at.isoformat(),
            "checked": self.checked,
            "problems": self.problems,
            "first_problems": list(self.first_problems),
        }


def result_state(problems: int | None) -> str:
    """Return "ok", "failed", or "unknown" for a check that never ran (problems None)."""
    if problems is None:
        return "unknown"
    return "ok" if problems == 0 else "failed"


class FixityMonitor:
    """Store each check's result and publish an alert when it changes."""

    def __init__(self, database: Database, publish: Callable[[RaisedAlert], None]) -> None:
        self.database = database
        self.publish = publish

    def latest(self) -> dict[str, FixityResult]:
        """Return the latest stored result of each check."""
        with self.database.reading() as session:
            return {key: FixityResult.from_row(row) for key, row in latest_fixity_checks(session).items()}

    def record(
        self, check_id: str, started_at: datetime, finished_at: datetime, report: FixityReport
    ) -> tuple[FixityResult, RaisedAlert | None]:
        """Store the run, raise an alert if its result changed, and return the result and the alert."""
        shown = tuple(str(problem) for problem in report.problems[:PROBLEMS_KEPT])
        with self.database.transaction() as session:
            previous = latest_fixity_checks(session).get(check_id)
            row = record_fixity_check(
                session, check_id, started_at, finished_at, report.checked, report.problem_count, "\n".join(shown)
            )
            result = FixityResult.from_row(row)
            before = result_state(previous.problems if previous is not None else None)
            after = result_state(report.problem_count)
            raised = None
            if should_alert(before, after):
                reason = _reason(report, shown)
                alert = record_alert(session, None, before, after, reason, finished_at, check_id=check_id)
                raised = RaisedAlert(alert.id, feed_entry(alert, {}))
        if raised is not None:
            logger.warning(
                "fixity check %s is now %s (was %s): %s",
                check_id,
                after,
                before,
                raised.entry.reason or "every digest matches again",
                extra={"event": "alert.raised", "check": check_id, "alert_id": raised.id, "health": after},
            )
            self.publish(raised)
        return result, raised


def _reason(report: FixityReport, shown: tuple[str, ...]) -> str:
    if report.is_ok:
        return ""
    more = report.problem_count - len(shown)
    return (
        f"{report.problem_count} mismatched records: "
        + "; ".join(shown)
        + (f"; and {more} more" if more > 0 else "")
        + " (the full list: warta verify)"
    )
