"""A Matrix event as an item: the room, event and sender by their Matrix names and numbers, its
file by its ``mxc://`` URI; its review location unchanged."""

from __future__ import annotations

from rempart.adapters.matrix_bot.events import message_of
from rempart.services.matrix_bot import matrix_number


def test_a_matrix_event_is_an_item_of_the_matrix_platform() -> None:
    event = {"type": "m.room.message", "event_id": "$e1", "sender": "@eve:hs",
             "origin_server_ts": 1_700_000_000_000,
             "content": {"msgtype": "m.image", "body": "vois t.me/+AbCdEf123",
                         "filename": "a.jpg", "url": "mxc://hs/a", "info": {"size": 10}}}
    message = message_of(event, "!r:hs", "Room", matrix_number)
    assert message is not None
    item = message.item()
    loc = item.location
    assert (loc.platform, loc.chat_name, loc.chat_type, loc.sender_id) == (
        "matrix", "Room", "room", "@eve:hs")
    assert (loc.chat_id, loc.message_id) == (matrix_number("room", "!r:hs"),
                                            matrix_number("event", "$e1"))
    assert loc.date_utc == "2023-11-14T22:13:20Z" and loc.link == message.link
    assert [(r.path, r.kind, r.size) for r in item.media] == [("mxc://hs/a", "photo", 10)]
    assert [x.kind for x in item.links] == ["invite"]
    assert message.location() == {
        "platform": "matrix", "chat": "!r:hs", "chat_title": "Room", "message": "$e1",
        "link": message.link, "sender": "@eve:hs", "sender_chat": None,
        "date": "2023-11-14T22:13:20+00:00"}
