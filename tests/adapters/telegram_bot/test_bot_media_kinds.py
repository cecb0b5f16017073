"""Media other than photos: documents, stickers, videos, files over the download limit; and no
media written to disk while the bot works."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_support import (
    BLOCK_SEED,
    CHAT,
    SIZE,
    USER,
    BotHarness,
    cropped_copy,
)
from PIL import Image

from rempart.bench.fake_bot_api import FakeBotApi
from rempart.bench.synthetic_images import make_photo, make_video, photo_bytes


def _file(api: FakeBotApi, data: bytes, **extra: Any) -> dict[str, Any]:
    file_id, unique = api.add_file(data, prefix="documents")
    return {"file_id": file_id, "file_unique_id": unique, "file_size": len(data), **extra}


def _run(api: FakeBotApi, h: BotHarness, *updates: dict[str, Any]) -> None:
    for update in updates:
        api.add_update(update)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= len(updates))
    assert runner.errors == 0


def test_banked_image_as_document_and_as_sticker(bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    doc = {"message": api.message(CHAT, USER, document=_file(
        api, cropped_copy(BLOCK_SEED), file_name="img.jpg", mime_type="image/jpeg"))}
    buf = io.BytesIO()
    make_photo(BLOCK_SEED, SIZE).resize((512, 384)).save(buf, "WEBP", quality=80)
    sticker = {"message": api.message(CHAT, USER + 1, sticker=_file(
        api, buf.getvalue(), width=512, height=384, type="regular", is_animated=False,
        is_video=False))}
    text_doc = {"message": api.message(CHAT, USER + 2, document=_file(
        api, b"%PDF-1.4 not an image", file_name="a.pdf", mime_type="application/pdf"))}
    _run(api, h, doc, sticker, text_doc)
    deleted = api.deleted()
    assert (CHAT, doc["message"]["message_id"]) in deleted
    assert (CHAT, sticker["message"]["message_id"]) in deleted
    assert (CHAT, text_doc["message"]["message_id"]) not in deleted


def _clip_of(im: Image.Image, seconds: int = 3, fps: int = 5) -> bytes:
    """An MP4 that shows ``im`` still for ``seconds`` (a photo re-posted as a video)."""
    import av
    from av.video.stream import VideoStream

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = im.width, im.height, "yuv420p"
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_image(im)
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def test_video_showing_a_banked_photo(bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    clip = _clip_of(make_photo(BLOCK_SEED, SIZE).resize((400, 300)))
    video = {"message": api.message(CHAT, USER, video=_file(
        api, clip, width=400, height=300, duration=3, mime_type="video/mp4"))}
    clean = {"message": api.message(CHAT, USER + 1, video=_file(
        api, make_video([91, 92], seconds_per_scene=1.0), width=320, height=240, duration=2,
        mime_type="video/mp4"))}
    _run(api, h, video, clean)
    deleted = api.deleted()
    assert (CHAT, video["message"]["message_id"]) in deleted
    assert (CHAT, clean["message"]["message_id"]) not in deleted


def test_file_over_the_download_limit_is_checked_by_its_thumbnail(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    buf = io.BytesIO()
    make_photo(BLOCK_SEED, SIZE).resize((320, 240)).save(buf, "JPEG", quality=80)
    thumb_id, thumb_unique = api.add_file(buf.getvalue())
    big = {"message": api.message(CHAT, USER, video={
        "file_id": "BIGFILE", "file_unique_id": "BIGUNIQUE", "file_size": 900 * 1024 * 1024,
        "width": 1920, "height": 1080, "duration": 600, "mime_type": "video/mp4",
        "thumbnail": {"file_id": thumb_id, "file_unique_id": thumb_unique,
                      "file_size": 10_000, "width": 320, "height": 240}})}
    _run(api, h, big)
    assert (CHAT, big["message"]["message_id"]) in api.deleted()
    assert not any(c.params.get("file_id") == "BIGFILE" for c in api.calls_to("getFile"))


@pytest.fixture()
def no_writes(tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    writes: list[str] = []
    active = [True]

    def hook(event: str, args: tuple[object, ...]) -> None:
        if active[0] and event == "open" and len(args) >= 3:
            path, mode, flags = args[0], args[1], args[2]
            wants_write = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if wants_write and isinstance(path, str) and not path.endswith(
                    (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")):
                writes.append(path)

    temp = tmp_path_factory.mktemp("tmp")
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    sys.addaudithook(hook)
    yield writes
    active[0] = False
    assert list(Path(temp).iterdir()) == []


def test_no_media_written_to_disk(bot_env: tuple[FakeBotApi, BotHarness],
                                  no_writes: list[str]) -> None:
    api, h = bot_env
    _run(api, h, api.photo_message(CHAT, USER, cropped_copy(BLOCK_SEED)),
         api.photo_message(CHAT, USER + 1, photo_bytes(55, SIZE)))
    assert [w for w in no_writes if not w.startswith("/dev/")] == []

