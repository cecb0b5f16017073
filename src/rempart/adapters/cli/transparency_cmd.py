"""`rempart transparency report`: the yearly transparency report (DSA art. 15 and 24) as the
CSV files of the quantitative template of Implementing Regulation (EU) 2024/2835 and one
readable HTML page with its charts.

Example::

    $ rempart transparency report --period 2026 --output report-2026
    report-2026/notices_by_category.csv
    ...
    report-2026/transparency-report.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rempart.adapters.cli.options import Db, add_group, store_for


def report(
    period: Annotated[int, typer.Option(help="The year reported on, e.g. 2026.")],
    output: Annotated[Path, typer.Option(help="Folder the files are written to.",
                                         file_okay=False)],
    db: Db = None,
) -> None:
    """Write the year's transparency report. Example:
    rempart transparency report --period 2026 --output report-2026"""
    from rempart.adapters.transparency import write_report
    from rempart.services.transparency import transparency_report

    with store_for(db) as store:
        built = transparency_report(store, period)
    for path in write_report(built, output):
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Attach the ``transparency`` command group."""
    add_group(app, "transparency", "Transparency reports (DSA art. 15 and 24).",
              {"report": report})
