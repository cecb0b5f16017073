"""The portal's signals computed in Debian's chromium against the server's own, for the same
files: PDQ, the PDQ with borders trimmed, the PDQ of a dim photo equalised (``tone``), the
region PDQs (``robust_signals.js``), MD5 and
SHA-256 (``file_digests.js``), and the vPDQ frames of WebM (VP8, VP9) and MP4 (H.264) videos
with the vPDQ of their centres and, for a letterboxed clip, of their trimmed frames
(``video_signals.js``) against ``core.media_signals``. The distributions of distances are
printed; PDQ must stay within a median of 4 bits and a maximum of 16.

Files are generated (Pillow, PyAV) and served from memory by Playwright's routing; nothing is
written to disk. Photos of ``../shared/corpus`` are added when present (never required). Also
printed: the time to hash a 10 s video in chromium and on the server (no assertion on it).
Skipped where chromium or playwright is absent, except under ``CI=true``."""

from __future__ import annotations

import hashlib
import io
import random
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from rempart.adapters.web import STATIC
from rempart.bench.edits import fog, night
from rempart.bench.robustness_video import EDITS, synthetic_clip
from rempart.bench.synthetic_images import make_photo, make_video
from rempart.core.media_signals import hash_bytes
from rempart.core.signals.pdq import DEFAULT_THRESHOLD, MIN_QUALITY, distance
from rempart.core.types import MediaHashes
from rempart.services.case_signals import ROBUST_NAMES, VPDQ_VARIANTS

pytestmark = pytest.mark.browser
ORIGIN = "https://rempart.test"  # a secure context: WebCrypto needs one
CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"
SCRIPTS = ("pdq.js", "robust_signals.js", "md5.js", "file_digests.js", "video_signals.js")
# (codec, container, MIME type) of the videos tested; each must play in Debian's chromium.
CODECS = [("libvpx", "webm", "video/webm"), ("libvpx-vp9", "webm", "video/webm"),
          ("libx264", "mp4", "video/mp4")]

IMAGES_JS = """async (names) => {
  const pdq = await import("/assets/pdq.js");
  const robust = await import("/assets/robust_signals.js");
  const digests = await import("/assets/file_digests.js");
  const out = {};
  for (const name of names) {
    const blob = await (await fetch("/media/" + name)).blob();
    const bitmap = await createImageBitmap(blob,
      { colorSpaceConversion: "none", premultiplyAlpha: "none" });
    const data = pdq.fitToCanvas(bitmap);
    out[name] = { pdq: pdq.pdqFromImageData(data), robust: robust.robustSignals(data),
                  exact: await digests.fileDigests(blob) };
  }
  return out;
}"""

VIDEO_JS = """async ([name, type, fps]) => {
  const { videoFrames } = await import("/assets/video_signals.js");
  const { fileDigests } = await import("/assets/file_digests.js");
  const blob = await (await fetch("/media/" + name)).blob();
  const file = new File([blob], name, { type });
  const started = performance.now();
  const exact = await fileDigests(file);
  const { frames, variants, duration } = await videoFrames(file, { fps, maxSeconds: 10800,
                                                                   maxFrames: 20000 });
  return { frames, variants, duration, exact, ms: performance.now() - started };
}"""


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def captioned(im: Image.Image, band: int = 90) -> Image.Image:
    """Caption bands above and below (meme style), a short word in each."""
    out = ImageOps.expand(im, (0, band, 0, band), (250, 250, 250))
    draw = ImageDraw.Draw(out)
    draw.text((im.width // 2 - 8, band // 2 - 5), "oh", fill=(0, 0, 0))
    draw.text((im.width // 2 - 8, im.height + band + band // 2 - 5), "no", fill=(0, 0, 0))
    return out


def _images() -> dict[str, bytes]:
    """Varied generated photos (sizes, orientations, borders, bands, gray, small), as PNG."""
    out: dict[str, bytes] = {}
    for seed, size in ((1, (320, 240)), (2, (240, 320)), (3, (640, 480)), (4, (800, 600)),
                       (5, (600, 800)), (6, (1024, 768)), (7, (1280, 720)), (8, (512, 512))):
        out[f"photo{seed}_{size[0]}x{size[1]}.png"] = _png(make_photo(seed, size))
    out["white_border.png"] = _png(ImageOps.expand(make_photo(9, (600, 450)), 60, "white"))
    out["black_bars.png"] = _png(ImageOps.expand(make_photo(10, (640, 360)), (0, 140), "black"))
    out["caption_bands.png"] = _png(captioned(make_photo(11, (640, 480))))
    out["gray.png"] = _png(make_photo(12, (700, 500)).convert("L"))
    out["small_160x120.png"] = _png(make_photo(13, (160, 120)))
    noisy = np.asarray(make_photo(14, (900, 600))).astype(np.int16)
    noisy = noisy + np.random.default_rng(14).normal(0, 30, noisy.shape).astype(np.int16)
    out["noisy.png"] = _png(Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)))
    out.update({f"dark{i}.png": _png(im) for i, im in enumerate(_dim_photos())})
    if CORPUS.is_dir():  # real photos when the shared corpus is there (never required)
        for path in sorted((CORPUS / "images").glob("*.jp*g"))[:40]:
            out["corpus_" + path.name] = path.read_bytes()
    return out


def _dim_photos() -> list[Image.Image]:
    """Dim and washed-out photos, each low-contrast enough to get a ``tone`` PDQ."""
    rng = np.random.default_rng(15)
    x = np.asarray(make_photo(15, (900, 600)), np.float32)
    dim = 6 + 0.12 * x + rng.normal(0, 2.0, x.shape[:2])[..., None]  # dark, flat, noisy
    return [Image.fromarray(np.clip(dim, 0, 255).astype(np.uint8)),
            night(make_photo(16, (640, 480))), fog(make_photo(17, (1024, 768))),
            night(make_photo(18, (300, 400))).convert("L")]


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[tuple[Any, dict[str, tuple[bytes, str]]]]:
    """A page on a routed origin; files put in the returned dict are served at /media/<name>."""
    media: dict[str, tuple[bytes, str]] = {}
    scripts = {f"/assets/{n}": (STATIC / n).read_bytes() for n in SCRIPTS}

    def handle(route: Any) -> None:
        path = route.request.url[len(ORIGIN):]
        if path == "/":
            route.fulfill(status=200, content_type="text/html",
                          body="<!doctype html><title>signals</title>")
        elif path in scripts:
            route.fulfill(status=200, content_type="text/javascript", body=scripts[path])
        elif path.startswith("/media/") and path[7:] in media:
            body, mime = media[path[7:]]
            route.fulfill(status=200, content_type=mime, body=body)
        else:
            route.fulfill(status=404, body="not found")

    context = browser.new_context()
    context.route(ORIGIN + "/**", handle)
    p = context.new_page()
    p.set_default_timeout(120_000)
    p.goto(ORIGIN + "/")
    yield p, media
    context.close()


def _summary(label: str, values: list[int]) -> str:
    counts = np.bincount(values)
    histogram = ", ".join(f"{d}:{n}" for d, n in enumerate(counts) if n)
    return (f"{label}: n={len(values)} median {statistics.median(values)} max {max(values)} "
            f"bits (threshold {DEFAULT_THRESHOLD}); distance:count {histogram}")


def test_image_signals_agree_with_server(page: tuple[Any, dict[str, tuple[bytes, str]]]) -> None:
    p, media = page
    images = _images()
    media.update({name: (data, "image/png" if name.endswith(".png") else "image/jpeg")
                  for name, data in images.items()})
    got = p.evaluate(IMAGES_JS, list(images))
    full: list[int] = []
    trim: list[int] = []
    tone: list[int] = []
    regions: list[int] = []
    for name, data in images.items():
        server = hash_bytes(data)
        assert server.pdq is not None and server.kind == "image", name
        assert got[name]["exact"] == {"md5": hashlib.md5(data).hexdigest(),
                                      "sha256": hashlib.sha256(data).hexdigest()}, name
        full.append(distance(got[name]["pdq"]["hash"], server.pdq.hash))
        named = {v.variant: v for v in server.pdq_variants if v.variant in ROBUST_NAMES}
        mine = got[name]["robust"]
        # `tone` is decided on both sides by the same levels of the same fitted grayscale.
        assert set(mine) - {"trim"} == set(named) - {"trim"}, name
        if name in ("white_border.png", "black_bars.png", "caption_bands.png"):
            assert "trim" in mine and "trim" in named, name
        if name.startswith("dark"):
            assert "tone" in mine and mine["tone"]["quality"] >= MIN_QUALITY, name
        for variant, v in named.items():
            if variant in mine:
                kind = {"trim": trim, "tone": tone}.get(variant, regions)
                assert abs(mine[variant]["quality"] - v.quality) <= 15, (name, variant)
                # A dark photo is "uniform" to trimming, which keeps its dull centre: a hash of
                # quality < 50 that the matcher never looks up, left out of the distances.
                if variant != "trim" or min(mine[variant]["quality"], v.quality) >= MIN_QUALITY:
                    kind.append(distance(mine[variant]["hash"], v.hash))
    print()
    print(_summary("browser vs server PDQ", full))
    print(_summary("browser vs server trimmed PDQ", trim))
    print(_summary("browser vs server equalised (tone) PDQ", tone))
    print(_summary("browser vs server region PDQs", regions))
    assert statistics.median(full) <= 4 and max(full) <= 16, full
    assert statistics.median(trim) <= 4 and max(trim) <= 16, trim
    assert statistics.median(tone) <= 4 and max(tone) <= 16, tone
    assert statistics.median(regions) <= 4 and max(regions) <= DEFAULT_THRESHOLD, regions


def _video_distances(got: dict[str, Any], server: MediaHashes) -> dict[str, list[int]]:
    """Bits apart per frame of each track: ``frames``, then each vPDQ variant (``centre``,
    ``trim``), which must be the server's, with the frames' timestamps."""
    times = [f.t for f in server.vpdq]
    assert [f["t"] for f in got["frames"]] == times
    tracks = {"frames": (got["frames"], server.vpdq)}
    mine = {v["variant"]: v["frames"] for v in got["variants"]}
    browser_tracks = [v for v in server.vpdq_variants if v.variant in VPDQ_VARIANTS]
    assert list(mine) == [v.variant for v in browser_tracks]
    for v in browser_tracks:
        assert [f["t"] for f in mine[v.variant]] == [f.t for f in v.frames] == times
        tracks[v.variant] = (mine[v.variant], v.frames)
    return {name: [distance(a["hash"], b.hash) for a, b in zip(ours, theirs, strict=True)]
            for name, (ours, theirs) in tracks.items()}


def _encoded_clip(frames: list[np.ndarray], codec: str, container: str, fps: int = 10) -> bytes:
    """Frames (RGB arrays, even sides) as a video of ``codec`` in ``container``, in memory."""
    import av
    from av.video.stream import VideoStream

    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=fps)
        assert isinstance(stream, VideoStream)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for pixels in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, "rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


@pytest.mark.parametrize(("codec", "container", "mime"), CODECS)
def test_video_frames_agree_with_server(page: tuple[Any, dict[str, tuple[bytes, str]]],
                                        codec: str, container: str, mime: str) -> None:
    """A plain clip (frames and centres) and a letterboxed one (9:16 bars: trimmed frames too)."""
    p, media = page
    plain = make_video([21, 22, 23], seconds_per_scene=2.0, fps=10, container=container,
                       codec=codec)
    boxed = _encoded_clip(EDITS["pad_9_16"](synthetic_clip(24, seconds=5), random.Random(0)),
                          codec, container)
    distances: dict[str, list[int]] = {}
    for label, data, tracks, count in (("plain", plain, ["centre"], 6),
                                       ("letterboxed", boxed, ["centre", "trim"], 5)):
        name = f"{label}.{codec}.{container}"
        media[name] = (data, mime)
        got = p.evaluate(VIDEO_JS, [name, mime, 1.0])
        assert got["exact"] == {"md5": hashlib.md5(data).hexdigest(),
                                "sha256": hashlib.sha256(data).hexdigest()}
        server = hash_bytes(data)
        assert server.kind == "video" and len(server.vpdq) == count, label
        assert [v.variant for v in server.vpdq_variants] == [*tracks, "still"], label
        for track, values in _video_distances(got, server).items():
            distances.setdefault(track, []).extend(values)
    print()
    for track, values in distances.items():
        print(_summary(f"browser vs server vPDQ {track} ({codec})", values))
        assert statistics.median(values) <= 4 and max(values) <= 16, (track, values)


def test_ten_second_video_timing(page: tuple[Any, dict[str, tuple[bytes, str]]]) -> None:
    """Measured, not asserted: 10 s at 30 fps, 640×480, hashed at 1 frame per second."""
    p, media = page
    print()
    for codec, container, mime in CODECS:
        data = make_video([31, 32, 33, 34, 35], seconds_per_scene=2.0, fps=30,
                          size=(640, 480), container=container, codec=codec)
        name = f"ten.{codec}.{container}"
        media[name] = (data, mime)
        got = p.evaluate(VIDEO_JS, [name, mime, 1.0])
        started = time.perf_counter()
        server = hash_bytes(data)
        server_ms = (time.perf_counter() - started) * 1000
        tracks = _video_distances(got, server)
        distances, centres = tracks["frames"], tracks["centre"]
        print(f"10 s {codec} video ({len(data) // 1024} KB): chromium {got['ms']:.0f} ms, "
              f"server vPDQ {server_ms:.0f} ms; {len(distances)} frames, "
              f"median {statistics.median(distances)} max {max(distances)} bits "
              f"(centres: median {statistics.median(centres)} max {max(centres)})")
        assert len(distances) == 10 and max(distances) <= 16, distances


@pytest.mark.skipif(not (CORPUS / "videos").is_dir(), reason="../shared/corpus is not here")
def test_corpus_videos_measured(page: tuple[Any, dict[str, tuple[bytes, str]]]) -> None:
    """Real videos (when the shared corpus is present): printed, not asserted. Their frames need
    not fall on the sampling instants: the browser takes the frame shown at k / fps, the server
    the first frame at or after it, so a sample may be the neighbouring frame."""
    p, media = page
    print()
    mimes = {".mp4": "video/mp4", ".m4v": "video/mp4", ".avi": "video/x-msvideo"}
    for path in sorted((CORPUS / "videos").iterdir()):
        data = path.read_bytes()
        media[path.name] = (data, mimes.get(path.suffix, "application/octet-stream"))
        try:
            got = p.evaluate(VIDEO_JS, [path.name, media[path.name][1], 1.0])
        except Exception as exc:  # a codec chromium lacks (AVI, MPEG-4 part 2): reported
            print(f"{path.name}: chromium cannot hash it ({str(exc).splitlines()[0][:80]})")
            continue
        started = time.perf_counter()
        server = hash_bytes(data)
        server_ms = (time.perf_counter() - started) * 1000
        n = min(len(got["frames"]), len(server.vpdq))
        # Frames of quality < 50 (near-blank) are ignored by vPDQ matching: left out here too.
        distances = [distance(a["hash"], b.hash)
                     for a, b in zip(got["frames"][:n], server.vpdq[:n], strict=True)
                     if min(a["quality"], b.quality) >= MIN_QUALITY] or [0]
        views = []
        mine = {v["variant"]: v["frames"] for v in got["variants"]}
        for v in server.vpdq_variants:
            if v.variant not in VPDQ_VARIANTS:
                continue  # computed by the server only (stills)
            if v.variant not in mine:
                views.append(f"{v.variant}: server only")
                continue
            d = [distance(a["hash"], b.hash) for a, b in zip(mine[v.variant][:n], v.frames[:n],
                                                              strict=True)
                 if min(a["quality"], b.quality) >= MIN_QUALITY] or [0]
            views.append(f"{v.variant}: median {statistics.median(d)} max {max(d)}")
        views += [f"{name}: browser only" for name in mine
                  if name not in {v.variant for v in server.vpdq_variants}]
        print(f"{path.name}: {len(got['frames'])} browser / {len(server.vpdq)} server frames, "
              f"good frames median {statistics.median(distances)} max {max(distances)} bits "
              f"({'; '.join(views)}); chromium {got['ms']:.0f} ms, server {server_ms:.0f} ms")


def test_md5_and_sha256_streamed(page: tuple[Any, dict[str, tuple[bytes, str]]]) -> None:
    """``md5.js`` fed in odd-sized pieces, and ``file_digests.js`` over a file of several 4 MB
    chunks, against hashlib."""
    p, media = page
    big = np.random.default_rng(7).integers(0, 256, 9 * 1024 * 1024 + 13, np.uint8).tobytes()
    media["big.bin"] = (big, "application/octet-stream")
    got = p.evaluate("""async () => {
      const { Md5, md5Hex } = await import("/assets/md5.js");
      const { fileDigests } = await import("/assets/file_digests.js");
      const sizes = [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100003];
      const pieces = {};
      for (const n of sizes) {
        const b = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255);
        const m = new Md5();
        for (let i = 0; i < n; i += 37) m.update(b.subarray(i, i + 37));
        pieces[n] = [m.hex(), md5Hex(b)];
      }
      const blob = await (await fetch("/media/big.bin")).blob();
      const seen = [];
      const big = await fileDigests(blob, { onProgress: (done, total) => seen.push(done) });
      return { pieces, big, seen };
    }""")
    for n, (streamed, whole) in got["pieces"].items():
        data = bytes((i * 7 + 3) & 255 for i in range(int(n)))
        assert streamed == whole == hashlib.md5(data).hexdigest(), n
    assert got["big"] == {"md5": hashlib.md5(big).hexdigest(),
                          "sha256": hashlib.sha256(big).hexdigest()}
    assert got["seen"] == [4 << 20, 8 << 20, len(big)]
