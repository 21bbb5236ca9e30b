"""Delivering alerts to a webhook: a JSON POST per alert, retried with backoff, in a background thread.

A webhook that is down never holds up or stops the daemon: alerts wait in a
queue, each is tried a few times with growing pauses, and the outcome (attempts,
delivered time) is handed to a callback that records it.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warta.config.secrets import mask_url
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)

DeliveryCallback = Callable[[int, int, datetime | None], None]


@dataclass(frozen=True)
class WebhookMessage:
    """One alert to deliver: its id and the JSON body."""

    alert_id: int
    payload: dict[str, Any]


class WebhookSender:
    """POST alerts as JSON to one URL, with retries, from a background thread."""

    def __init__(
        self,
        url: str,
        on_delivery: DeliveryCallback,
        attempts: int = 5,
        first_backoff_seconds: float = 1.0,
        timeout_seconds: float = 10.0,
        user_agent: str = "warta",
    ) -> None:
        self.url = url
        self.on_delivery = on_delivery
        self.attempts = attempts
        self.first_backoff_seconds = first_backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.user_agent = user_agent
        self._queue: queue.Queue[WebhookMessage | None] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._work, name="webhook", daemon=True)

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread.start()

    def send(self, message: WebhookMessage) -> None:
        """Queue an alert for delivery; return at once."""
        self._queue.put(message)

    def stop(self, timeout_seconds: float = 5.0) -> None:
        """Stop after the alert being delivered; undelivered alerts keep attempts and no delivered time."""
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout=timeout_seconds)

    def _work(self) -> None:
        while True:
            message = self._queue.get()
            if message is None:
                return
            attempts, delivered_at = self._deliver(message)
            try:
                self.on_delivery(message.alert_id, attempts, delivered_at)
            except Exception:
                logger.exception("could not record the webhook delivery of alert %d", message.alert_id)

    def _deliver(self, message: WebhookMessage) -> tuple[int, datetime | None]:
        body = json.dumps(message.payload, ensure_ascii=False).encode("utf-8")
        backoff = self.first_backoff_seconds
        for attempt in range(1, self.attempts + 1):
            problem = self._post(body)
            if problem is None:
                logger.info("alert %d delivered to the webhook (attempt %d)", message.alert_id, attempt)
                return attempt, utcnow()
            if attempt == self.attempts:
                logger.warning(
                    "alert %d not delivered to %s after %d attempts: %s (check [daemon] webhook_url)",
                    message.alert_id,
                    mask_url(self.url),
                    attempt,
                    problem,
                )
                return attempt, None
            logger.info(
                "webhook attempt %d for alert %d failed: %s; retrying in %.0fs",
                attempt,
                message.alert_id,
                problem,
                backoff,
            )
            if self._stopping.wait(backoff):
                return attempt, None
            backoff *= 2
        return self.attempts, None

    def _post(self, body: bytes) -> str | None:
        """POST once; return None on a 2xx answer, else what went wrong."""
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": self.user_agent},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                response.read()
                return None
        except urllib.error.HTTPError as exc:
            exc.close()
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return str(getattr(exc, "reason", exc))
