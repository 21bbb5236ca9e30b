"""The rendered-crawl benchmark's memory figures: early peak against the whole crawl's, and the process walk."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.rendering import MemoryTrace, _descendants, _memory_result


def test_memory_goal_compares_the_whole_peak_with_the_peak_of_the_first_50_pages() -> None:
    trace = MemoryTrace([(0, 100), (30, 200), (50, 210), (51, 400), (500, 230)])
    assert trace.peak(50) == 210 and trace.peak() == 400
    result = _memory_result(trace, 500)
    assert not result.met and round(result.ratio, 3) == round(400 / 210, 3)
    flat = _memory_result(MemoryTrace([(10, 200), (50, 210), (500, 240)]), 500)
    assert flat.met


def test_memory_without_an_early_sample_is_skipped_not_a_pass() -> None:
    result = _memory_result(MemoryTrace([(60, 300)]), 60)
    assert result.skipped and not result.met


def test_descendants_finds_a_child_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert child.pid in _descendants(os.getpid())
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
