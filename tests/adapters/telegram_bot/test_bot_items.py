"""One message seen by the bot and read from an export gives the same item: text, links (the
hidden ones placed by characters, not UTF-16 units), sender, reply, date and link; and the
scan names its place and sender as the bot's flood guard does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram import Update

from rempart.adapters.telegram_bot.items import message_of
from rempart.adapters.telegram_export.messages import ChatContext, to_item
from rempart.adapters.telegram_export.paths import MediaResolver
from rempart.services.scan.sightings import place_of, sender_of

CHAT, BARE = -1001234567890, 1234567890
WHEN = 1_772_360_000
BEFORE, HIDDEN, AFTER = "🎉 vois ", "ce 🎉 lien", " ou t.me/somechannel"
INVITE, BUTTON = "https://t.me/+AbCdEf123", "https://example.org/x"


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _update(**content: Any) -> Update:
    message = {
        "message_id": 42, "date": WHEN,
        "chat": {"id": CHAT, "type": "supergroup", "title": "Demo"},
        "from": {"id": 7, "is_bot": False, "first_name": "Ann"},
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "url": BUTTON}]]},
        "reply_to_message": {"message_id": 41, "date": WHEN - 60, "text": "earlier",
                             "chat": {"id": CHAT, "type": "supergroup", "title": "Demo"}},
        **(content or {"text": BEFORE + HIDDEN + AFTER, "entities": [
            {"type": "text_link", "url": INVITE, "offset": _units(BEFORE),
             "length": _units(HIDDEN)}]}),
    }
    update = Update.de_json({"update_id": 1, "message": message}, None)
    assert update is not None
    return update


def _exported() -> dict[str, Any]:
    return {
        "id": 42, "type": "message", "date": "2026-03-01T11:13:20",
        "date_unixtime": str(WHEN), "from": "Ann", "from_id": "user7",
        "reply_to_message_id": 41,
        "text": [BEFORE, {"type": "text_link", "text": HIDDEN, "href": INVITE}, AFTER],
        "inline_bot_buttons": [[{"type": "url", "text": "Go", "data": BUTTON}]],
    }


def test_the_bot_and_an_export_read_one_message_alike(tmp_path: Path) -> None:
    message = message_of(_update())
    assert message is not None
    bot = message.item()
    chat = ChatContext("/exports/a", "Demo", "private_supergroup", BARE,
                       f"https://t.me/c/{BARE}/")
    export = to_item(_exported(), chat, MediaResolver(tmp_path), None)
    assert bot.text == export.text and bot.links == export.links
    assert [x.kind for x in bot.links] == ["invite", "public_chat", "other_url"]
    assert bot.text[bot.links[0].start:bot.links[0].end] == HIDDEN
    ours, theirs = bot.location, export.location
    for name in ("message_id", "date_utc", "sender_id", "reply_to_message_id", "link",
                 "chat_name"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert place_of(ours, "bot") == place_of(theirs, "/exports/a") == message.place
    assert sender_of(ours) == sender_of(theirs) == message.poster


def test_a_caption_has_its_own_hidden_links() -> None:
    message = message_of(_update(caption="voir 🎉 ici", caption_entities=[
        {"type": "text_link", "url": INVITE, "offset": 8, "length": 3}]))
    assert message is not None and message.text == "voir 🎉 ici"
    assert message.hidden_links == ((INVITE, 7, 10), (BUTTON, 10, 10))
