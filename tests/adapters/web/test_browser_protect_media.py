"""The victim portal with photos and videos in Debian's chromium, against a uvicorn server on
loopback: every request is recorded while two photos, a video and a file chromium cannot play
are registered; no body may carry the files' bytes (magic numbers or slices of each file) nor
exceed what its signals need. The server's matcher then finds the registered photo after a
crop, added borders and caption bands, and the video re-encoded or with a caption band (its
centres, computed in the browser); then items are added to the
case through ``/protect?case=…``, and the cancel button stops hashing before anything is sent.
Skipped where chromium or playwright is absent, except under ``CI=true``."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps
from test_browser_protect_signals import captioned  # type: ignore[import-not-found]
from web_support import served_url

from rempart.adapters.web.protect_items import FRAME_BYTES, HEAD_BYTES, ITEM_BYTES, RegisterIn
from rempart.app import App, build
from rempart.bench.robustness_video import EDITS, decode, encode
from rempart.bench.synthetic_images import make_photo, make_video
from rempart.config import Settings, WebSettings
from rempart.core.media_signals import hash_bytes
from rempart.services.banks import list_entries
from rempart.services.cases import VICTIM_BANK

pytestmark = pytest.mark.browser
MAGIC = {"jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n", "webm": b"\x1a\x45\xdf\xa3",
         "mp4": b"ftyp"}


@pytest.fixture
def served(sqlite_url: str) -> Iterator[tuple[App, str]]:
    app = build(Settings(database_url=sqlite_url, web=WebSettings(
        protect_pow_bits=8, protect_burst=1000, protect_rate_per_minute=1000.0)))
    with served_url(app) as url:
        yield app, url
    app.close()


def _encoded(im: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def _slices(data: bytes) -> list[bytes]:
    """Distinctive 48-byte slices of a file: start (after the magic), middle, end, and more."""
    n = len(data)
    return [data[at:at + 48] for at in (16, n // 4, n // 2, 3 * n // 4, n - 48)]


def _captioned_clip(data: bytes) -> bytes:
    """A clip re-posted with a caption band over its lower edge (re-encoded as H.264)."""
    frames, fps = decode(data)
    return encode(EDITS["caption"](frames, random.Random(0)), fps)


def _register(page: Any, files: list[Path], expect_items: int) -> tuple[str, str]:
    page.set_input_files("#files", [str(p) for p in files])
    page.wait_for_function(  # functions, not strings: the page's CSP forbids eval
        f"() => document.querySelectorAll('#thumbs li').length === {len(files)}")
    page.click("#register")
    page.wait_for_selector("#result:not([hidden])", timeout=120_000)
    assert page.text_content("#case-items") == str(expect_items)
    return page.text_content("#case-number") or "", page.text_content("#case-secret") or ""


def test_photos_and_video_registered_then_matched(browser: Any, served: tuple[App, str],
                                                  tmp_path: Path) -> None:
    app, base = served
    photo = make_photo(51, (800, 600))
    files = {
        tmp_path / "photo.jpg": _encoded(photo, "JPEG"),
        tmp_path / "other.png": _encoded(make_photo(52, (480, 640)), "PNG"),
        tmp_path / "clip.webm": make_video([53, 54], seconds_per_scene=2.0, container="webm",
                                           codec="libvpx"),
        tmp_path / "broken.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64,
    }
    for path, data in files.items():
        path.write_bytes(data)

    requests: list[tuple[str, str, bytes]] = []
    context = browser.new_context(base_url=base, locale="en-GB")
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.on("request", lambda r: requests.append(
            (r.method, r.url, r.post_data_buffer or b"")))
        page.goto("/protect?lang=en")
        case, secret = _register(page, list(files), expect_items=3)
        assert case.startswith("VIC-") and secret
        notes = page.eval_on_selector_all("#thumbs .item-state",
                                          "els => els.map(e => e.textContent)")
        assert notes[:3] == ["fingerprints computed"] * 3
        assert "cannot play this video" in notes[3]
        assert page.eval_on_selector_all("#thumbs img, #thumbs video",
                                         "els => els.every(e => e.src.startsWith('blob:'))")
    finally:
        context.close()

    # Every request: no file bytes, no body larger than its signals need.
    posts = [(url, body) for method, url, body in requests if method == "POST"]
    assert [url[len(base):] for url, _ in posts] == ["/protect/register"]
    assert [url for _, url, body in requests if body] == [base + "/protect/register"]
    for method, url, body in requests:
        for kind, magic in MAGIC.items():
            assert magic not in body, (method, url, kind)
        for data in files.values():
            for piece in _slices(data):
                assert piece not in body, (method, url)
    body = posts[0][1]
    sent = RegisterIn.model_validate(json.loads(body))
    frames = sum(len(i.frames) for i in sent.items)
    assert [i.kind for i in sent.items] == ["image", "image", "video"] and frames == 4
    assert all(len(i.robust) >= 6 and len(i.variants) == 7 for i in sent.items[:2])
    # The video's centres as the server's own (the clip has no borders: no trimmed track).
    assert [v.variant for v in sent.items[2].vpdq_variants] == ["centre"]
    assert [f.t for f in sent.items[2].vpdq_variants[0].frames] == [
        f.t for f in sent.items[2].frames]
    tracks = sum(i.frame_count() for i in sent.items)
    bound = HEAD_BYTES + len(sent.items) * ITEM_BYTES + tracks * FRAME_BYTES
    print(f"\nregistration body: {len(body)} bytes for 2 photos and a 4-frame video with its "
          f"centres (bound {bound})")
    assert len(body) <= bound

    # The server's matcher finds the photo after a crop, borders and caption bands, and the
    # video re-encoded with another codec.
    app.matching.refresh()
    w, h = photo.size
    probes = {
        "crop 20% each side": photo.crop((w // 5, h // 5, w - w // 5, h - h // 5)),
        "top 60%": photo.crop((0, 0, w, int(h * 0.6))),
        "white border": ImageOps.expand(photo, 70, "white"),
        "black letterbox": ImageOps.expand(photo, (0, 150), "black"),
        "caption bands": captioned(photo),
    }
    for name, probe in probes.items():
        found = app.matching.match_bytes(_encoded(probe, "JPEG")).matches
        assert {m.bank for m in found} == {VICTIM_BANK}, name
    one_band = ImageOps.expand(photo, (0, 0, 0, 120), "white")
    print("one caption band below (needs ORB, server-only):",
          bool(app.matching.match_bytes(_encoded(one_band, "JPEG")).matches))
    again = make_video([53, 54], seconds_per_scene=2.0, container="mp4", codec="libx264")
    server_frames = [(f.t, f.hash[:16], f.quality)
                     for f in hash_bytes(files[tmp_path / "clip.webm"]).vpdq]
    browser_frames = [(f.t, f.hash[:16], f.quality) for f in sent.items[2].frames]
    assert {m.bank for m in app.matching.match_bytes(again).matches} == {VICTIM_BANK}, (
        server_frames, browser_frames)
    # Its second half alone: the first frame differs, so only the vPDQ frames can match.
    half = make_video([54], seconds_per_scene=2.0, container="mp4", codec="libx264")
    found = app.matching.match_bytes(half).matches
    assert {(m.bank, m.signal) for m in found} == {(VICTIM_BANK, "vpdq")}, found
    # With a caption band over its lower edge: its centres, computed in the browser, match.
    banded = _captioned_clip(files[tmp_path / "clip.webm"])
    found = app.matching.match_bytes(banded).matches
    assert {(m.bank, m.signal, m.entry_variant) for m in found} == {
        (VICTIM_BANK, "vpdq", "centre")}, found


def test_add_to_case_and_cancel(browser: Any, served: tuple[App, str], tmp_path: Path) -> None:
    app, base = served
    first, second = tmp_path / "first.png", tmp_path / "second.jpg"
    first.write_bytes(_encoded(make_photo(61, (640, 480)), "PNG"))
    second.write_bytes(_encoded(make_photo(62, (640, 480)), "JPEG"))
    long_video = tmp_path / "long.webm"
    long_video.write_bytes(make_video(list(range(70, 90)), seconds_per_scene=3.0, fps=5,
                                      container="webm", codec="libvpx"))
    context = browser.new_context(base_url=base, locale="en-GB")
    posts: list[str] = []
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto("/protect?lang=en")
        case, secret = _register(page, [first], expect_items=1)

        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.goto(f"/protect?case={case}&lang=en")
        assert page.input_value("#case-number-input") == case
        assert page.is_hidden("#minor") or page.query_selector("#minor") is None
        page.fill("#case-secret-input", secret)
        # Cancelled while the long video is hashed: nothing is sent.
        page.set_input_files("#files", [str(long_video)])
        page.click("#register")
        page.wait_for_selector("#cancel:not([hidden])")
        page.wait_for_function(
            "() => document.getElementById('progress').textContent.includes('frame')")
        page.click("#cancel")
        page.wait_for_function(
            "() => document.getElementById('progress').textContent.includes('Cancelled')")
        assert posts == [] and page.is_enabled("#register")

        _, kept = _register(page, [second], expect_items=1)
        assert page.text_content("#case-number") == case and secret not in kept
    finally:
        context.close()
    assert [u[len(base):] for u in posts] == ["/protect/add"]
    entries = list(list_entries(app.store, VICTIM_BANK))
    assert len({e.content_group for e in entries}) == 2
    assert {e.provenance.case_id for e in entries} == {case}
