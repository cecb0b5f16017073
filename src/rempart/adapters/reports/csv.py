"""The CSV sheet of a scan: one row per finding, flattened, safe to open in a spreadsheet.

Cells come from hostile messages: a cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or
carriage return, or their full-width forms) would run as a formula in Excel or LibreOffice, so
it is prefixed with a single quote (OWASP's advice). Numbers we produce ourselves are written as
numbers. Open the output file with ``newline=""``.

Example::

    >>> import io
    >>> out = io.StringIO()
    >>> write_csv([{"source": {"chat_name": "=HYPERLINK(1)"}, "matches": []}], out)
    >>> out.getvalue().splitlines()[1].split(",")[3]
    "'=HYPERLINK(1)"
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from rempart.core.spreadsheet import neutralise

COLUMNS: tuple[str, ...] = (
    "scan_id", "platform", "export", "chat", "chat_type", "chat_id", "message_id", "date_utc",
    "date_is_local", "sender", "sender_id", "forwarded_from", "forwarded_from_id", "link",
    "source_path", "media_path", "media_kind", "sha256", "media_error", "matched_banks",
    "content_groups", "best_signal", "best_distance", "policies", "match_labels",
    "text_labels", "link_kinds", "links", "text_excerpt",
)


def write_csv(findings: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    """Write a header and one row per finding to ``out``."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for f in findings:
        writer.writerow([_cell(v) for v in _row(f)])


def _row(f: Mapping[str, Any]) -> list[Any]:
    src = f.get("source") or {}
    media = f.get("media") or {}
    matches = [m for m in f.get("matches") or () if isinstance(m, Mapping)]
    links = [x for x in f.get("links") or () if isinstance(x, Mapping)]
    text = f.get("text") or {}
    best = min(matches, key=lambda m: int(m.get("distance", 0)), default=None)
    return [
        f.get("scan_id"), src.get("platform"), src.get("export"), src.get("chat_name"),
        src.get("chat_type"), src.get("chat_id"), src.get("message_id"), src.get("date_utc"),
        src.get("date_is_local"), src.get("sender_name"), src.get("sender_id"),
        src.get("forwarded_from"), src.get("forwarded_from_id"), src.get("link"),
        src.get("path"), media.get("path"), media.get("kind"), media.get("sha256"),
        media.get("error"),
        _join(m.get("bank") for m in matches),
        _join(m.get("content_group") for m in matches),
        None if best is None else best.get("signal"),
        None if best is None else best.get("distance"),
        _join(m.get("policy") for m in matches),
        _join(label for m in matches for label in m.get("labels") or ()),
        _join(text.get("labels") or ()),
        _join(x.get("kind") for x in links),
        " ".join(str(x.get("url", "")) for x in links),
        f.get("text_excerpt"),
    ]


def _join(values: Iterable[Any]) -> str:
    """Distinct values in first-seen order, ``; ``-separated."""
    return "; ".join(dict.fromkeys(str(v) for v in values if v is not None and v != ""))


def _cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))
