"""The portal's JSON for videos and robust signals, and adding items to an existing case,
through the ASGI app: strict validation, a body no larger than its signals need, the caps of
items and frames, the ``/protect?case=`` page and ``/protect/add`` (wrong secret, closed case,
cap, proof-of-work spent once)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from web_support import WebClient

from rempart.adapters.web.protect_items import FRAME_BYTES, HEAD_BYTES, ITEM_BYTES, TRACKS
from rempart.app import App, build, create_http_app
from rempart.bench.synthetic_images import make_video, photo_bytes
from rempart.config import HashLimits, HashSettings, Settings, WebSettings
from rempart.core.media_signals import hash_bytes
from rempart.core.signals import vpdq
from rempart.core.types import FrameHash, MediaHashes
from rempart.services.banks import list_entries
from rempart.services.case_signals import ROBUST_NAMES
from rempart.services.cases import VICTIM_BANK
from rempart.services.proof_of_work import solve

BITS = 4
DIHEDRAL = ("rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1")


@pytest.fixture
def portal(sqlite_url: str) -> Iterator[tuple[App, WebClient]]:
    app = build(Settings(
        database_url=sqlite_url,
        hashing=HashSettings(limits=HashLimits(max_video_frames=12, max_video_seconds=30)),
        web=WebSettings(protect_pow_bits=BITS, protect_max_items=3, protect_burst=1000,
                        protect_rate_per_minute=1000.0)))
    with WebClient(create_http_app(app)) as client:
        yield app, client
    app.close()


def _frames(frames: tuple[FrameHash, ...]) -> list[dict[str, Any]]:
    return [{"frame": f.frame, "hash": f.hash, "quality": f.quality, "t": f.t} for f in frames]


def item_json(h: MediaHashes) -> dict[str, Any]:
    """The JSON the page posts for a file the server hashed into ``h``."""
    assert h.pdq is not None
    if h.kind == "video":
        return {"kind": "video", "sha256": h.sha256, "md5": h.md5, "pdq": h.pdq.hash,
                "pdq_quality": h.pdq.quality,
                "frames": _frames(h.vpdq),
                "vpdq_variants": [{"variant": v.variant, "frames": _frames(v.frames)}
                                  for v in h.vpdq_variants if v.variant != "still"]}
    return {"kind": "image", "sha256": h.sha256, "md5": h.md5, "pdq": h.pdq.hash,
            "pdq_quality": h.pdq.quality,
            "variants": {v.variant: v.hash for v in h.pdq_variants if v.variant in DIHEDRAL},
            "robust": {v.variant: {"hash": v.hash, "quality": v.quality}
                       for v in h.pdq_variants if v.variant in ROBUST_NAMES}}


def _csrf(client: WebClient, path: str = "/protect") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def _post(client: WebClient, path: str, body: dict[str, Any] | bytes) -> Any:
    token = _csrf(client)
    if isinstance(body, dict):
        got = client.get("/protect/challenge").json()
        body = json.dumps({"challenge": got["challenge"],
                           "nonce": solve(got["challenge"], got["bits"]), **body},
                          separators=(",", ":")).encode()
    return client.post(path, content=body, headers={
        "X-CSRF-Token": token, "Content-Type": "application/json"})


@pytest.fixture(scope="module")
def media() -> dict[str, MediaHashes]:
    return {
        "photo": hash_bytes(photo_bytes(31, (640, 480), "JPEG")),
        "photo2": hash_bytes(photo_bytes(32, (480, 640), "PNG")),
        "video": hash_bytes(make_video([4, 5], seconds_per_scene=2.0, container="webm",
                                       codec="libvpx")),
    }


def test_video_and_robust_signals_banked(portal: tuple[App, WebClient],
                                         media: dict[str, MediaHashes]) -> None:
    app, client = portal
    items = [item_json(media["photo"]), item_json(media["video"])]
    assert items[0]["robust"] and len(items[1]["frames"]) == 4
    assert [v["variant"] for v in items[1]["vpdq_variants"]] == ["centre"]
    r = _post(client, "/protect/register", {"items": items})
    assert r.status_code == 201, r.text
    entries = list(list_entries(app.store, VICTIM_BANK))
    variants = {e.provenance.metadata.get("variant") for e in entries}
    assert set(items[0]["robust"]) <= variants
    videos = [e for e in entries if e.signal_type == "vpdq"]
    assert [e.provenance.metadata.get("variant") for e in videos] == [None, "centre"]
    assert videos[1].value == vpdq.serialize(media["video"].vpdq_variants[0].frames)
    page = client.get("/protect")
    assert "media-src 'self' blob:" in page.headers["content-security-policy"]
    assert 'data-video-fps="1.0"' in page.text and 'data-max-video-frames="12"' in page.text


@pytest.mark.parametrize("change", [
    {"frames": [{"frame": 0, "hash": "ab" * 32, "quality": 90, "t": 0.0}]},  # image + frames
    {"robust": {"region-nose": {"hash": "ab" * 32, "quality": 90}}},
    {"robust": {"trim": {"hash": "ab" * 31, "quality": 90}}},
    {"robust": {"trim": {"hash": "ab" * 32, "quality": 900}}},
    {"kind": "animation"},
    {"extra": 1},
])
def test_malformed_items_refused(portal: tuple[App, WebClient], media: dict[str, MediaHashes],
                                 change: dict[str, Any]) -> None:
    app, client = portal
    r = _post(client, "/protect/register", {"items": [{**item_json(media["photo"]), **change}]})
    assert r.status_code == 422, r.text
    assert app.store.get_bank(VICTIM_BANK) is None


def test_body_bounded_by_what_signals_need(portal: tuple[App, WebClient],
                                           media: dict[str, MediaHashes]) -> None:
    _, client = portal
    video = item_json(media["video"])
    too_many = {**video, "frames": [{**video["frames"][0], "frame": i, "t": float(i)}
                                    for i in range(13)]}
    r = _post(client, "/protect/register", {"items": [too_many]})
    assert r.status_code == 422 and r.json()["error"] in ("cap", "invalid")
    # Padding a valid body past its items' need: refused before the proof-of-work is spent.
    photo = item_json(media["photo"])
    got = client.get("/protect/challenge").json()
    body = json.dumps({"challenge": got["challenge"], "nonce": solve(got["challenge"], BITS),
                       "items": [photo]}).encode()
    need = HEAD_BYTES + ITEM_BYTES
    assert len(body) < need
    r = _post(client, "/protect/register", body[:-1] + b" " * (need - len(body) + 1) + b"}")
    assert r.status_code == 413
    # The ceiling: items and frames at the caps, then garbage past it.
    ceiling = HEAD_BYTES + 3 * ITEM_BYTES + TRACKS * 12 * FRAME_BYTES
    r = _post(client, "/protect/register", b"[" + b" " * ceiling + b"]")
    assert r.status_code == 413
    r = _post(client, "/protect/register", body)  # the same proof, unspent: still good
    assert r.status_code == 201, r.text


def _variant(video: dict[str, Any], name: str = "centre", n: int | None = None,
             **change: Any) -> dict[str, Any]:
    frames = video["frames"] if n is None else [
        {**video["frames"][0], "frame": i, "t": float(i)} for i in range(n)]
    return {"variant": name, "frames": [{**f, **change} for f in frames]}


@pytest.mark.parametrize(("make", "reason"), [
    (lambda v: [_variant(v, "edge")], "unknown vPDQ variant"),
    (lambda v: [_variant(v), _variant(v)], "twice"),
    (lambda v: [_variant(v, n=3)], "one hash per frame"),
    (lambda v: [_variant(v, n=12)], "one hash per frame"),
    (lambda v: [_variant(v, t=0.5)], "timestamps"),
    (lambda v: [_variant(v, hash="Z" * 64)], "64 hexadecimal"),
])
def test_malformed_vpdq_variants_refused(portal: tuple[App, WebClient],
                                         media: dict[str, MediaHashes], make: Any,
                                         reason: str) -> None:
    app, client = portal
    video = item_json(media["video"])
    r = _post(client, "/protect/register", {"items": [{**video, "vpdq_variants": make(video)}]})
    assert r.status_code == 422 and r.json()["error"] == "invalid", r.text
    assert reason in r.json()["reason"]
    assert app.store.get_bank(VICTIM_BANK) is None


@pytest.mark.parametrize("change", [
    {"vpdq_variants": [{"variant": "centre", "frames": []}] * 3},  # more tracks than views
    {"vpdq_variants": [{"variant": "centre", "frames": [], "extra": 1}]},
    {"vpdq_variants": [{"variant": "c" * 17, "frames": []}]},
    {"vpdq_variants": [{"variant": "centre",
                        "frames": [{"frame": 0, "hash": "ab" * 32, "quality": 900, "t": 0.0}]}]},
    {"vpdq_variants": {"centre": []}},
])
def test_misshapen_vpdq_variants_refused(portal: tuple[App, WebClient],
                                         media: dict[str, MediaHashes],
                                         change: dict[str, Any]) -> None:
    app, client = portal
    r = _post(client, "/protect/register", {"items": [{**item_json(media["video"]), **change}]})
    assert r.status_code == 422 and r.json()["error"] == "invalid", r.text
    assert app.store.get_bank(VICTIM_BANK) is None


def test_huge_vpdq_variants_refused_before_the_proof(portal: tuple[App, WebClient],
                                                     media: dict[str, MediaHashes]) -> None:
    """Tracks past the frame caps: 422 ``cap`` (or 413 past the body ceiling) before the
    proof-of-work is checked, so the same proof still registers the genuine item."""
    _, client = portal
    video = item_json(media["video"])
    got = client.get("/protect/challenge").json()
    proof = {"challenge": got["challenge"], "nonce": solve(got["challenge"], BITS)}

    def post(item: dict[str, Any]) -> Any:
        body = json.dumps({**proof, "items": [item]}, separators=(",", ":")).encode()
        return _post(client, "/protect/register", body)

    # Two tracks of 20 frames (40 > 2 × 12 with the video's 4): the caps, not the service.
    r = post({**video, "vpdq_variants": [_variant(video, n=20), _variant(video, "trim", n=20)]})
    assert r.status_code == 422 and r.json() == {"error": "cap", "max_frames": 12}, r.text
    # A track far past the body ceiling: the body is not even read to its end.
    r = post({**video, "vpdq_variants": [_variant(video, n=5000)]})
    assert r.status_code == 413
    # Padding a video's body past what its tracks need.
    body = json.dumps({**proof, "items": [video]}).encode()
    need = HEAD_BYTES + ITEM_BYTES + 2 * len(video["frames"]) * FRAME_BYTES  # frames, centre
    assert len(body) < need and len(video["vpdq_variants"]) == 1
    r = _post(client, "/protect/register", body[:-1] + b" " * (need - len(body) + 1) + b"}")
    assert r.status_code == 413
    r = _post(client, "/protect/register", body)  # the same proof, unspent: still good
    assert r.status_code == 201, r.text


def test_add_to_existing_case(portal: tuple[App, WebClient],
                              media: dict[str, MediaHashes]) -> None:
    app, client = portal
    r = _post(client, "/protect/register", {"items": [item_json(media["photo"])]})
    case, secret = r.json()["case_number"], r.json()["secret"]

    page = client.get(f"/protect?case={case.lower()}")
    assert page.status_code == 200 and 'data-mode="add"' in page.text
    assert f'value="{case}"' in page.text and 'id="case-secret-input"' in page.text
    assert secret not in page.text
    hostile = client.get('/protect?case="><script>alert(1)</script>')
    assert "<script>alert" not in hostile.text and 'data-mode="add"' in hostile.text

    add = {"case_number": case, "secret": secret,
           "items": [item_json(media["video"]), item_json(media["photo2"])]}
    r = _post(client, "/protect/add", {**add, "secret": secret + "x"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = _post(client, "/protect/add", add)
    assert r.status_code == 201 and r.json() == {"case_number": case, "items": 2}
    entries = list(list_entries(app.store, VICTIM_BANK))
    assert len({e.content_group for e in entries}) == 3
    assert {e.provenance.case_id for e in entries} == {case}
    r = _post(client, "/protect/add", {**add, "items": add["items"][:1]})
    assert r.status_code == 422 and r.json() == {"error": "cap", "max_items": 3}

    closed = _post(client, "/protect/register", {"items": [item_json(media["photo2"])]}).json()
    status = client.post("/protect/status", data={
        "case_number": closed["case_number"], "secret": closed["secret"], "action": "close",
        "csrf_token": client.csrf("/protect/status")})
    assert status.status_code == 200
    r = _post(client, "/protect/add", {**add, "case_number": closed["case_number"],
                                       "secret": closed["secret"], "items": add["items"][:1]})
    assert r.status_code == 409 and r.json()["error"] == "closed"
