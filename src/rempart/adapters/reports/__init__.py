"""Reports of a scan: a self-contained HTML page and a CSV sheet, from findings and their summary.

Nothing here embeds media or loads anything from the network: a report is one file an
association can keep, print or hand to a platform or the police.
"""

from __future__ import annotations

from rempart.adapters.reports.csv import write_csv
from rempart.adapters.reports.html import render_html

__all__ = ["render_html", "write_csv"]
