"""What the Matrix bot reads of its rooms: who invited it and whether that server may, the
room's power levels and name, and what it tells an encrypted room when it joins.

Example::

    if may_invite(settings.invite_servers, "@rempart:example.org", inviter_of(state, me)):
        ...
    powers = await room_powers(client, "!room:example.org")
"""

from __future__ import annotations

from typing import Any

import nio

from rempart.adapters.matrix_bot.powers import Powers

ENCRYPTED_NOTICE = ("This room is end-to-end encrypted: Rempart cannot see its messages, "
                    "images or files, and checks nothing here.")
E2EE_NOTICE = ("This room is end-to-end encrypted: Rempart checks the messages whose keys are "
               "shared with its device (sent after it joined); it cannot see earlier messages "
               "or any whose keys it was not given, and counts those unchecked.")


def inviter_of(invite_state: list[Any], user_id: str) -> str | None:
    """Who invited ``user_id``, from an invited room's stripped state."""
    for event in invite_state:
        source = getattr(event, "source", None)
        if (isinstance(source, dict) and source.get("type") == "m.room.member"
                and source.get("state_key") == user_id):
            sender = source.get("sender")
            return sender if isinstance(sender, str) else None
    return None


def may_invite(invite_servers: list[str], user_id: str, inviter: str | None) -> bool:
    """Whether an invitation from ``inviter`` is accepted: its server is one of
    ``invite_servers`` (``*``: any; none set: the bot's own server). Anyone can invite a
    Matrix account anywhere, and each room costs the bot work.

    >>> may_invite([], "@rempart:example.org", "@alice:example.org")
    True
    >>> may_invite(["example.org"], "@rempart:example.org", "@eve:elsewhere.net")
    False
    """
    allowed = invite_servers or [user_id.split(":", 1)[-1]]
    if "*" in allowed:
        return True
    return inviter is not None and inviter.split(":", 1)[-1] in allowed


async def room_powers(client: nio.AsyncClient, room_id: str) -> Powers:
    """The room's power levels and creators as they are now (none when unreadable)."""
    got = await client.room_get_state(room_id)
    if isinstance(got, nio.ErrorResponse):
        return Powers({})
    return Powers.of_state(e for e in got.events if isinstance(e, dict))


def room_name(client: nio.AsyncClient, room_id: str) -> str | None:
    """The room's name as the client last synced it, or None."""
    room = client.rooms.get(room_id)
    return (room.name or room.display_name) if room is not None else None
