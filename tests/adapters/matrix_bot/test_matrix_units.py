"""The Matrix pieces without a homeserver: numbers of Matrix ids, the stored names and sync
token (SQLite and PostgreSQL), the pre-delivery refusal rule, event translation, power levels
and the alerts' ids."""

from __future__ import annotations

import asyncio
from typing import Any

from rempart.adapters.matrix_bot.events import ENCRYPTED_PREFIX, file_key, message_of
from rempart.adapters.matrix_bot.outbox import MatrixOutbox
from rempart.adapters.matrix_bot.powers import Powers, missing
from rempart.app import build, matrix_service
from rempart.config import BotSettings, Settings
from rempart.core.verdict import Match, Verdict
from rempart.services.matrix_bot import MATRIX_BASE, is_matrix_number, matrix_number


def _event(content: dict[str, Any], event_type: str = "m.room.message",
           event_id: str = "$e1") -> dict[str, Any]:
    return {"type": event_type, "event_id": event_id, "sender": "@eve:hs",
            "origin_server_ts": 1_700_000_000_000, "content": content}


def test_numbers_are_stable_distinct_and_out_of_telegram_range() -> None:
    a, b = matrix_number("room", "!a:hs"), matrix_number("user", "!a:hs")
    assert a == matrix_number("room", "!a:hs") and a != b
    assert all(MATRIX_BASE <= n < 2 * MATRIX_BASE for n in (a, b))
    assert not is_matrix_number(-1001234567890) and not is_matrix_number(2**53)


def test_names_and_sync_token_are_kept_across_processes(db_url: str) -> None:
    app = build(Settings(database_url=db_url))
    try:
        service = matrix_service(app)
        room = service.number("room", "!r:hs")
        user = service.number("user", "@eve:hs")
        service.remember([room, user])
        assert service.since("@bot:hs") is None
        service.save_since("@bot:hs", "s1")
        service.save_since("@bot:hs", "s2")
        again = matrix_service(app)  # a new process: nothing in memory
        assert again.names([room, user, 5]) == {room: "!r:hs", user: "@eve:hs"}
        assert again.since("@bot:hs") == "s2" and again.since("@other:hs") is None
        assert again.handled("!r:hs", ["$x"]) == set()
    finally:
        app.close()


def _match(policy: str, bank: str = "confirmed") -> Match:
    return Match(bank, 1, "pdq", 10, policy, policy, "moderator")


def test_refusal_follows_the_room_policy(sqlite_url: str) -> None:
    app = build(Settings(database_url=sqlite_url))
    try:
        service = matrix_service(app)
        message = message_of(_event({"msgtype": "m.image", "body": "a.jpg",
                                     "url": "mxc://hs/a"}), "!r:hs", None, service.number)
        assert message is not None
        block = Verdict("photo", "00", (_match("block"),))
        review = Verdict("photo", "00", (_match("review", "victims"),))
        assert service.refusal(message, [block]) == "bank confirmed (block, distance 10)"
        assert service.refusal(message, [review]) is None  # review never removes by itself
        assert service.refusal(message, [Verdict("photo", "00")]) is None
        service.bot.set_policy(message.chat_id, "room", "banks", "other")
        assert service.refusal(message, [block]) is None  # the room follows other banks
        service.bot.set_policy(message.chat_id, "room", "enabled", "off")
    finally:
        app.close()


def test_events_translate_to_messages() -> None:
    def number(kind: str, value: str) -> int:
        return matrix_number(kind, value)

    image = message_of(_event({"msgtype": "m.image", "body": "cap", "filename": "a.jpg",
                               "url": "mxc://hs/a", "info": {
                                   "size": 5, "thumbnail_url": "mxc://hs/t",
                                   "thumbnail_info": {"size": True}}}), "!r:hs", "Room", number)
    assert image is not None and image.text == "cap"
    media = image.media[0]
    assert (media.kind, media.file_size, media.sniffed) == ("photo", 5, False)
    assert media.thumbnail is not None and media.thumbnail.file_size is None  # bool: no size
    assert image.location()["platform"] == "matrix" and image.sender == "user"
    assert image.link == "https://matrix.to/#/%21r%3Ahs/%24e1"
    named = message_of(_event({"msgtype": "m.file", "body": "a.pdf", "url": "mxc://hs/b"}),
                       "!r:hs", None, number)
    assert named is not None and named.text == "" and named.media[0].sniffed
    edit = message_of(_event({"msgtype": "m.text", "body": "* x",
                              "m.relates_to": {"rel_type": "m.replace", "event_id": "$e0"},
                              "m.new_content": {"msgtype": "m.image", "body": "b.jpg",
                                                "url": "mxc://hs/c"}}), "!r:hs", None, number)
    assert edit is not None and edit.media[0].file_id == "mxc://hs/c"
    sticker = message_of(_event({"body": "s", "url": "mxc://hs/s"}, "m.sticker"),
                         "!r:hs", None, number)
    assert sticker is not None and sticker.media[0].kind == "sticker"
    secret = message_of(_event({"msgtype": "m.image", "body": "x",
                                "file": {"url": "mxc://hs/e"}}), "!r:hs", None, number)
    assert secret is not None and secret.media[0].file_id.startswith(ENCRYPTED_PREFIX)
    for bad in (_event({}), _event({"msgtype": "m.image"}, "m.room.member"),
                {"type": "m.room.message", "content": "x"}):
        message = message_of(bad, "!r:hs", None, number)
        assert message is None or not message.media
    assert len(file_key("mxc://hs/" + "a" * 300)) <= 128


def test_power_levels() -> None:
    v12 = Powers.of_state([
        {"type": "m.room.create", "state_key": "", "sender": "@mod:hs",
         "content": {"room_version": "12", "additional_creators": ["@co:hs"]}},
        {"type": "m.room.power_levels", "state_key": "",
         "content": {"users": {"@bot:hs": "100", "@eve:hs": 0}}}])
    assert v12.is_moderator("@mod:hs") and v12.is_moderator("@co:hs")
    assert v12.rights("@bot:hs") == {"redact": True, "ban": True, "mute": True}
    muted = v12.muted("@bot:hs", "@eve:hs")
    assert muted is not None and muted["users"]["@eve:hs"] == -1
    assert v12.muted("@bot:hs", "@mod:hs") is None  # a creator outranks the bot
    old = Powers.of_state([{"type": "m.room.create", "state_key": "", "sender": "@mod:hs",
                            "content": {"room_version": "10"}}])
    assert not old.is_moderator("@mod:hs")  # before v12 a creator is an ordinary entry
    assert missing(old.rights("@bot:hs")) == ["redact", "ban"]


def test_alerts_name_matrix_ids_not_numbers(sqlite_url: str) -> None:
    app = build(Settings(database_url=sqlite_url, bot=BotSettings()))
    try:
        service = matrix_service(app)
        user = service.number("user", "@eve:hs")
        outbox = MatrixOutbox(None, service, _direct)
        text = asyncio.run(outbox._text(f"Sender: {user} (removals: 1), 1234567890123456789"))
        assert text == "Sender: @eve:hs (removals: 1), 1234567890123456789"
    finally:
        app.close()


async def _direct(fn: Any, *args: Any) -> Any:
    return fn(*args)
