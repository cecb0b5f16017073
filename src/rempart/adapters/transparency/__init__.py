"""The transparency report's files: one CSV file per table of the quantitative template
(cells a spreadsheet would run as a formula neutralised) and one self-contained HTML page with
its charts as inline SVG (no script, no external resource).

Example::

    paths = write_report(build_report(reads, 2026), Path("report-2026"))
"""

from __future__ import annotations

import csv
from datetime import timedelta
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import jinja2

from rempart.adapters.transparency.charts import BarChart, bar_chart
from rempart.core.spreadsheet import neutralise
from rempart.services.transparency.report import Cell, Report

__all__ = ["charts_of", "render_html", "write_report"]
HTML_NAME = "transparency-report.html"


def _cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else value


def write_report(report: Report, directory: Path) -> list[Path]:
    """Write ``<table>.csv`` for each table and the HTML page into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in report.tables:
        path = directory / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(table.columns)
            writer.writerows([_cell(v) for v in row] for row in table.rows)
        written.append(path)
    page = directory / HTML_NAME
    page.write_text(render_html(report), encoding="utf-8")
    return [*written, page]


def _numbers(values: list[Cell]) -> list[float | int | None]:
    return [v if isinstance(v, int | float) else None for v in values]


def charts_of(report: Report) -> list[BarChart]:
    """The page's charts, each from one table's columns."""
    notices = report.table("notices_by_category")
    buckets = report.table("notices_time_to_action")
    means = report.table("automated_means")
    own = report.table("own_initiative")
    complaints = report.table("complaints")
    labels = [str(v) for v in notices.column("category")]
    times: dict[str, list[float | int | None]] = {}
    for category, bucket, count in buckets.rows:
        times.setdefault(str(bucket), [0] * len(labels))[labels.index(str(category))] = (
            count if isinstance(count, int) else 0)
    outcome = complaints.rows[0] if complaints.rows else None
    return [
        bar_chart("Notices by category: acted upon and not", labels,
                  [("action taken", _numbers(notices.column("action_taken"))),
                   ("no action", _numbers(notices.column("no_action"))),
                   ("not decided yet", [
                       (r or 0) - (d or 0) if isinstance(r, int) and isinstance(d, int)
                       else None for r, d in zip(notices.column("received"),
                                                  notices.column("decided"), strict=True)])]),
        bar_chart("Median hours from notice to action", labels,
                  [("median hours", _numbers(notices.column("median_hours_to_action")))]),
        bar_chart("Notices by time to decision", labels, list(times.items())),
        bar_chart("Own-initiative measures", [str(v) for v in own.column("measure")],
                  [("count", _numbers(own.column("count")))]),
        bar_chart("Automated means: review outcomes", [str(v) for v in means.column("means")],
                  [("confirmed", _numbers(means.column("confirmed"))),
                   ("dismissed", _numbers(means.column("dismissed"))),
                   ("open", _numbers(means.column("open")))]),
        bar_chart("Complaints and their outcomes", ["complaints"],
                  [("upheld", [outcome[3] if outcome else 0]),  # type: ignore[list-item]
                   ("reversed", [outcome[4] if outcome else 0]),  # type: ignore[list-item]
                   ("pending", [outcome[5] if outcome else 0])]),  # type: ignore[list-item]
    ]


def number(value: float) -> str:
    """A figure as people read it.

    >>> number(5.0), number(0.25), number(1234.5678)
    ('5', '0.25', '1234.57')
    """
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def render_html(report: Report) -> str:
    """The report as one readable, self-contained page."""
    return _template().render(report=report, charts=charts_of(report),
                              period=f"{report.since:%Y-%m-%d} to "
                                     f"{report.until - timedelta(days=1):%Y-%m-%d}",
                              generated=f"{report.generated_at:%Y-%m-%d %H:%M} UTC")


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = number
    source = files("rempart.adapters.transparency").joinpath("templates", "report.html")
    return env.from_string(source.read_text(encoding="utf-8"))
