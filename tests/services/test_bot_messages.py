"""A bot message as the scanner's ``Item``: its place in export terms, its files as references,
its links; the review location built from it; senders spelled so that the scan's flood-guard
names are the bot's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from rempart.core.conversations import read_item
from rempart.core.links import extract_links
from rempart.core.text.context import classify_in_context
from rempart.services.bot_messages import (
    BOT_EXPORT,
    TEXT_LIMIT,
    BotMedia,
    BotMessage,
    export_peer,
)
from rempart.services.scan.sightings import place_of, sender_of

CHAT = -1001234567890
WHEN = datetime(2026, 3, 1, 10, 30, 5, tzinfo=UTC)


def _message(**fields: Any) -> BotMessage:
    base = BotMessage(3, CHAT, "supergroup", 42, WHEN, chat_title="Demo", user_id=7)
    return replace(base, **fields)


def test_the_item_says_where_as_an_export_does() -> None:
    item = _message(text="hello", replied=("41", "earlier"),
                    chat_username="somegroup").item()
    loc = item.location
    assert (loc.platform, loc.export, loc.chat_name, loc.chat_type) == (
        "telegram", BOT_EXPORT, "Demo", "supergroup")
    assert (loc.chat_id, loc.message_id, loc.reply_to_message_id) == (CHAT, 42, 41)
    assert (loc.date_utc, loc.date_is_local, loc.sender_id) == (
        "2026-03-01T10:30:05Z", False, "user7")
    assert loc.link == "https://t.me/somegroup/42"
    assert (item.text, item.raw_type, item.media, item.links) == ("hello", "message", (), ())


def test_dates_are_utc_whatever_the_zone() -> None:
    paris = WHEN.astimezone(timezone(timedelta(hours=1)))
    assert _message(date=paris).where().date_utc == "2026-03-01T10:30:05Z"
    assert _message(date=WHEN.replace(tzinfo=None)).where().date_utc == "2026-03-01T10:30:05Z"


@pytest.mark.parametrize(("fields", "spelled"), [
    ({}, "user7"),
    ({"sender_chat_id": -1009876543210}, "channel9876543210"),  # a channel identity
    ({"user_id": 1087968824, "sender_chat_id": CHAT}, "channel1234567890"),  # anonymous admin
    ({"user_id": None, "channel_post": True, "chat_type": "channel"}, "channel1234567890"),
    ({"user_id": 777000, "sender_chat_id": -1005, "automatic_forward": True}, "chat1005"),
    ({"chat_id": -77, "chat_type": "group"}, "user7"),
])
def test_the_sender_is_the_poster_spelled_as_an_export_spells_it(
        fields: dict[str, Any], spelled: str) -> None:
    message = _message(**fields)
    loc = message.where()
    assert loc.sender_id == spelled
    # The scan names an item's place and sender as the bot's flood guard does.
    assert sender_of(loc) == message.poster
    assert place_of(loc, "unused") == message.place


def test_export_peer_is_what_the_scan_reads_back() -> None:
    for chat_id in (-1001234567890, -1000000000001, -77, -100123):
        assert sender_of(replace(_message().where(), sender_id=export_peer(chat_id))) == (
            f"telegram:chat:{chat_id}")


@pytest.mark.parametrize(("origin", "expected"), [
    ({"type": "user", "sender_user": 5}, (None, "user5")),
    ({"type": "hidden_user", "sender_user_name": "someone"}, ("someone", None)),
    ({"type": "chat", "sender_chat": -1001}, (None, "chat1001")),
    ({"type": "channel", "chat": -1002222222222, "message_id": 9}, (None, "channel2222222222")),
    (None, (None, None)),
])
def test_a_forward_names_its_origin_as_an_export_does(
        origin: dict[str, object] | None, expected: tuple[str | None, str | None]) -> None:
    loc = _message(forward_origin=origin).where()
    assert (loc.forwarded_from, loc.forwarded_from_id) == expected


def test_files_are_references_in_media_order_never_paths_on_disk() -> None:
    thumb = BotMedia("t", "tu", "thumbnail", 10)
    media = (BotMedia("a", "au", "video", 5_000_000, thumb), BotMedia("b", "bu", "document"),
             BotMedia("c", "cu", "something_new"))
    refs = _message(media=media).item().media
    assert [(r.path, r.kind, r.size) for r in refs] == [
        ("tg:au", "video", 5_000_000), ("tg:bu", "document", None), ("tg:cu", "other", None)]
    assert all(r.resolved is None and r.problem is None and not r.readable for r in refs)


def test_links_are_found_as_an_export_reader_finds_them() -> None:
    text = "join t . me / + AbCdEf123 or this"
    hidden = (("https://t.me/somechannel/5", 29, 33), ("https://example.org/x", 33, 33))
    item = _message(text=text, hidden_links=hidden).item()
    assert item.links == extract_links(text, hrefs=hidden)
    assert {x.kind for x in item.links} == {"invite", "public_message", "other_url"}
    assert _message(hidden_links=hidden[:1]).item().links[0].kind == "public_message"


def test_text_is_read_up_to_telegrams_limit() -> None:
    assert len(_message(text="a" * (TEXT_LIMIT + 10)).item().text) == TEXT_LIMIT


def test_the_text_is_read_with_the_message_it_replies_to() -> None:
    request = "qui a le dossier de Zorbina de la seconde B ?"
    message = _message(text="envoie en pv stp", replied=("41", request))
    verdict = read_item(message.item(), message.earlier())
    assert verdict is not None and verdict.labels == ("ncii_request",)
    assert verdict == classify_in_context("envoie en pv stp", message.earlier())
    assert verdict.context == ("41",)
    assert message.earlier()[0].text == request and _message().earlier() == ()
    assert read_item(_message(text="  ").item(), message.earlier()) is None


def test_the_review_location_is_the_items_place_and_the_bots_ids() -> None:
    message = _message(sender_chat_id=-1009876543210, chat_username=None)
    assert message.location() == {
        "platform": "telegram", "chat": CHAT, "chat_title": "Demo", "message": 42,
        "link": "https://t.me/c/1234567890/42", "sender": 7,
        "sender_chat": -1009876543210, "date": "2026-03-01T10:30:05+00:00"}
    basic = _message(chat_id=-77, chat_type="group", date=WHEN.replace(tzinfo=None))
    assert basic.location() == {
        "platform": "telegram", "chat": -77, "chat_title": "Demo", "message": 42,
        "link": None, "sender": 7, "sender_chat": None, "date": "2026-03-01T10:30:05"}
