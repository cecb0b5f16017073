"""Conversations: the replied-to message, else the sender's own recent messages; bounded."""

from __future__ import annotations

from rempart.core.conversations import SENDER_SECONDS, Conversations, read_item
from rempart.core.items import Item, Location
from rempart.core.text import classify
from rempart.core.text.context import Earlier


def _at(message_id: int, sender: str, second: int, chat: int = 1,
        reply: int | None = None) -> Location:
    minute, sec = divmod(second, 60)
    hour, minute = divmod(minute, 60)
    return Location("telegram", "e", chat_id=chat, message_id=message_id, sender_id=sender,
                    date_utc=f"2024-01-01T{10 + hour:02d}:{minute:02d}:{sec:02d}Z",
                    reply_to_message_id=reply)


def test_reply_target_first_then_the_senders_recent_messages() -> None:
    talk = Conversations()
    talk.add(_at(1, "a", 0), "qui a le dossier de Zorbina ?")
    talk.add(_at(2, "b", 10), "bonjour")
    talk.add(_at(3, "a", 20), "de la seconde B")
    assert [e.ref for e in talk.context(_at(4, "c", 30, reply=1))] == ["1"]
    assert [e.ref for e in talk.context(_at(4, "a", 30))] == ["1", "3"]
    assert talk.context(_at(4, "c", 30)) == []
    assert talk.context(_at(4, "a", 20 + int(SENDER_SECONDS) + 1)) == []
    assert talk.context(_at(4, "a", 30, chat=2)) == []


def test_read_classifies_messages_in_context_and_remembers_them() -> None:
    talk = Conversations()
    assert talk.read(Item(_at(1, "a", 0), "qui a le dossier de Zorbina de la seconde B ?", (),
                          "message"))
    verdict = talk.read(Item(_at(2, "a", 30), "envoie en pv stp", (), "message"))
    assert verdict is not None and verdict.labels == ("ncii_request",)
    assert verdict.context == ("1",)
    assert talk.read(Item(_at(3, "a", 40), "   ", (), "message")) is None


def test_service_messages_are_read_alone_and_not_remembered() -> None:
    talk = Conversations()
    talk.skip(Item(_at(1, "a", 0), "you blue see photos we quiet", (), "message"))
    joined = talk.read(Item(_at(2, "a", 10), "join_group_by_link: Group", (), "service"))
    assert joined is not None and joined.labels == () and joined.context == ()
    assert [e.ref for e in talk.context(_at(3, "a", 20))] == ["1"]


def test_memory_is_bounded_per_chat_and_in_chats() -> None:
    talk = Conversations(per_chat=3, chats=2)
    for n in range(10):
        talk.add(_at(n, "a", n), f"message {n}")
    assert [e.ref for e in talk.context(_at(99, "z", 20, reply=2))] == []
    assert [e.ref for e in talk.context(_at(99, "z", 20, reply=8))] == ["8"]
    talk.add(_at(1, "a", 0, chat=2), "x")
    talk.add(_at(1, "a", 0, chat=3), "y")
    assert talk.context(_at(99, "z", 20, reply=8)) == []  # chat 1 forgotten
    assert talk.context(_at(5, "a", 5, chat=4)) == []


def test_read_item_is_the_rule_read_applies_with_context_given() -> None:
    request = "qui a le dossier de Zorbina de la seconde B ?"
    earlier = [Earlier("1", request)]
    talk = Conversations()
    talk.read(Item(_at(1, "a", 0), request, (), "message"))
    reply = Item(_at(2, "b", 30, reply=1), "envoie en pv stp", (), "message")
    given = read_item(reply, earlier)
    assert given is not None and given.labels == ("ncii_request",) and given.context == ("1",)
    assert talk.read(reply) == given
    service = Item(_at(3, "a", 40), "envoie en pv stp", (), "service")
    assert read_item(service, earlier) == classify("envoie en pv stp")
    assert read_item(Item(_at(4, "a", 50), " \n", (), "message"), earlier) is None
    assert read_item(reply) == classify("envoie en pv stp")
