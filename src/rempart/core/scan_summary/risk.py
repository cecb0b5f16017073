"""A chat's risk score, the points behind it and the reasons in plain words.

The formula (weights below) is in the package docstring of ``rempart.core.scan_summary``.

Example::

    >>> format_duration(5400)
    '1.5 h'
"""

from __future__ import annotations

import statistics
from dataclasses import replace

from rempart.core.scan_summary.dates import date_text
from rempart.core.scan_summary.records import ChatRisk
from rempart.core.scan_summary.state import ChatState
from rempart.core.scan_summary.timelines import PresenceByChat

SOLICITATION_WEIGHTS: dict[str, float] = {
    "child_exploitation": 8.0, "ncii_share": 4.0, "ncii_request": 3.0, "doxxing": 3.0,
    "group_promotion": 1.0,
}
POLICY_WEIGHTS: dict[str, float] = {"block": 1.0, "review": 0.6, "alert": 0.3}
BANKED_POINTS, REPOST_POINTS, ORIGIN_POINTS, FAST_POINTS = 10.0, 2.0, 5.0, 3.0
ADVERTISED_POINTS, SENDER_POINTS, SENDERS_COUNTED = 2.0, 0.5, 20
FAST_ARRIVAL_SECONDS = 7 * 86400
COMPONENT_NAMES: dict[str, str] = {
    "banked": "banked images", "reposts": "reposts of banked images",
    "origin": "content first seen here", "fast_arrivals": "content arriving fast from elsewhere",
    "solicitations": "solicitations", "advertising": "links to other groups",
    "senders": "senders involved",
}


def chat_risk(c: ChatState, presence: PresenceByChat, advertised: tuple[int, int]) -> ChatRisk:
    """The unranked risk of chat ``c`` (``presence``: its entry of ``build_timelines``)."""
    held = presence.get(c.key, [])
    delays = [p.delay_seconds for p, _, origin in held
              if p.delay_seconds is not None and p.delay_seconds > 0]
    originated = sum(1 for _, _, origin in held if origin)
    fast = sum(1 for d in delays if d <= FAST_ARRIVAL_SECONDS)
    senders = len(c.senders)
    banked = sum(POLICY_WEIGHTS.get(content.policy, 0.3) for _, content, _ in held)
    components = {
        "banked": BANKED_POINTS * banked,
        "reposts": REPOST_POINTS * max(0, c.matched - len(held)),
        "origin": ORIGIN_POINTS * originated,
        "fast_arrivals": FAST_POINTS * fast,
        "solicitations": sum(SOLICITATION_WEIGHTS.get(k, 1.0) * n
                             for k, n in c.solicitations.items()),
        "advertising": ADVERTISED_POINTS * advertised[1],
        "senders": SENDER_POINTS * min(senders, SENDERS_COUNTED),
    }
    components = {k: round(v, 1) for k, v in components.items() if v}
    share = c.forwarded / c.matched if c.matched else None
    median = statistics.median(delays) if delays else None
    reasons = _reasons(c, len(held), originated, advertised, senders, share, median)
    return ChatRisk(
        0, c.key, c.name, c.chat_type, c.platform, c.chat_id, c.username, c.messages,
        c.matched, len(held), originated, fast, c.solicitation_messages,
        dict(sorted(c.solicitations.items())),
        advertised[0], advertised[1], senders, share, median, date_text(c.first),
        date_text(c.last), c.dates_local, round(sum(components.values()), 1), components,
        reasons, "")


def with_rank(r: ChatRisk, rank: int) -> ChatRisk:
    """``r`` ranked, with the sentence saying what its score mostly comes from."""
    top = sorted(r.components.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    if not top:
        why = f"#{rank}: score 0, nothing harmful found"
    else:
        parts = " and ".join(f"{COMPONENT_NAMES[k]} ({v:g} points)" for k, v in top)
        why = f"#{rank}: score {r.score:g}, mostly from {parts}"
    return replace(r, rank=rank, ranking_reason=why)


def _reasons(c: ChatState, contents: int, originated: int, advertised: tuple[int, int],
             senders: int, share: float | None, median: float | None) -> tuple[str, ...]:
    out: list[str] = []
    if c.matched:
        text = f"{_n(c.matched, 'message')} with banked images ({_n(contents, 'distinct content')})"
        if originated:
            text += f", {originated} first seen here before spreading to other chats"
        out.append(text)
    if c.solicitations:
        detail = ", ".join(f"{k} {n}" for k, n in c.solicitations.most_common())
        out.append(f"{_n(c.solicitation_messages, 'solicitation')} ({detail})")
    if advertised[1]:
        out.append(f"advertises {_n(advertised[1], 'other group')} "
                   f"({_n(advertised[0], 'link')})")
    if senders:
        out.append(f"{_n(senders, 'distinct sender')} involved")
    arrival = None if median is None else \
        f"content arrives a median {format_duration(median)} after it is first seen elsewhere"
    if share is not None and share > 0:
        text = f"{round(share * 100)}% of matched media arrived as forwards"
        out.append(text if arrival is None else f"{text}; {arrival}")
    elif arrival is not None:
        out.append(arrival)
    return tuple(out) or ("no harmful signal: links or media errors only",)


def format_duration(seconds: float) -> str:
    """A short human duration: ``45 min``, ``3 h``, ``1.5 days``."""
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 86400:
        return f"{_short(seconds / 3600)} h"
    days = _short(seconds / 86400)
    return f"{days} day" if days == "1" else f"{days} days"


def _short(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0") if value < 10 else str(round(value))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
