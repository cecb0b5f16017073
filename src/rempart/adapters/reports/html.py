"""The HTML report of a scan: one self-contained, printable page, safe to open.

Message texts, chat names and links are hostile input: Jinja2 escapes every value
(``autoescape``), only ``http``/``https``/``tg`` URLs become links, a Content-Security-Policy
forbids scripts and every network load, and no media is ever embedded.

Example::

    >>> from datetime import UTC, datetime
    >>> from rempart.core.scan_summary import summarize
    >>> at = datetime(2024, 1, 1, tzinfo=UTC)
    >>> "No banked image was found" in render_html(summarize([]), title="Scan", generated_at=at)
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from itertools import pairwise
from typing import Any

import jinja2

from rempart.adapters.reports.graph_svg import layout
from rempart.core.scan_summary import (
    COMPONENT_NAMES,
    POLICY_WEIGHTS,
    SOLICITATION_WEIGHTS,
    FlaggedSpan,
    ScanSummary,
    Solicitation,
    format_duration,
    solicitation_of,
)

MAX_SOLICITATIONS = 2000
_SAFE_SCHEMES = ("http://", "https://", "tg://")
LABEL_NAMES: dict[str, str] = {
    "ncii_request": "request for intimate images", "ncii_share": "sharing of intimate images",
    "child_exploitation": "child exploitation", "doxxing": "doxxing",
    "group_promotion": "group promotion",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of an excerpt; ``labels`` set when a flagged span covers it."""

    text: str
    labels: str | None
    reasons: str | None


def render_html(summary: ScanSummary, findings: Iterable[Mapping[str, Any]] | None = None, *,
                title: str, generated_at: datetime) -> str:
    """The report page; with ``findings``, every solicitation (up to 2,000) instead of the
    summary's capped examples."""
    ranks = {c.chat_key: c.rank for c in summary.chats}
    solicitations: Sequence[Solicitation] = summary.solicitations
    more = 0
    if findings is not None:
        found = [s for s in (solicitation_of(f) for f in findings) if s is not None]
        found.sort(key=lambda s: (ranks.get(s.chat_key, 10**9), s.date_utc or "\uffff"))
        solicitations, more = found[:MAX_SOLICITATIONS], max(0, len(found) - MAX_SOLICITATIONS)
    labels = {n.id: n.label for n in summary.graph.nodes}
    urls = {n.id: n.url for n in summary.graph.nodes}
    return _template().render(
        title=title, generated=_generated(generated_at), s=summary, t=summary.totals,
        matched_chats=[c for c in summary.chats if c.matched_messages],
        solicitations=solicitations, more_solicitations=more,
        picture=layout(summary.graph, ranks), node_labels=labels, node_urls=urls,
        label_names=LABEL_NAMES, component_names=COMPONENT_NAMES,
        label_weights=SOLICITATION_WEIGHTS, policy_weights=POLICY_WEIGHTS,
        highlight=highlight)


def safe_href(url: object) -> str | None:
    """``url`` when it is an ``http``, ``https`` or ``tg`` URL without spaces or quotes, else
    ``None`` (``javascript:``, ``data:`` and everything else are shown as text, never linked).

    >>> safe_href("https://t.me/+abc"), safe_href("javascript:alert(1)")
    ('https://t.me/+abc', None)
    """
    if not isinstance(url, str):
        return None
    if any(ord(ch) <= 32 or ord(ch) == 127 or ch in "\"'<>`\\" for ch in url):
        return None
    return url if url.lower().startswith(_SAFE_SCHEMES) else None


def highlight(excerpt: str | None, spans: Sequence[FlaggedSpan]) -> list[Segment]:
    """``excerpt`` cut into segments, those covered by flagged spans carrying their labels.

    Spans index the original message; the parts of spans past the excerpt's end are dropped.

    >>> [(s.text, s.labels) for s in highlight("ab cd", [FlaggedSpan(3, 5, "x", "r")])]
    [('ab ', None), ('cd', 'x')]
    """
    text = excerpt or ""
    valid = [s for s in spans if 0 <= s.start < s.end and s.start < len(text)]
    cuts = sorted({0, len(text)} | {s.start for s in valid} | {min(s.end, len(text))
                                                               for s in valid})
    out: list[Segment] = []
    for a, b in pairwise(cuts):
        cover = [s for s in valid if s.start <= a and b <= s.end]
        labels = sorted({s.label for s in cover})
        out.append(Segment(text[a:b], ", ".join(labels) or None,
                           "; ".join(sorted({s.reason for s in cover})) or None))
    return out


def when(date: str | None, local: bool = False) -> str:
    """``2024-03-01 12:00 UTC``, or ``(local time)`` for old exports, or ``undated``."""
    if not date:
        return "undated"
    try:
        d = datetime.fromisoformat(date)
    except ValueError:
        return date
    text = d.strftime("%Y-%m-%d %H:%M")
    return f"{text} (local time)" if local or d.tzinfo is None else f"{text} UTC"


def percent(share: float | None) -> str:
    """``67%`` or an en dash."""
    return "–" if share is None else f"{round(share * 100)}%"


def duration(seconds: float | None) -> str:
    """A short duration or an en dash."""
    return "–" if seconds is None else format_duration(seconds)


def _generated(at: datetime) -> str:
    if at.tzinfo is None:
        return at.strftime("%Y-%m-%d %H:%M")
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(href=safe_href, when=when, percent=percent, duration=duration)
    source = files("rempart.adapters.reports").joinpath("templates", "scan_report.html")
    return env.from_string(source.read_text(encoding="utf-8"))
