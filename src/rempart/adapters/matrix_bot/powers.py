"""What the bot may do in a room, read from its ``m.room.power_levels`` (the spec's defaults
where a level is absent), in the shape the bot service records as a chat's rights, and whether
it can read the room at all (``m.room.encryption``). From room
version 12 on, the room's creators (the sender of ``m.room.create`` and its
``additional_creators``) outrank every level and are absent from ``users``.

Example::

    >>> p = Powers({"users": {"@bot:hs": 50}, "redact": 50, "ban": 50,
    ...             "events": {"m.room.power_levels": 100}})
    >>> p.rights("@bot:hs"), missing(p.rights("@bot:hs"))
    ({'redact': True, 'ban': True, 'mute': False}, [])
    >>> missing(Powers({}).rights("@bot:hs"))
    ['redact', 'ban']
    >>> Powers.of_state([{"type": "m.room.create", "state_key": "", "sender": "@mod:hs",
    ...                   "content": {"room_version": "12"}}]).is_moderator("@mod:hs")
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Powers", "level", "missing"]

NEEDED = ("redact", "ban")
CREATOR = 2**53  # above any level a room can hold


def level(value: Any, default: int) -> int:
    """A power level as an int (old rooms may hold strings), ``default`` when unusable."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def missing(rights: Mapping[str, bool]) -> list[str]:
    """The rights the bot lacks to act (muting is optional: banning is the fallback)."""
    return [name for name in NEEDED if not rights.get(name)]


def _creators(create: Mapping[str, Any]) -> frozenset[str]:
    content = create.get("content")
    content = content if isinstance(content, dict) else {}
    version = str(content.get("room_version", "1"))
    if not version.isdigit() or int(version) < 12:
        return frozenset()
    extra = content.get("additional_creators")
    names = [x for x in extra if isinstance(x, str)] if isinstance(extra, list) else []
    sender = create.get("sender")
    return frozenset([*names, *([sender] if isinstance(sender, str) else [])])


@dataclass(frozen=True)
class Powers:
    """A room's power levels and creators."""

    levels: Mapping[str, Any]
    creators: frozenset[str] = field(default_factory=frozenset)
    encrypted: bool = False  # the room has m.room.encryption: its content is unreadable

    @classmethod
    def of_state(cls, events: Iterable[Mapping[str, Any]]) -> Powers:
        """From the room's state events (``GET /rooms/{id}/state``)."""
        levels: Mapping[str, Any] = {}
        creators: frozenset[str] = frozenset()
        encrypted = False
        for event in events:
            if event.get("state_key") != "":
                continue
            content = event.get("content")
            if event.get("type") == "m.room.power_levels" and isinstance(content, dict):
                levels = content
            elif event.get("type") == "m.room.create":
                creators = _creators(event)
            elif event.get("type") == "m.room.encryption":
                encrypted = True
        return cls(levels, creators, encrypted)

    def user(self, user_id: str) -> int:
        if user_id in self.creators:
            return CREATOR
        users = self.levels.get("users")
        default = level(self.levels.get("users_default"), 0)
        return level(users.get(user_id), default) if isinstance(users, dict) else default

    def event(self, event_type: str, state: bool) -> int:
        events = self.levels.get("events")
        default = level(self.levels.get("state_default" if state else "events_default"),
                        50 if state else 0)
        return level(events.get(event_type), default) if isinstance(events, dict) else default

    def rights(self, user_id: str) -> dict[str, bool]:
        """Whether ``user_id`` may redact others' events, ban, and mute (change levels)."""
        mine = self.user(user_id)
        return {"redact": mine >= level(self.levels.get("redact"), 50),
                "ban": mine >= level(self.levels.get("ban"), 50),
                "mute": mine >= self.event("m.room.power_levels", True)}

    def is_moderator(self, user_id: str) -> bool:
        """Whether a member may change Rempart's settings in the room: she may ban."""
        return self.user(user_id) >= level(self.levels.get("ban"), 50)

    def muted(self, bot_id: str, target: str) -> dict[str, Any] | None:
        """The power levels with ``target`` unable to post messages or stickers, or None when
        the bot cannot lower her (her level is not below the bot's)."""
        if self.user(target) >= self.user(bot_id):
            return None
        floor = min(self.event(t, False) for t in ("m.room.message", "m.sticker"))
        users = self.levels.get("users")
        return {**self.levels, "users": {**(users if isinstance(users, dict) else {}),
                                          target: floor - 1}}
