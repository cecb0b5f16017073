"""Review items grouped by the content they saw: one row per banked item (or flagged text)
across chats and sources, with the queries the console's queue runs on ``review_items``.

An item's ``group_key`` is an opaque digest of its kind and its content (the entry's content
group, else the entry, else the flagged text, else the item itself): a group id names no chat,
entry or case, and cannot be turned into one. ``place`` is where it was seen (a chat, a scan's
place, an API token, a case), so a group can say "seen in 12 chats".

Example::

    >>> group_key("media_match", content_group="cg1") == group_key(
    ...     "media_match", entry_id=7, content_group="cg1")
    True
    >>> place_of({"platform": "telegram", "chat": -1001})
    'telegram:-1001'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Text, cast, distinct, func, or_, select

from rempart.store.pages import Page
from rempart.store.review_models import review_items
from rempart.store.rows import utc

GROUP_KEY_LENGTH = 32
GROUP_KEY = re.compile(r"[0-9a-f]{32}")
PLACE_MAX = 200


def group_key(kind: str, *, entry_id: int | None = None, content_group: str | None = None,
              text: str | None = None, dedup_key: str = "") -> str:
    """The opaque id of the group an item belongs to (hex digest)."""
    if content_group:
        content = f"group:{content_group}"
    elif entry_id is not None:
        content = f"entry:{entry_id}"
    elif kind == "text_flag" and text:
        content = "text:" + " ".join(text.split()).casefold()
    else:
        content = f"item:{dedup_key}"
    return hashlib.sha256(f"{kind}\n{content}".encode()).hexdigest()[:GROUP_KEY_LENGTH]


def place_of(location: Mapping[str, Any]) -> str | None:
    """Where an item was seen, as one comparable string (a chat, a place, a token, a case)."""
    platform = location.get("platform") or ""
    for key, prefix in (("chat", platform), ("place", platform), ("token", "api"),
                        ("case", platform), ("scan_id", "scan")):
        value = location.get(key)
        if value is not None and value != "":
            return f"{prefix}:{value}"[:PLACE_MAX]
    return str(platform)[:PLACE_MAX] or None


def item_group_key(kind: str, entry_id: int | None, content_group: str | None,
                   evidence: Mapping[str, Any], dedup_key: str) -> str:
    """:func:`group_key` of a stored or new item's fields."""
    text = evidence.get("text")
    return group_key(kind, entry_id=entry_id, content_group=content_group,
                     text=text if isinstance(text, str) else None, dedup_key=dedup_key)


def grouping(kind: str, entry_id: int | None, content_group: str | None,
             evidence: Mapping[str, Any], dedup_key: str,
             location: Mapping[str, Any]) -> dict[str, Any]:
    """The ``group_key`` and ``place`` columns of a review row about to be inserted."""
    return {"group_key": item_group_key(kind, entry_id, content_group, evidence, dedup_key),
            "place": place_of(location)}


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """Which items the queue shows; empty fields do not filter. ``text`` matches the item's
    location, evidence (flagged text, reasons), labels and bank, case-insensitively."""

    status: str | None = "open"
    kind: str | None = None
    source: str | None = None
    bank: str | None = None
    place: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewGroup:
    """Items of one content: how often, where and when it was seen, and its first item."""

    key: str
    kind: str
    count: int
    places: int
    first_seen: datetime
    last_seen: datetime
    first_item_id: int
    sources: dict[str, int] = field(default_factory=dict)
    banks: tuple[str, ...] = ()


def _conditions(f: ReviewFilter) -> list[ColumnElement[bool]]:
    c = review_items.c
    out: list[ColumnElement[bool]] = []
    if f.status is not None:
        out.append(c.status == f.status)
    for column, value in ((c.kind, f.kind), (c.source, f.source), (c.bank, f.bank)):
        if value:
            out.append(column == value)
    if f.place:
        out.append(c.place.icontains(f.place, autoescape=True))
    if f.since is not None:
        out.append(c.created_at >= f.since)
    if f.until is not None:
        out.append(c.created_at < f.until)
    if f.text:
        out.append(or_(*(cast(col, Text).icontains(f.text, autoescape=True)
                         for col in (c.location, c.evidence, c.labels)),
                       c.bank.icontains(f.text, autoescape=True)))
    return out


def list_groups(conn: Connection, f: ReviewFilter, limit: int,
                offset: int) -> Page[ReviewGroup]:
    """Groups having an item that ``f`` selects, oldest first; each counts every item of its
    group of ``f.status`` (the content's whole story, not only the filtered sightings)."""
    c = review_items.c
    status = [c.status == f.status] if f.status is not None else []
    chosen = select(c.group_key).where(*_conditions(f)).distinct()
    first = func.min(c.created_at)
    query = (select(c.group_key, func.min(c.kind), func.count(), func.count(distinct(c.place)),
                    first, func.max(c.created_at), func.min(c.id))
             .where(c.group_key.in_(chosen), *status)
             .group_by(c.group_key).order_by(first, c.group_key))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(query.limit(limit).offset(offset)).all()
    keys = [r[0] for r in rows]
    sources: dict[str, dict[str, int]] = {k: {} for k in keys}
    banks: dict[str, set[str]] = {k: set() for k in keys}
    if keys:
        for key, source, bank, n in conn.execute(
                select(c.group_key, c.source, c.bank, func.count())
                .where(c.group_key.in_(keys), *status)
                .group_by(c.group_key, c.source, c.bank)):
            sources[key][source] = sources[key].get(source, 0) + int(n)
            if bank:
                banks[key].add(bank)
    groups = [ReviewGroup(key, kind, int(n), int(places), utc(a), utc(b), int(first_id),
                          dict(sorted(sources[key].items())), tuple(sorted(banks[key])))
              for key, kind, n, places, a, b, first_id in rows]
    return Page(groups, int(total))


def group_item_ids(conn: Connection, key: str, status: str | None, limit: int,
                   offset: int = 0) -> Page[int]:
    """Ids of a group's items of ``status`` (None: all), oldest first."""
    c = review_items.c
    where = [c.group_key == key] + ([c.status == status] if status is not None else [])
    total = conn.execute(select(func.count()).where(*where)).scalar_one()
    ids = conn.execute(select(c.id).where(*where).order_by(c.created_at, c.id)
                       .limit(limit).offset(offset)).scalars().all()
    return Page([int(i) for i in ids], int(total))

