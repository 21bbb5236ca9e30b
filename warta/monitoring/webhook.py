"""Delivering alerts to a webhook: a JSON POST per alert, retried with backoff, in a background thread.

A webhook that is down never holds up or stops the daemon: alerts wait in a
queue, each is tried a few times with growing pauses (tenacity, each retry
logged with its reason), and the outcome (attempts, delivered time) is handed
to a callback that records it. Each outcome (delivered, failed for good, or
retried after a failed attempt) is also handed to an optional counter.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_when_event_set,
    wait_exponential,
)

from warta.config.errors import WartaError
from warta.config.secrets import mask_text, mask_url
from warta.crawler.http_client import http_client
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)

DeliveryCallback = Callable[[int, int, datetime | None], None]
OutcomeCallback = Callable[[str], None]


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
        on_outcome: OutcomeCallback | None = None,
    ) -> None:
        self.url = url
        self.on_delivery = on_delivery
        self.on_outcome = on_outcome
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
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts) | stop_when_event_set(self._stopping),
            wait=wait_exponential(multiplier=self.first_backoff_seconds, exp_base=2),
            # waiting on the stop event, not sleeping, lets the daemon stop in the middle of a backoff
            sleep=self._pause,
            before_sleep=lambda state: self._retrying(message.alert_id, state),
            retry=retry_if_exception_type(DeliveryFailed),
            reraise=True,
        )
        try:
            with self._client() as client:
                for attempt in retrying:
                    if self._stopping.is_set() and attempt.retry_state.attempt_number > 1:
                        return attempt.retry_state.attempt_number - 1, None  # stopped during a backoff
                    with attempt:
                        self._post(client, body)
        except DeliveryFailed as exc:
            number = retrying.statistics.get("attempt_number", self.attempts)
            if not self._stopping.is_set():
                self._count("failed")
            logger.warning(
                "alert %d not delivered to %s after %d attempts: %s (check [daemon] webhook_url)",
                message.alert_id,
                mask_url(self.url),
                number,
                exc,
            )
            return number, None
        number = retrying.statistics["attempt_number"]
        self._count("delivered")
        logger.info("alert %d delivered to the webhook (attempt %d)", message.alert_id, number)
        return number, utcnow()

    def _retrying(self, alert_id: int, state: RetryCallState) -> None:
        self._count("retried")
        _log_retry(alert_id, state)

    def _count(self, outcome: str) -> None:
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def _pause(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _client(self) -> httpx.Client:
        return http_client(self.user_agent, self.timeout_seconds)

    def _post(self, client: httpx.Client, body: bytes) -> None:
        """POST once; raise DeliveryFailed saying what went wrong unless the answer is 2xx."""
        try:
            response = client.post(self.url, content=body, headers={"Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            raise DeliveryFailed(mask_text(str(exc)) or type(exc).__name__) from exc
        if not response.is_success:
            raise DeliveryFailed(f"HTTP {response.status_code}")


class DeliveryFailed(WartaError):
    """Raised by one POST that did not get a 2xx answer; the retry loop catches it."""


def _log_retry(alert_id: int, state: RetryCallState) -> None:
    """Log why an attempt failed and when the next one comes."""
    outcome = state.outcome
    reason = outcome.exception() if outcome is not None else None
    pause = state.next_action.sleep if state.next_action is not None else 0.0
    logger.info(
        "webhook attempt %d for alert %d failed: %s; retrying in %.0fs", state.attempt_number, alert_id, reason, pause
    )
