"""Telegram Desktop export reader: real exports of every format generation (from ../shared),
hand-written fixtures, generated exports, hostile paths, broken JSON, streaming at scale."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image

from rempart.adapters.telegram_export import (
    ExportError,
    ReadStats,
    count_messages,
    find_result_json,
    is_telegram_export,
    normalise_chat_id,
    read_folder_items,
    read_items,
    stream,
)
from rempart.adapters.telegram_export.sanitise import DepthGuard, EscapeFixer, NestingTooDeep
from rempart.adapters.telegram_export.stream import iter_messages
from rempart.bench.synthetic_export import make_export
from rempart.core.items import MEDIA_PROBLEMS, MEDIA_REF_KINDS, Item

DATA = Path(__file__).resolve().parents[1] / "data" / "telegram"
REPO = Path(__file__).resolve().parents[2]
SHARED_CANDIDATES = (REPO.parent / "shared" / "telegram-exports",
                     REPO / ".." / "shared" / "telegram-exports")
SHARED = next((p for p in SHARED_CANDIDATES if p.is_dir()), None)
SHARED_EXPORTS = sorted(p.parent.name for p in SHARED.glob("*/result.json")) if SHARED else []


def _jpeg(path: Path, color: tuple[int, int, int] = (40, 120, 200)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())


def _copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(DATA / name, dest)
    return dest


def _by_id(items: list[Item]) -> dict[int | None, Item]:
    return {item.location.message_id: item for item in items}


def _write_export(tmp_path: Path, messages: list[object], **chat: object) -> Path:
    root = tmp_path / "export"
    root.mkdir(exist_ok=True)
    doc = {"name": "Test Chat", "type": "private_supergroup", "id": 1234567890, **chat,
           "messages": messages}
    (root / "result.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return root


# --- real exports, 2020-2025 -------------------------------------------------------------

@pytest.mark.skipif(SHARED is None, reason="../shared/telegram-exports is not present")
@pytest.mark.parametrize("name", SHARED_EXPORTS or ["none"])
def test_every_real_export_generation_parses(name: str) -> None:
    assert SHARED is not None
    folder = SHARED / name
    doc = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    expected = [m for section in ("chats", "left_chats")
                for chat in doc.get(section, {}).get("list", []) for m in chat["messages"]]
    stats = ReadStats()
    items = list(read_items(folder, stats=stats))
    assert [i.location.message_id for i in items] == [m["id"] for m in expected]
    assert [i.raw_type for i in items] == [m["type"] for m in expected]
    assert count_messages(folder) == len(expected) == stats.messages
    for item in items:
        json.dumps(item.to_json())
        assert item.location.platform == "telegram"
        assert (item.location.date_utc or "").endswith("Z") != item.location.date_is_local
        for media in item.media:
            assert media.kind in MEDIA_REF_KINDS
            assert media.problem is None or media.problem in MEDIA_PROBLEMS
            assert (media.resolved is None) == (media.problem is not None)


@pytest.mark.skipif(SHARED is None, reason="../shared/telegram-exports is not present")
def test_real_export_details() -> None:
    assert SHARED is not None
    old = _by_id(list(read_items(SHARED / "telegram_2020-01")))
    assert old[4725].location.sender_id == "22222222"  # integer from_id of 2020
    assert old[4725].location.date_is_local and old[4725].location.date_utc == \
        "2016-11-09T00:29:16"
    sticker = old[4744].media
    assert [m.kind for m in sticker] == ["sticker", "thumbnail"]
    assert all(m.readable and Path(m.resolved or "").is_file() for m in sticker)
    assert old[10355].location.via_bot == "@saytextbot"
    assert old[10355].media[0].kind == "voice"
    assert [m.problem for m in old[10699].media] == ["not_included", "not_included"]
    assert old[4721].raw_type == "service" and old[4721].media[0].kind == "photo"
    assert old[4720].text.startswith("create_group")

    supergroup = _by_id(list(read_items(SHARED / "telegram_2021-06_supergroup")))
    assert supergroup[-999681090].location.link is None  # migrated from the basic group
    assert supergroup[358000].location.link == "https://t.me/c/1234567890/358000"

    newest = _by_id(list(read_items(SHARED / "telegram_2025-12")))
    assert newest[11112].location.forwarded_from_id == "channel123123123"
    assert newest[11115].media[0].problem == "unavailable"
    saved = _by_id(list(read_items(SHARED / "telegram_2024-02_create-channel_saved-from")))
    assert saved[11112].location.saved_from == "Saved From Name"
    audio_video = list(read_items(SHARED / "telegram_2023-10_audio-video"))
    assert [m.kind for m in audio_video[2].media] == ["video", "thumbnail"]
    assert audio_video[2].media[0].problem == "missing"
    assert audio_video[2].location.date_utc == "2022-10-11T14:49:15Z"


# --- hand-written fixtures ----------------------------------------------------------------

def test_single_chat_export(tmp_path: Path) -> None:
    root = _copy("single_chat", tmp_path)
    _jpeg(root / "photos/photo_1@01-03-2024_10-06-00.jpg")
    _jpeg(root / "files/IMG_2041.JPG")
    stats = ReadStats()
    items = _by_id(list(read_items(root / "result.json", stats=stats)))
    assert len(items) == 17 and stats.chats == 1 and stats.service == 2
    photo = items[3]
    assert photo.location.link == "https://t.me/c/1555000111/3"
    assert photo.location.chat_type == "private_supergroup"
    assert photo.location.date_utc == "2024-03-01T10:06:00Z" and not photo.location.date_is_local
    ref = photo.media[0]
    assert (ref.kind, ref.width, ref.height, ref.size) == ("photo", 320, 240, 20480)
    assert ref.resolved == str((root / ref.path).resolve())
    forwarded = items[4].location
    assert (forwarded.forwarded_from, forwarded.forwarded_from_id) == ("Lantern Notes",
                                                                       "channel1666000222")
    assert forwarded.reply_to_message_id == 3 and forwarded.sender_id == "user700000002"
    assert items[4].text == "New place: tap here or t.me/joinchat/LegacyHash_0987, ask " \
        "@lantern_keeper"
    assert [(x.kind, x.url) for x in items[4].links] == [
        ("invite", "https://t.me/+QwErTy123456AbCd"),  # hidden behind "tap here"
        ("invite", "https://t.me/+LegacyHash_0987"),
        ("mention", "https://t.me/lantern_keeper"),
    ]
    assert items[4].text[items[4].links[0].start:items[4].links[0].end] == "tap here"
    kinds = {i: [m.kind for m in items[i].media] for i in (5, 6, 7, 8, 9, 10)}
    assert kinds == {5: ["sticker", "thumbnail"], 6: ["animation", "thumbnail"],
                     7: ["video_note", "thumbnail"], 8: ["voice"], 9: ["document"],
                     10: ["video", "thumbnail"]}
    document = items[9].media[0]
    assert document.mime_type == "image/jpeg" and document.readable
    assert document.file_name == "IMG_2041.JPG"
    assert items[6].media[0].duration == 3.0
    assert [m.problem for m in items[11].media] == ["not_included"]
    assert [m.problem for m in items[12].media] == ["too_large", "not_included"]
    assert [m.problem for m in items[13].media] == ["unavailable"]
    assert items[5].media[0].problem == "missing"
    assert [x.url for x in items[14].links] == ["https://t.me/addlist/HarbourFolder01"]
    assert items[14].location.via_bot == "@harbour_helper_bot"
    assert items[15].text == "Next meeting?\nFriday\nSaturday"
    assert items[15].location.saved_from == "Lantern Notes"
    assert items[16].raw_type == "unsupported" and items[16].text == ""
    assert items[17].text == "line one\x0bline two"  # Telegram's \x0B escape, not JSON
    assert items[17].location.sender_name is None
    assert items[2].text == "invite_members: Tobin Ashgrove"
    assert stats.problems == {"missing": 9, "not_included": 2, "too_large": 1, "unavailable": 1}


def test_legacy_export_without_unixtime_and_integer_ids(tmp_path: Path) -> None:
    root = _copy("legacy_2019", tmp_path)
    items = list(read_items(root))
    assert all(i.location.date_is_local for i in items)
    assert items[0].location.date_utc == "2019-05-04T18:30:00"
    assert items[0].location.sender_id == "310000001"
    assert items[2].location.sender_id == "user310000002"  # old 2^32 user shift undone
    assert items[2].location.chat_id == 1444000555  # old 2^33 chat shift undone
    assert items[2].location.link == "https://t.me/c/1444000555/303"
    assert [(x.kind, x.target) for x in items[2].links] == [("invite", "OldStyleInvite42")]
    assert [(x.kind, x.message_id) for x in items[1].links] == [("public_message", 12)]
    assert items[2].location.forwarded_from == "Seed Library"


def test_full_account_export(tmp_path: Path) -> None:
    root = _copy("full_account", tmp_path)
    _jpeg(root / "chats/chat_001/photos/photo_1@02-02-2024_09-00-00.jpg")
    stats = ReadStats()
    items = list(read_items(root, stats=stats,
                            usernames={1666000222: "lantern_notes_fictional"}))
    chats = [(i.location.chat_name, i.location.chat_type) for i in items]
    assert chats == [("Lantern Notes", "public_channel"),
                     ("Quiet Harbour Club", "private_supergroup"),
                     ("Quiet Harbour Club", "private_supergroup"),
                     ("Quiet Harbour Club", "private_supergroup"),
                     ("Weekend Walkers", "private_group"), ("Bram Oakley", "personal_chat"),
                     ("Old Book Swap", "private_supergroup")]
    assert stats.chats == 5 and stats.messages == 7  # the bare 42 is skipped
    assert items[0].location.link == "https://t.me/lantern_notes_fictional/40"
    assert items[0].media[0].readable
    assert items[1].location.link is None  # negative id: migrated basic-group message
    assert items[3].raw_type == "brand_new_kind"
    assert items[3].text == "a message type this reader does not know"
    assert items[4].location.link is None and items[5].location.link is None
    assert items[6].location.link == "https://t.me/c/1777000333/9"
    without_usernames = list(read_items(root))
    assert without_usernames[0].location.link == "https://t.me/c/1666000222/40"


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 4096])
def test_tiny_chunks_give_the_same_items(tmp_path: Path, chunk_size: int) -> None:
    for name in ("single_chat", "legacy_2019", "full_account"):
        expected = [i.to_json() for i in read_items(DATA / name)]
        got = [i.to_json() for i in read_items(DATA / name, chunk_size=chunk_size)]
        assert got == expected


def test_chat_fields_after_messages(tmp_path: Path) -> None:
    root = tmp_path / "odd"
    root.mkdir()
    (root / "result.json").write_text(
        '{"messages": [{"id": 5, "type": "message", "text": "hi"}, {"id": 6, "type": '
        '"message", "text": "there"}], "id": 1000000001, "type": "private_channel", '
        '"name": "Keys Last"}', encoding="utf-8")
    for chunk_size in (3, 1 << 16):
        items = list(read_items(root, chunk_size=chunk_size))
        assert [i.location.link for i in items] == ["https://t.me/c/1000000001/5",
                                                    "https://t.me/c/1000000001/6"]
        assert items[0].location.chat_name == "Keys Last"


def test_service_text_keeps_hidden_link_spans(tmp_path: Path) -> None:
    root = _write_export(tmp_path, [
        {"id": 3, "type": "service", "actor": "Ann Example", "actor_id": "user1",
         "action": "send_star_gift", "gift_text": "for you t.me/+GiftLink12345",
         "text": [{"type": "text_link", "text": "open", "href": "https://t.me/+Hidden98765"}]},
    ])
    [item] = read_items(root)
    assert item.text == "send_star_gift: for you t.me/+GiftLink12345\nopen"
    assert item.location.sender_name == "Ann Example"
    spans = {x.target: item.text[x.start:x.end] for x in item.links}
    assert spans == {"GiftLink12345": "t.me/+GiftLink12345", "Hidden98765": "open"}


def test_chat_ids_are_normalised() -> None:
    assert normalise_chat_id(-1001234567890, "public_supergroup") == 1234567890
    assert normalise_chat_id("1234567890", "private_channel") == 1234567890
    assert normalise_chat_id((2 << 32) + 555, "private_group") == 555
    assert normalise_chat_id(-4012000333, "private_group") == 4012000333
    assert normalise_chat_id(6_000_000_000, "personal_chat") == 6_000_000_000
    assert normalise_chat_id(None, "private_channel") is None
    assert normalise_chat_id("abc", "private_channel") is None


# --- hostile and broken input ---------------------------------------------------------------

@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_paths_leaving_the_export_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.jpg"
    _jpeg(outside)
    messages: list[object] = [
        {"id": n, "type": "message", "photo": path, "text": ""}
        for n, path in enumerate([str(outside), "../outside.jpg", "photos/../../outside.jpg",
                                  "photos/link_out.jpg", "linked_dir/x.jpg",
                                  "photos\\..\\..\\outside.jpg", "C:\\Users\\x.jpg",
                                  "photos/ok.jpg", "photos/link_in.jpg", "photos/nul\u0000.jpg",
                                  "photos", ""], start=1)]
    root = _write_export(tmp_path, messages)
    _jpeg(root / "photos/ok.jpg")
    (root / "photos/link_out.jpg").symlink_to(outside)
    (root / "photos/link_in.jpg").symlink_to(root / "photos/ok.jpg")
    (root / "linked_dir").symlink_to(tmp_path)
    _jpeg(tmp_path / "x.jpg")
    stats = ReadStats()
    problems = [i.media[0].problem for i in read_items(root, stats=stats)]
    assert problems == ["refused_path"] * 7 + [None, None, "refused_path", "not_a_file",
                                               "empty_path"]
    assert stats.problems["refused_path"] == 8
    assert {raw for _, raw, _ in stats.refused} >= {str(outside), "../outside.jpg"}
    resolved = [i.media[0].resolved for i in read_items(root)]
    assert resolved[7] == resolved[8] == str((root / "photos/ok.jpg").resolve())
    assert all(r is None or r.startswith(str(root.resolve())) for r in resolved)


def test_truncated_json_yields_what_was_read_then_fails_clearly(tmp_path: Path) -> None:
    messages: list[object] = [{"id": n, "type": "message", "text": f"message {n}"}
                              for n in range(1, 401)]
    root = _write_export(tmp_path, messages)
    path = root / "result.json"
    data = path.read_bytes()
    cut = data.index(b'"message 300"')
    path.write_bytes(data[:cut])
    got: list[int | None] = []
    with pytest.raises(ExportError) as info:
        for item in read_items(root, chunk_size=1024):
            got.append(item.location.message_id)
    assert got[:299] == list(range(1, 300))
    assert len(got) <= 300
    error = info.value
    assert error.offset == cut and error.line == data[:cut].count(b"\n") + 1
    assert "malformed JSON" in str(error) and f"byte {cut}" in str(error)


def test_garbage_in_the_middle_names_its_line(tmp_path: Path) -> None:
    messages: list[object] = [{"id": n, "type": "message", "text": f"m{n}"} for n in range(1, 51)]
    root = _write_export(tmp_path, messages)
    path = root / "result.json"
    text = path.read_text(encoding="utf-8")
    bad = text.index('"m30"')
    path.write_text(text[:bad] + "@@" + text[bad:], encoding="utf-8")
    got: list[Item] = []
    with pytest.raises(ExportError) as info:
        got.extend(read_items(root, chunk_size=256))
    assert 28 <= len(got) <= 30
    assert info.value.line == text[:bad].count("\n") + 1
    assert info.value.offset == len(text[:bad].encode())


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    data = (DATA / "legacy_2019" / "result.json").read_bytes()
    (tmp_path / "result.json").write_bytes(b"\xef\xbb\xbf" + data)
    assert len(list(read_items(tmp_path, chunk_size=2))) == 4


@pytest.mark.parametrize("content", [b"", b"[1, 2]", b'[{"messages": []}]',
                                     b'{"about": "x", "contacts": {}}',
                                     b"\xff\xfe{", b'{"messages": [{"id": 1, "text": "\xff"}]}'])
def test_not_an_export(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "result.json").write_bytes(content)
    with pytest.raises(ExportError):
        list(read_items(tmp_path))


def test_absurd_nesting_is_refused_before_the_parser(tmp_path: Path) -> None:
    depth = 200_000  # would take the streaming parser tens of GB (one prefix per level)
    (tmp_path / "result.json").write_text(
        '{"name": "x", "type": "private_group", "id": 1, "messages": [{"id": 1, "type": '
        '"message", "text": "ok"}, {"id": 2, "type": "message", "text": '
        + "[" * depth + "]" * depth + "}]}", encoding="utf-8")
    got: list[Item] = []
    with pytest.raises(ExportError, match="nested deeper"):
        got.extend(read_items(tmp_path, chunk_size=64))
    assert [i.location.message_id for i in got] == [1, 2]  # 2 as far as it was read
    assert got[1].text == ""


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 1000])
def test_depth_guard_ignores_strings_and_escapes(chunk_size: int) -> None:
    value = {"a": '[[[[[[" [[[[\\', "b": [[1]], "c": ']]]]\\"]]{{{', "d": "\\x41[["}
    data = json.dumps(value).encode()
    guard, fixer = DepthGuard(max_depth=3), EscapeFixer()
    for i in range(0, len(data), chunk_size):
        if part := fixer.feed(data[i:i + chunk_size]):
            guard.check(part)
    guard.check(fixer.flush())
    assert (guard.depth, guard.in_string) == (0, False)
    with pytest.raises(NestingTooDeep):
        DepthGuard(max_depth=3).check(b'{"a": [[[1]]]}')


def test_pure_python_parser_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    import ijson

    expected = [i.to_json() for i in read_items(DATA / "full_account")]
    monkeypatch.setattr(stream, "_parser_backend", lambda: ijson.get_backend("python"))
    assert [i.to_json() for i in read_items(DATA / "full_account", chunk_size=9)] == expected


def test_missing_export_and_json_discovery(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no such file"):
        list(read_items(tmp_path / "nope"))
    with pytest.raises(ExportError, match=r"no result\.json"):
        find_result_json(tmp_path)
    (tmp_path / "messages.html").write_text("<html></html>")
    with pytest.raises(ExportError, match="HTML export"):
        find_result_json(tmp_path)
    renamed = tmp_path / "exported.json"
    shutil.copy(DATA / "single_chat" / "result.json", renamed)
    assert find_result_json(tmp_path) == renamed
    assert is_telegram_export(tmp_path) and is_telegram_export(DATA / "full_account")
    assert not is_telegram_export(tmp_path / "nope")


# --- generated exports ----------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["single", "full"])
def test_generated_export_with_banked_copies(tmp_path: Path, shape: str) -> None:
    buf = io.BytesIO()
    Image.radial_gradient("L").convert("RGB").save(buf, "PNG")
    export = make_export(tmp_path / shape, messages=400, photos=60, banked=[buf.getvalue()],
                         seed=3, shape=shape)  # type: ignore[arg-type]
    stats = ReadStats()
    items = list(read_items(export, stats=stats))
    assert len(items) == 400 == count_messages(export.root)
    readable = {m.path for i in items for m in i.media if m.readable}
    assert len(readable) == export.photos == 60
    assert {p.path for p in export.planted} <= readable and len(export.planted) == 3
    for planted in export.planted:
        with Image.open(export.root / planted.path) as image:
            assert image.format == "JPEG"
    assert stats.problems["refused_path"] >= 3 and stats.problems["missing"] >= 1
    links = {x.target for i in items for x in i.links if x.kind == "invite"}
    assert links == set(export.invite_hashes)
    assert any(i.location.forwarded_from for i in items)
    assert any(i.raw_type == "service" for i in items)
    if shape == "full":
        assert {i.location.chat_type for i in items} >= {"public_channel", "personal_chat"}


def test_generated_legacy_export(tmp_path: Path) -> None:
    export = make_export(tmp_path / "legacy", messages=120, photos=10, legacy=True, seed=1)
    items = list(read_items(export))
    assert len(items) == 120
    assert all(i.location.date_is_local for i in items)
    assert all((i.location.sender_id or "0").isdigit() for i in items)


def test_fifty_thousand_messages_stream_in_bounded_memory(tmp_path: Path) -> None:
    export = make_export(tmp_path / "big", messages=50_000, photos=20, hostile=False, pool=2)
    size = export.result_json.stat().st_size
    assert count_messages(export) == 50_000
    baseline = _rss()
    peak = 0
    count = 0
    for _item in read_items(export):
        count += 1
        if count % 2_500 == 0:
            peak = max(peak, _rss() - baseline)
    assert count == 50_000
    if baseline:  # loading the whole file would take several times its size
        assert peak < size // 2, (peak, size)


def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def test_raw_stream_keeps_no_finished_messages(tmp_path: Path) -> None:
    export = make_export(tmp_path / "raw", messages=3_000, photos=0, hostile=False, pool=1)
    seen = 0
    for header, message in iter_messages(export.result_json, chunk_size=4096):
        seen += 1
        assert header.type == "private_supergroup" and isinstance(message, dict)
    assert seen == 3_000


# --- plain folders ----------------------------------------------------------------------------

def test_read_folder_items(tmp_path: Path) -> None:
    root = tmp_path / "dump"
    _jpeg(root / "b.jpg")
    _jpeg(root / "sub" / "a.PNG")
    (root / "notes.txt").write_text("not media")
    (root / "sub" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    outside = tmp_path / "secret.jpg"
    _jpeg(outside)
    (root / "escape.jpg").symlink_to(outside)
    items = list(read_folder_items(root))
    assert [i.location.path for i in items] == ["b.jpg", "escape.jpg", "sub/a.PNG",
                                                "sub/clip.mp4"]
    assert all(i.location.platform == "folder" and i.raw_type == "file" for i in items)
    assert [i.media[0].kind for i in items] == ["photo", "photo", "photo", "video"]
    assert items[1].media[0].problem == "refused_path"
    assert items[0].media[0].resolved == str((root / "b.jpg").resolve())
    assert len(list(read_folder_items(root, all_files=True))) == 5
    with pytest.raises(NotADirectoryError):
        list(read_folder_items(root / "b.jpg"))
