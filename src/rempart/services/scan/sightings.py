"""What a scan's matches tell the rest of Rempart: hits for the flood guard and review items.

Every matched media is a sighting of its bank entries in the export's chat, posted by the
message's sender, named as the bot names them (``telegram:<Bot API chat id>``,
``telegram:user:<id>``) so that an export of a chat the bot also watches counts once. A match
of an unconfirmed entry (an anonymous registration) or one that asks for review (a review bank,
an entry on hold) becomes a review item a moderator confirms, dismisses (optionally
allowlisting the seen file's own signals) or withdraws. Its key names the Telegram message
(``scan:telegram:<chat>:<message>:<entry>``) or, for a plain file, its content
(``scan:file:<sha256>:<entry>``): resuming or re-running a scan adds no item. Hits and items
are made and recorded as every entry point's are (``services.sightings``).

Example::

    hits, items = message_sightings(scan_id, "/exports/a", item, verdicts)
    matching.sightings.record(hits, items)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rempart.core.flood import Hit
from rempart.core.items import Item, Location, MediaRef
from rempart.core.verdict import Match, Verdict
from rempart.services.reviews import review_key
from rempart.services.sightings import Seen, place_keys, sighting
from rempart.store.reviews import NewReviewItem

# Telegram export chat types whose Bot API ids are -100<id> (see telegram_export.messages).
_CHANNEL_TYPES = frozenset({"private_supergroup", "public_supergroup", "private_channel",
                            "public_channel"})
_CHANNEL_SHIFT = 10**12


def bot_api_chat_id(chat_id: int, chat_type: str | None) -> int:
    """The Bot API id of an export's (bare) chat id.

    >>> bot_api_chat_id(1234567890, "private_supergroup"), bot_api_chat_id(77, "private_group")
    (-1001234567890, -77)
    >>> bot_api_chat_id(5, "personal_chat")
    5
    """
    if chat_id <= 0:
        return chat_id
    if chat_type in _CHANNEL_TYPES:
        return -(_CHANNEL_SHIFT + chat_id)
    if chat_type == "private_group":
        return -chat_id
    return chat_id


def place_of(loc: Location, input_path: str) -> str:
    """Where an item was seen: its Telegram chat, else the scanned folder.

    >>> place_of(Location("telegram", "/e", chat_type="public_channel", chat_id=9), "/e")
    'telegram:-1000000000009'
    """
    if loc.platform == "telegram" and loc.chat_id is not None:
        return f"telegram:{bot_api_chat_id(loc.chat_id, loc.chat_type)}"
    return f"folder:{input_path}"


def sender_of(loc: Location) -> str | None:
    """Who posted an item, as the bot names senders (``None`` when the export does not say).

    >>> sender_of(Location("telegram", "/e", sender_id="user42"))
    'telegram:user:42'
    >>> sender_of(Location("telegram", "/e", sender_id="channel9"))
    'telegram:chat:-1000000000009'
    """
    raw = loc.sender_id
    if not raw or loc.platform != "telegram":
        return None
    for prefix, shift in (("channel", _CHANNEL_SHIFT), ("chat", 0)):
        if raw.startswith(prefix) and raw[len(prefix):].isdigit():
            return f"telegram:chat:{-(shift + int(raw[len(prefix):]))}"
    digits = raw.removeprefix("user")
    return f"telegram:user:{digits}" if digits.isdigit() else f"telegram:{raw[:64]}"


def location_of(scan_id: str, input_path: str, item: Item, ref: MediaRef) -> dict[str, Any]:
    """Where a review item's media was seen: the place keys every source's items have
    (:func:`~rempart.services.sightings.place_keys`), plus the scan's; keys without a value
    are left out. ``chat`` is the export's own id, as in the scan's findings (a victim's case
    status joins the two on it)."""
    loc = item.location
    where = {**place_keys(loc), "sender": loc.sender_id, "sender_name": loc.sender_name,
             "date": loc.date_utc, "forwarded_from": loc.forwarded_from, "scan_id": scan_id,
             "input": input_path, "path": loc.path or ref.path}
    return {k: v for k, v in where.items() if v is not None}


def message_sightings(
    scan_id: str, input_path: str, item: Item, verdicts: Sequence[Verdict | None],
    now: datetime | None = None,
) -> tuple[list[Hit], list[NewReviewItem]]:
    """The hits and review items of one scanned item; ``verdicts[i]`` is ``item.media[i]``'s."""
    now = now or datetime.now(UTC)
    loc = item.location
    place, sender = place_of(loc, input_path), sender_of(loc)
    hits: list[Hit] = []
    items: dict[str, NewReviewItem] = {}
    for ref, verdict in zip(item.media, verdicts, strict=True):
        if verdict is None or not verdict.matches or not verdict.sha256:
            continue
        sha = verdict.sha256

        def key(m: Match, sha: str = sha) -> str:
            if loc.platform == "telegram" and loc.chat_id is not None and (
                    loc.message_id is not None):
                return review_key("scan", "telegram", loc.chat_id, loc.message_id, m.entry)
            return review_key("scan", "file", sha, m.entry)

        seen = Seen("scan", place, sender, location_of(scan_id, input_path, item, ref), now)
        # One hit per described match (one per bank item), not per matched signal.
        found, raised = sighting(
            verdict, seen, sha, key=key, review_policy=True,
            entries=[m.entry for m in verdict.matches], signals=verdict.signals or _exact(sha),
            evidence={"sha256": sha, "scan_id": scan_id})
        hits += found
        for new in raised:
            items.setdefault(new.dedup_key, new)
    return hits, list(items.values())


def _exact(sha256: str) -> tuple[dict[str, str], ...]:
    return ({"signal_type": "sha256", "value": sha256},)
