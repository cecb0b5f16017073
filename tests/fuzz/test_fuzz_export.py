"""Fuzz the Telegram export reader for a bounded time (see ``fuzz_export.py``).

Attacker: whoever hands a moderator an export to scan (a hand-edited ``result.json``), or a
group member whose messages end up in one. Asset: the scan itself: a malformed export is an
``ExportError`` naming where it broke, after the messages before it; nothing else may stop
``rempart scan`` or leak a path outside the export folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzz.runner import run_fuzzer
from rempart.adapters.telegram_export import ExportError, read_items

_SEEDS = {
    "raw": b"\x01\x00\x00" + json.dumps({
        "name": "Club", "type": "private_supergroup", "id": 12,
        "messages": [{"id": 1, "type": "message", "text": "hi \\x01", "photo": "photos/a.jpg",
                      "poll": {"question": "q", "answers": [{"text": "a"}]}}]}).encode(),
    "document": b"\x10\x00\x01" + bytes(range(64)),
}


def test_export_reader_survives_fuzzing(tmp_path: Path) -> None:
    for name, seed in _SEEDS.items():
        (tmp_path / name).write_bytes(seed)
    run_fuzzer(Path(__file__).with_name("fuzz_export.py"), seconds=15,
               corpus=tmp_path)


def _export(tmp_path: Path, body: bytes) -> Path:
    (tmp_path / "result.json").write_bytes(body)
    return tmp_path


def test_what_the_fuzzer_found_invalid_utf8_is_an_export_error(tmp_path: Path) -> None:
    """Found by the harness: bytes that are not UTF-8 raised ``UnicodeDecodeError`` while the
    error's position was being located, which stopped the whole scan."""
    head = b'{"name": "x", "type": "private_group", "id": 1, "messages": [{"id": 1, "type": '
    body = head + b'"message", "text": "ok"}, {"id": 2, "text": "\xed\xa0\x80"}]}'
    items = []
    with pytest.raises(ExportError, match="malformed JSON") as err:
        items.extend(read_items(_export(tmp_path, body), chunk_size=16))
    assert err.value.offset is not None and err.value.line == 1
    assert items[0].location.message_id == 1 and items[0].text == "ok"


def test_what_the_fuzzer_found_answers_that_are_not_a_list(tmp_path: Path) -> None:
    """Found while writing the harness: a poll or to-do list whose ``answers`` is a number
    raised ``TypeError`` out of the reader."""
    messages = [{"id": 1, "type": "message", "poll": {"question": "q", "answers": 5}},
                {"id": 2, "type": "message", "todo_list": {"title": "t", "answers": True}}]
    doc = {"name": "x", "type": "private_group", "id": 1, "messages": messages}
    items = list(read_items(_export(tmp_path, json.dumps(doc).encode())))
    assert [i.text for i in items] == ["q", "t"]
