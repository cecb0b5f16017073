"""Item, Location and MediaRef: frozen value records with a JSON form."""

from __future__ import annotations

import dataclasses
import json

import pytest

from rempart.core.items import MEDIA_PROBLEMS, MEDIA_REF_KINDS, Item, Location, MediaRef
from rempart.core.links import extract_links


def _item() -> Item:
    location = Location(platform="telegram", export="/exports/demo", chat_name="Demo Chat",
                        chat_type="private_supergroup", chat_id=1234567890, message_id=42,
                        date_utc="2024-03-01T10:06:00Z", sender_name="Ann Example",
                        sender_id="user700000001", link="https://t.me/c/1234567890/42")
    media = (MediaRef("photos/a.jpg", "/exports/demo/photos/a.jpg", "photo", width=320,
                      height=240),
             MediaRef("(File not included. Change data exporting settings to download.)", None,
                      "video", mime_type="video/mp4", problem="not_included"))
    text = "join t.me/+AbCdEf12345"
    return Item(location, text, media, "message", extract_links(text))


def test_to_json_is_plain_json() -> None:
    item = _item()
    data = item.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["location"]["link"] == "https://t.me/c/1234567890/42"
    assert data["location"]["date_is_local"] is False
    assert data["media"][0] == {"path": "photos/a.jpg", "resolved": "/exports/demo/photos/a.jpg",
                                "kind": "photo", "mime_type": None, "width": 320,
                                "height": 240, "duration": None, "file_name": None,
                                "size": None, "problem": None, "problem_detail": None}
    assert data["links"][0]["kind"] == "invite"
    assert set(data) == {"location", "text", "media", "raw_type", "links"}
    assert set(data["location"]) == {f.name for f in dataclasses.fields(Location)}


def test_records_are_frozen() -> None:
    item = _item()
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.text = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.location.link = None  # type: ignore[misc]
    assert hash(item.media[0]) == hash(dataclasses.replace(item.media[0]))


def test_readable_only_without_problem() -> None:
    ok, skipped = _item().media
    assert ok.readable and not skipped.readable
    assert MediaRef("x.jpg", None, "photo", problem="missing").readable is False


def test_vocabularies() -> None:
    assert "refused_path" in MEDIA_PROBLEMS and "missing" in MEDIA_PROBLEMS
    assert {"photo", "video", "animation", "video_note", "sticker", "document", "voice",
            "audio", "thumbnail", "other"} == set(MEDIA_REF_KINDS)


def test_folder_location_defaults() -> None:
    location = Location(platform="folder", export="/dump", path="sub/a.jpg")
    data = location.to_json()
    assert data["path"] == "sub/a.jpg" and data["chat_id"] is None and data["link"] is None
