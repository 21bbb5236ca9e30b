"""The rotation of Scrapyd nodes: which answer, which is least busy, and when a silent one is tried again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from warta.daemon.executors.scrapyd.api import NodeUnreachableError, ScrapydNode

logger = logging.getLogger(__name__)


class NodePool:
    """Scrapyd nodes in rotation; a node that stops answering is left out for `retry_after_seconds`."""

    def __init__(
        self,
        nodes: Sequence[ScrapydNode],
        retry_after_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.nodes = list(nodes)
        self.retry_after_seconds = retry_after_seconds
        self.clock = clock
        self.dispatched = {node.label: 0 for node in self.nodes}
        self._down_until: dict[str, float] = {}
        # Choosing a node and queueing the job on it is one step, so two due crawls see each other's load.
        self.lock = threading.Lock()

    def in_rotation(self) -> list[ScrapydNode]:
        """Return the nodes not left out (a left-out node returns once its retry time has come)."""
        now = self.clock()
        return [node for node in self.nodes if self._down_until.get(node.label, 0.0) <= now]

    def mark_down(self, node: ScrapydNode, reason: str) -> None:
        """Leave the node out of rotation until its retry time."""
        if node.label not in self._down_until or self._down_until[node.label] <= self.clock():
            logger.warning(
                "Scrapyd node %s left out of rotation for %.0fs ([daemon] scrapyd_retry_after): %s",
                node.label,
                self.retry_after_seconds,
                reason,
            )
        self._down_until[node.label] = self.clock() + self.retry_after_seconds

    def mark_up(self, node: ScrapydNode) -> None:
        """Put a node that answered back into rotation."""
        if self._down_until.pop(node.label, None) is not None:
            logger.info("Scrapyd node %s answers again; back in rotation", node.label)

    def least_busy(self, exclude: Sequence[str] = ()) -> ScrapydNode | None:
        """Return the answering node with the fewest running and pending jobs, or None when none answers."""
        best: tuple[int, int, int] | None = None
        chosen: ScrapydNode | None = None
        for index, node in enumerate(self.in_rotation()):
            if node.label in exclude:
                continue
            try:
                load = node.load()
            except NodeUnreachableError as exc:
                self.mark_down(node, str(exc))
                continue
            self.mark_up(node)
            # Ties go to the node we sent fewer crawls, so idle nodes share the work.
            rank = (load.busy, self.dispatched[node.label], index)
            if best is None or rank < best:
                best, chosen = rank, node
        return chosen
