"""Attacks on media handling (issue #13, 5 and 12, and the frames of registered videos).

- Anyone whose file is hashed (a group member posting into a scanned chat, an integrator
  uploading, someone leaving a file in a folder) sends a 1×1 PNG or another degenerate image:
  it must get hashes or its own clear error, while the rest of the folder is still hashed and
  matched, and the API answers 200 or a 4xx, never 500.
- The same people send a long, cheap video: hashing it must take no more memory than a short
  one (frames are hashed and dropped one by one).
- An anonymous visitor registers a "video" carrying 20,000 frame hashes on /protect: a video
  holds what a real clip gives at the server's rate, one hour of frames at most.
A worker process that dies on a file fails only that file: tests/services/test_media_pool.py.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from http_support import TestClient, bearer, make_app
from PIL import Image
from typer.testing import CliRunner
from web_support import WebClient

from hostile_media import degenerate_images, long_video
from rempart.adapters.cli.main import build_app
from rempart.app import App, build, create_http_app
from rempart.bench.synthetic_images import make_video, photo_bytes
from rempart.config import HashSettings, Settings, WebSettings
from rempart.core import media_signals
from rempart.core.media_signals import analyze, hash_bytes
from rempart.services.proof_of_work import solve

runner = CliRunner()
API = "/api/v1"
# Every error a file may get: a code, a colon, an explanation.
ERROR = re.compile(r"^(empty|too_large|too_many_pixels|too_long|too_many_frames|corrupt|"
                   r"truncated|unsupported|no_frames|undecodable|worker_crashed): .+")
BANKED = photo_bytes(41, (480, 360))
GOOD = {"good-1.jpg": photo_bytes(42, (480, 360)), "good-2.png": photo_bytes(43, fmt="PNG"),
        "banked-copy.jpg": BANKED}


def _folder(root: Path) -> Path:
    root.mkdir()
    for name, data in {**degenerate_images(), **GOOD}.items():
        (root / name).write_bytes(data)
    return root


def _hashed_or_clear_error(record: dict[str, Any]) -> bool:
    if record["error"] is None:
        return record["pdq"] is not None or bool(record.get("vpdq"))
    return bool(ERROR.match(record["error"]))


REFUSED = {"bomb-100k.png": "too_many_pixels", "bomb-9k.png": "too_many_pixels",
           "bomb-screen.gif": "too_many_pixels", "bomb.jpg": "too_many_pixels",
           "empty.png": "empty", "truncated.png": "corrupt"}
# analyze's (probe, features): banking, matching an image, a lookup without local features.
MODES = {"bank": (False, True), "match": (True, True), "lookup": (True, False)}


@pytest.mark.parametrize("mode", MODES)
def test_each_degenerate_image_is_hashed_or_refused_by_name(mode: str) -> None:
    # The catch-all ("undecodable") is a last resort: a degenerate image reaching it is a bug.
    probe, features = MODES[mode]
    for name, data in degenerate_images().items():
        hashes = analyze(data, probe=probe, features=features).hashes
        if name in REFUSED:
            assert hashes.error and hashes.error.startswith(f"{REFUSED[name]}: "), (name, hashes)
        else:
            assert hashes.error is None, (name, hashes.error)
            assert hashes.pdq is not None or hashes.vpdq, name


@pytest.mark.parametrize("mode", MODES)
def test_every_tiny_size_is_hashed(mode: str) -> None:
    probe, features = MODES[mode]
    rng = np.random.default_rng(5)
    for width, height in itertools.product((1, 2, 3, 4, 5, 64, 65, 700), repeat=2):
        for colours in ("RGB", "L"):
            pixels = (rng.random((height, width, 3)) * 255).astype(np.uint8)
            buf = io.BytesIO()
            Image.fromarray(pixels).convert(colours).save(buf, "PNG")
            hashes = analyze(buf.getvalue(), probe=probe, features=features).hashes
            assert hashes.error is None and hashes.pdq, (width, height, colours, hashes.error)


def test_a_signal_failing_unforeseen_is_the_items_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the issue saw: OpenCV asserting inside a signal. Whatever raises, the item gets an
    # error record (with its digests), never the caller's exception.
    def asserting(*_: object) -> None:
        raise cv2.error("(-215:Assertion failed) !_src.empty()")

    monkeypatch.setattr(media_signals, "pdq_dihedral", asserting)
    data = GOOD["good-1.jpg"]
    for probe, features in MODES.values():
        hashes = analyze(data, probe=probe, features=features).hashes
        assert (hashes.kind, hashes.error) == ("image", "undecodable: cv2.error while hashing")
        assert hashes.sha256 == hashlib.sha256(data).hexdigest()


def test_degenerate_images_do_not_stop_rempart_hash(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "dump")
    result = runner.invoke(build_app(), ["hash", "--jsonl", "--workers", "2", str(folder)])
    assert result.exit_code == 0, result.output
    records = {Path(r["path"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert set(records) == {p.name for p in folder.iterdir()}
    for name in GOOD:
        assert records[name]["error"] is None and records[name]["pdq"]["quality"] >= 50
    bad = {name: r["error"] for name, r in records.items() if not _hashed_or_clear_error(r)}
    assert bad == {}
    assert records["one-pixel.png"]["error"] is None  # hashed (quality 0: it never matches)
    assert records["bomb-100k.png"]["error"].startswith("too_many_pixels: ")


def test_degenerate_images_do_not_stop_rempart_scan(tmp_path: Path, sqlite_url: str) -> None:
    (tmp_path / "banked.jpg").write_bytes(BANKED)
    app = build_app()
    assert runner.invoke(app, ["bank", "create", "victims", "--db", sqlite_url]).exit_code == 0
    assert runner.invoke(app, ["bank", "add", "victims", str(tmp_path / "banked.jpg"),
                               "--db", sqlite_url]).exit_code == 0
    folder = _folder(tmp_path / "dump")
    result = runner.invoke(build_app(), ["scan", str(folder), "--jsonl", "--db", sqlite_url,
                                         "--workers", "2", "--bank", "victims"])
    assert result.exit_code == 0, result.output
    *findings, last = map(json.loads, result.stdout.splitlines())
    counters = last["scan"]["counters"]
    assert last["scan"]["status"] == "completed"
    files = len(list(folder.iterdir()))
    assert counters["media_hashed"] + counters["media_errors"] == files
    assert counters["media_matched"] == 1
    (hit,) = [f for f in findings if f["matches"]]
    assert hit["source"]["path"] == "banked-copy.jpg"
    errors = {f["source"]["path"]: f["media"]["error"] for f in findings if not f["matches"]}
    assert len(errors) == counters["media_errors"] >= 3
    assert all(ERROR.match(e) for e in errors.values()), errors


@pytest.fixture
def api(sqlite_url: str) -> Iterator[tuple[App, TestClient]]:
    app = make_app(sqlite_url)
    with TestClient(create_http_app(app)) as client:
        yield app, client
    app.close()


def test_degenerate_images_get_200_or_a_4xx_from_the_api(api: tuple[App, TestClient]) -> None:
    app, client = api
    _, secret = app.tokens.create("attacker", ("hash", "match", "banks:write"))
    auth = bearer(secret)
    assert client.post(f"{API}/banks", json={"name": "b", "kind": "victim"},
                       headers=auth).status_code == 201
    for name, data in degenerate_images().items():
        files = {"file": (name, data, "application/octet-stream")}
        hashed = client.post(f"{API}/hash", files=files, headers=auth)
        assert hashed.status_code == 200, (name, hashed.text)
        assert _hashed_or_clear_error(hashed.json()), (name, hashed.json())
        banked = client.post(f"{API}/banks/b/media", files=files, headers=auth)
        assert banked.status_code in (201, 422), (name, banked.status_code, banked.text)
        matched = client.post(f"{API}/match", files=files, headers=auth)
        assert matched.status_code in (200, 422), (name, matched.status_code, matched.text)


_PEAK = """
import resource, sys
from pathlib import Path
from rempart.core.media_signals import analyze, hash_bytes
h = hash_bytes(Path(sys.argv[1]).read_bytes())
assert h.error is None, h.error
print(len(h.vpdq), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_kib(video: Path) -> tuple[int, int]:
    """Frames hashed and peak RSS of hashing ``video`` in a fresh process. Through a small
    launcher: on Linux a child's ``ru_maxrss`` starts at its parent's (pytest's) peak."""
    launch = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", launch, sys.executable, "-c", _PEAK,
                           str(video)], capture_output=True, text=True, check=True)
    frames, peak = done.stdout.split()
    return int(frames), int(peak)


def test_hashing_a_long_video_takes_no_more_memory_than_a_short_one(tmp_path: Path) -> None:
    frames, side = 3600, 256  # one hour at 1 frame per second (the video, smaller)
    (tmp_path / "short.mp4").write_bytes(long_video(60, size=side))
    (tmp_path / "long.mp4").write_bytes(long_video(frames, size=side))
    short_frames, short_peak = _peak_kib(tmp_path / "short.mp4")
    long_frames, long_peak = _peak_kib(tmp_path / "long.mp4")
    assert (short_frames, long_frames) == (60, frames)
    # Keeping every frame would take 675 MiB more; streaming, the hour costs what a minute does.
    kept_frames_kib = frames * side * side * 3 // 1024
    allowed_kib = 150 * 1024
    assert allowed_kib < kept_frames_kib // 4
    assert long_peak - short_peak < allowed_kib, (short_peak, long_peak)


@pytest.fixture
def portal(sqlite_url: str) -> Iterator[WebClient]:
    app = build(Settings(database_url=sqlite_url, web=WebSettings(
        protect_pow_bits=4, protect_burst=1000, protect_rate_per_minute=1000.0)))
    with WebClient(create_http_app(app)) as client:
        yield client
    app.close()


def _register(client: WebClient, frames: list[dict[str, Any]]) -> Any:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/protect").text)
    assert token
    got = client.get("/protect/challenge").json()
    video = {"kind": "video", "sha256": hashlib.sha256(repr(frames[:3]).encode()).hexdigest(),
             "frames": frames}
    return client.post("/protect/register", json={
        "challenge": got["challenge"], "nonce": solve(got["challenge"], got["bits"]),
        "items": [video], "minor": False}, headers={"X-CSRF-Token": token.group(1)})


def _frames(count: int, step: float) -> list[dict[str, Any]]:
    pdq = hash_bytes(photo_bytes(44, (320, 240))).pdq
    assert pdq is not None
    return [{"frame": i, "hash": pdq.hash, "quality": 100, "t": round(i * step, 3)}
            for i in range(count)]


def test_a_registered_video_holds_what_a_real_clip_gives(portal: WebClient) -> None:
    flood = _register(portal, _frames(20_000, 0.5))  # the 20,000 frame hashes
    assert flood.status_code == 422 and flood.json()["error"] == "invalid", flood.text
    assert "3600" in flood.json()["reason"]
    dense = _register(portal, _frames(100, 0.1))  # 100 frames in 10 s, at 1 frame per second
    assert dense.status_code == 422 and "at most 12" in dense.json()["reason"]
    over_an_hour = _register(portal, _frames(3601, 1.0))
    assert over_an_hour.status_code == 422
    # A real clip, sampled as the server samples it, is registered.
    clip = hash_bytes(make_video([45, 46], seconds_per_scene=3.0))
    real = [{"frame": f.frame, "hash": f.hash, "quality": f.quality, "t": f.t}
            for f in clip.vpdq]
    assert _register(portal, real).status_code == 201


def test_the_cap_follows_the_servers_frame_rate(sqlite_url: str) -> None:
    """A server sampling at 2 frames per second takes a real clip sampled so (20 frames over
    10 s), and still refuses what no clip gives at that rate."""
    app = build(Settings(database_url=sqlite_url, hashing=HashSettings(video_fps=2.0),
                         web=WebSettings(protect_pow_bits=4, protect_burst=1000,
                                         protect_rate_per_minute=1000.0)))
    with WebClient(create_http_app(app)) as client:
        assert _register(client, _frames(20, 0.5)).status_code == 201
        dense = _register(client, _frames(100, 0.1))
        assert dense.status_code == 422 and "at most 22" in dense.json()["reason"]
    app.close()
