"""Bar charts as geometry for inline SVG (no script, no external resource, nothing a strict
CSP would block): numbers in, rectangles and label positions out; the template writes the
SVG and escapes every text.

Example::

    >>> chart = bar_chart("Notices", ["ncii", "csam"], [("received", [3, 1])])
    >>> [(b.label, b.value) for b in chart.bars]
    [('ncii', 3.0), ('csam', 1.0)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
ROW = 22
LABEL_WIDTH = 200
VALUE_WIDTH = 60
LABEL_CHARS = 30
COLOURS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#9b2c2c")


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # the row's label (first segment only), shortened
    series: str
    value: float
    x: float
    y: float
    width: float
    height: float
    colour: str
    text_x: float  # where the row's total is written


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    rows: tuple[tuple[str, float, float], ...]  # label, y of its text, row total
    legend: tuple[tuple[str, str], ...]  # series, colour


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def bar_chart(title: str, labels: Sequence[str],
              series: Sequence[tuple[str, Sequence[float | int | None]]]) -> BarChart:
    """Horizontal bars, one row per label, the series stacked left to right."""
    totals = [sum(float(values[i] or 0) for _, values in series) for i in range(len(labels))]
    top = max(totals, default=0.0) or 1.0
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars: list[Bar] = []
    rows: list[tuple[str, float, float]] = []
    for i, label in enumerate(labels):
        y = 8 + i * ROW
        x = float(LABEL_WIDTH)
        for j, (name, values) in enumerate(series):
            value = float(values[i] or 0)
            width = round(span * value / top, 2)
            if width > 0:
                bars.append(Bar(_short(label), name, value, x, y, width, ROW - 6,
                                COLOURS[j % len(COLOURS)], 0.0))
            x += width
        rows.append((_short(label), y + ROW / 2, totals[i]))
    legend = tuple((name, COLOURS[j % len(COLOURS)]) for j, (name, _) in enumerate(series))
    return BarChart(title, WIDTH, 16 + len(labels) * ROW, tuple(bars), tuple(rows), legend)
