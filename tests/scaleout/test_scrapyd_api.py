"""The Scrapyd client never shows a node's password: not in labels, not in errors."""

from __future__ import annotations

import pytest

from warta.daemon.executors.scrapyd.api import NodeUnreachableError, ScrapydNode


def test_a_node_that_does_not_answer_is_named_with_its_password_masked(refused_port: int) -> None:
    node = ScrapydNode(f"http://ops:hunter2@127.0.0.1:{refused_port}/")
    with pytest.raises(NodeUnreachableError) as raised:
        node.load()
    assert f"http://ops:***@127.0.0.1:{node.base_url.rsplit(':', 1)[1]}/ does not answer" in str(raised.value)
    assert "hunter2" not in str(raised.value) + repr(node) + node.base_url
