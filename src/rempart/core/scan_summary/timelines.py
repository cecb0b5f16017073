"""Where each banked content circulated: sightings folded in, timelines built in date order.

Example::

    timelines, presence = build_timelines(contents.values(), chats)
    timelines[0].chats[0].delay_seconds     # 0.0: the chat where it was first seen
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from rempart.core.scan_summary.dates import When, date_text, latest, sort_key
from rempart.core.scan_summary.records import ChatPresence, ContentTimeline, Sighting
from rempart.core.scan_summary.state import ChatState, ContentState, Presence

# Per chat key: each banked content seen there, and whether the chat is where it started.
PresenceByChat = dict[str, list[tuple[ChatPresence, ContentState, bool]]]


def add_sighting(content: ContentState, chat_key: str, sighting: Sighting, when: When,
                 seq: int, max_sightings: int) -> None:
    """Count a sighting; keep the first per chat and the ``max_sightings`` earliest."""
    content.total += 1
    p = content.per_chat.get(chat_key)
    if p is None:
        p = content.per_chat[chat_key] = Presence(when, seq, sighting)
    elif (when.key, seq) < (p.first.key, p.first_seq):
        p.first, p.first_seq, p.first_sighting = when, seq, sighting
    p.last = latest(p.last, when)
    p.count += 1
    heapq.heappush(content.heap, (-when.key, -seq, sighting))
    if len(content.heap) > max_sightings:
        heapq.heappop(content.heap)


def build_timelines(contents: Iterable[ContentState], chats: Mapping[str, ChatState]
                    ) -> tuple[tuple[ContentTimeline, ...], PresenceByChat]:
    """The timelines, most widespread first, and what each chat holds."""
    out: list[ContentTimeline] = []
    presence: PresenceByChat = {}
    for c in contents:
        ranked = sorted(c.per_chat.items(), key=lambda kv: (kv[1].first.key, kv[1].first_seq))
        origin = ranked[0][1].first
        rows: list[ChatPresence] = []
        for i, (key, p) in enumerate(ranked):
            delay = (p.first.key - origin.key) if origin.dated and p.first.dated else None
            row = ChatPresence(key, chats[key].name, p.first.text, p.last.text, p.count, delay)
            rows.append(row)
            started = i == 0 and len(ranked) > 1 and origin.dated
            presence.setdefault(key, []).append((row, c, started))
        picked = {-s: sighting for _, s, sighting in c.heap}
        picked.update({p.first_seq: p.first_sighting for p in c.per_chat.values()})
        order = sorted(picked, key=lambda s: (sort_key(picked[s].date_utc), s))
        sightings = tuple(picked[s] for s in order)
        last = max((p.last for p in c.per_chat.values() if p.last.dated),
                   key=lambda d: d.key, default=None)
        out.append(ContentTimeline(
            c.bank, c.group, tuple(sorted(c.entries)), tuple(sorted(c.labels)), c.policy,
            origin.text, date_text(last), c.total, tuple(rows), sightings,
            c.total - len(sightings)))
    out.sort(key=lambda t: (-len(t.chats), -t.total_sightings, sort_key(t.first_seen), t.bank,
                            t.content_group))
    return tuple(out), presence
