"""The geometry of a source's activity chart: new and changed stories per day, drawn as SVG by a template.

Pure functions: the caller passes the day counts (storage.browse.daily_changes),
this module places the bars; the template writes the <svg> with no external assets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warta.storage.browse import DayCount

BAR_WIDTH = 6
PLOT_HEIGHT = 100
MARGIN_LEFT = 28
MARGIN_BOTTOM = 18


@dataclass(frozen=True)
class Bar:
    """One rectangle of the chart: a day's new (bottom) or changed (stacked on top) stories."""

    kind: str
    x: int
    y: float
    width: int
    height: float
    label: str


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its size, its bars, the largest day's total and the first and last day's labels."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    left: int
    bars: list[Bar]
    peak: int
    first_day: str
    last_day: str
    total_new: int
    total_changed: int


def activity_chart(days: Sequence[DayCount]) -> Chart:
    """Return the bars of new and changed stories per day, scaled to the busiest day."""
    peak = max((day.new + day.changed for day in days), default=0)
    scale = PLOT_HEIGHT / peak if peak else 0.0
    bars: list[Bar] = []
    for index, day in enumerate(days):
        x = MARGIN_LEFT + index * BAR_WIDTH
        new_height = day.new * scale
        changed_height = day.changed * scale
        label = day.day.isoformat()
        if day.new:
            bars.append(Bar("new", x, PLOT_HEIGHT - new_height, BAR_WIDTH - 1, new_height, f"{label}: {day.new} new"))
        if day.changed:
            top = PLOT_HEIGHT - new_height - changed_height
            bars.append(Bar("changed", x, top, BAR_WIDTH - 1, changed_height, f"{label}: {day.changed} changed"))
    return Chart(
        width=MARGIN_LEFT + len(days) * BAR_WIDTH + 4,
        height=PLOT_HEIGHT + MARGIN_BOTTOM,
        plot_top=0,
        plot_bottom=PLOT_HEIGHT,
        left=MARGIN_LEFT,
        bars=bars,
        peak=peak,
        first_day=days[0].day.isoformat() if days else "",
        last_day=days[-1].day.isoformat() if days else "",
        total_new=sum(day.new for day in days),
        total_changed=sum(day.changed for day in days),
    )
