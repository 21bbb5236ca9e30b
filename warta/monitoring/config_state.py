"""Whether the daemon runs on the config file as it is now, or on an older one because a reload was refused.

A refused reload leaves the daemon on the config it accepted last: crawls,
feeds and exports keep working. This state is how an operator learns that the
file on disk is not what runs (in /healthz and in metrics).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warta.config.secrets import mask_text


@dataclass(frozen=True)
class ConfigState:
    """ "ok" since the config in use was accepted, or "reload_refused" since a reload was first refused."""

    status: str
    since: datetime
    problems: tuple[str, ...] = ()

    @classmethod
    def accepted(cls, at: datetime) -> ConfigState:
        """Return the state of a config accepted at `at`."""
        return cls("ok", at)

    def refused(self, at: datetime, problems: list[str]) -> ConfigState:
        """Return the state after a reload at `at` was refused for `problems` (kept since the first refusal)."""
        since = self.since if self.is_refused else at
        # a refused value may be a URL with a password in it
        return ConfigState("reload_refused", since, tuple(mask_text(problem) for problem in problems))

    @property
    def is_refused(self) -> bool:
        """Return True while the daemon runs on a config older than the file's last reload."""
        return self.status == "reload_refused"

    def as_dict(self) -> dict[str, Any]:
        """Return the state as /healthz shows it."""
        return {"status": self.status, "since": self.since.isoformat(), "problems": list(self.problems)}
