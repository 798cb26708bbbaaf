"""Server-rendered SVG charts: geometry computed here, drawn by templates/pages/_charts.html.

No JavaScript and no library: inline SVG the browser fits to the screen, coloured by
class (styled in web/static/app.css) against the SLA targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

GOOD, FAIR = 90.0, 75.0


def tone(percent: float | None) -> str:
    """CSS class for a score: good (≥ 90), fair (≥ 75), poor, or none."""
    if percent is None:
        return "none"
    return "good" if percent >= GOOD else "fair" if percent >= FAIR else "poor"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    note: str              # e.g. "3/4"
    x: float
    y: float
    width: float
    height: float
    tone: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    title: str


def bar_rows(items: Sequence[tuple[str, float | None, str]], title: str,
             row: int = 40, track: float = 100.0) -> Chart:
    """Horizontal bars, one row per (label, percent or None, note): text above each bar.

    Widths are percentages of the SVG's width (no viewBox), so text keeps its size
    and bars stretch from a phone to a desktop screen."""
    bars = []
    for index, (label, value, note) in enumerate(items):
        length = 0.0 if value is None else max(track * value / 100, 0.6)
        bars.append(Bar(label, value, note, 0, index * row + 20, length, 14, tone(value)))
    return Chart(bars, int(track), max(row, len(items) * row), title)


def columns(items: Sequence[tuple[str, float | None]], title: str, width: int = 240,
            height: int = 90) -> Chart:
    """Vertical columns (e.g. IKI per month), a label under each, 0–100 scale."""
    slot = width / max(1, len(items))
    plot = height - 30
    bars = []
    for index, (label, value) in enumerate(items):
        tall = plot * (value or 0) / 100
        bars.append(Bar(label, value, "" if value is None else f"{value:.0f}",
                        index * slot + slot * 0.2, 12 + plot - max(tall, 2), slot * 0.6,
                        max(tall, 2), tone(value)))
    return Chart(bars, width, height, title)
