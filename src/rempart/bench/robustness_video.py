"""Video robustness benchmark: does an edited re-post of a clip still match its original?

Sources are the corpus videos (at least ``min_seconds`` long) or, without a corpus, synthetic
moving scenes. Each source gives an *original* (a stretch of it) and a *distractor* (another
stretch of the same source: same place, other moment), both banked. Each edit family makes one
copy of each original, encoded with PyAV; a copy counts as found when it matches its own
original, and every match with another banked clip (distractors included) is a false match.
Plain vPDQ (vPDQ's rule on the copy's frames) is shown beside Rempart's matcher, which adds the
frame views of :mod:`rempart.core.signals.vframes` aligned in time.

Example::

    >>> clip = synthetic_clip(1, seconds=3, fps=5)
    >>> len(clip), clip[0].shape
    (15, (180, 320, 3))
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rempart.core.media_signals import analyze, hash_bytes
from rempart.core.signals import vpdq

Frame = NDArray[np.uint8]
Clip = list[Frame]
FPS = 10


def synthetic_clip(seed: int, *, seconds: float = 12, fps: int = FPS,
                   size: tuple[int, int] = (320, 180)) -> Clip:
    """A moving scene: a smooth random texture panned and zoomed, with bright moving discs."""
    rng = np.random.default_rng(seed)
    w, h = size
    big = rng.integers(0, 256, (12, 20, 3)).astype(np.uint8)
    import cv2

    texture = cv2.resize(big, (w * 3, h * 3), interpolation=cv2.INTER_CUBIC)
    discs = rng.uniform(0, 1, (4, 4))
    out = []
    for i in range(int(seconds * fps)):
        t = i / fps
        x0 = int((w * 2 - 1) * (0.5 + 0.5 * np.sin(0.1 * t + seed)))
        y0 = int((h * 2 - 1) * (0.5 + 0.5 * np.cos(0.08 * t + seed)))
        frame = np.ascontiguousarray(texture[y0:y0 + h, x0:x0 + w], dtype=np.uint8)
        for cx, cy, vx, vy in discs:
            px = int((cx + vx * t * 0.05) % 1 * w)
            py = int((cy + vy * t * 0.05) % 1 * h)
            cv2.circle(frame, (px, py), h // 6, (255, 255, 255), -1)
        out.append(frame)
    return out


def encode(frames: Clip, fps: float = FPS, crf: int = 23) -> bytes:
    """Frames → an H.264 MP4 in memory (sides rounded down to even)."""
    import av
    from av.video.stream import VideoStream

    h, w = (frames[0].shape[0] // 2) * 2, (frames[0].shape[1] // 2) * 2
    rate = Fraction(fps).limit_denominator(1000)
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=rate)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": str(crf)}
        for pixels in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels[:h, :w]), "rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def jpeg(frame: Frame, quality: int = 85) -> bytes:
    """One frame as a JPEG photo."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def decode(data: bytes, fps: float = FPS, max_side: int = 320) -> tuple[Clip, float]:
    """Every frame of a clip resampled to ``fps`` (for editing), and the clip's rate."""
    from rempart.core.hash_settings import HashLimits
    from rempart.core.video import read_video

    _, frames = read_video(data, HashLimits(), fps=fps, max_side=max_side)
    return [f.rgb for f in frames], fps


# -- edits (whole clips, frame arrays) ---------------------------------------------------------


def _caption(f: Frame, share: float) -> Frame:
    f = f.copy()
    h, w = f.shape[:2]
    band = int(h * share)
    f[h - band:] = 255
    f[h - band + 2: h - 2, w // 10: w // 2] = 20
    return f


def _crop(f: Frame, box: tuple[float, float, float, float]) -> Frame:
    h, w = f.shape[:2]
    left, top, right, bottom = box
    return f[int(h * top): h - int(h * bottom), int(w * left): w - int(w * right)]


def _pad916(f: Frame) -> Frame:
    h, w = f.shape[:2]
    height = int(w * 16 / 9) // 2 * 2
    out = np.zeros((height, w, 3), np.uint8)
    top = (height - h) // 2
    out[top:top + h] = f
    return out


def _speed(clip: Clip, factor: float) -> Clip:
    n = int(len(clip) / factor)
    return [clip[min(len(clip) - 1, int(i * factor))] for i in range(n)]


def _excerpt(clip: Clip, rng: random.Random) -> Clip:
    share = rng.uniform(0.3, 0.6)
    n = max(2, int(len(clip) * share))
    start = rng.randrange(0, len(clip) - n + 1)
    return clip[start:start + n]


def _per_frame(fn: Callable[[Frame], Frame]) -> Callable[[Clip, random.Random], Clip]:
    return lambda clip, rng: [fn(f) for f in clip]


def _caption_clip(clip: Clip, rng: random.Random) -> Clip:
    share = rng.uniform(0.12, 0.2)
    return [_caption(f, share) for f in clip]


def _crop_clip(clip: Clip, rng: random.Random) -> Clip:
    box = (rng.uniform(0, 0.2), rng.uniform(0, 0.2), rng.uniform(0, 0.2), rng.uniform(0, 0.2))
    return [_crop(f, box) for f in clip]


def _chain(clip: Clip, rng: random.Random) -> Clip:
    clip = _excerpt(clip, rng)
    clip = _speed(clip, rng.uniform(0.75, 1.5))
    return [_pad916(np.ascontiguousarray(f[:, ::-1])) for f in clip]


def _still(edit: Callable[[Frame, random.Random], Frame]) -> Callable[[Clip, random.Random], Clip]:
    """One frame of the clip, at a random moment, edited, posted as a photo (a one-frame clip
    that :func:`run` encodes as a JPEG)."""
    return lambda clip, rng: [edit(clip[rng.randrange(len(clip))], rng)]


STILLS = {"still", "still_caption", "still_crop"}
STILL_COPIES = 5  # stills per clip (a photo is cheap to check; moments differ in difficulty)
EDITS: dict[str, Callable[[Clip, random.Random], Clip]] = {
    "reencode": lambda clip, rng: clip,
    "caption": _caption_clip,
    "crop": _crop_clip,
    "pad_9_16": _per_frame(_pad916),
    "mirror": _per_frame(lambda f: np.ascontiguousarray(f[:, ::-1])),
    "rotate90": _per_frame(lambda f: np.ascontiguousarray(np.rot90(f))),
    "excerpt": _excerpt,
    "speed": lambda clip, rng: _speed(clip, rng.choice([0.75, 1.25, 1.5])),
    "chain": _chain,
    "still": _still(lambda f, rng: f),
    "still_caption": _still(lambda f, rng: _caption(f, rng.uniform(0.12, 0.2))),
    "still_crop": _still(lambda f, rng: _crop(f, (rng.uniform(0, 0.1), rng.uniform(0, 0.1),
                                                  rng.uniform(0, 0.1), rng.uniform(0, 0.1)))),
}


# -- the benchmark -----------------------------------------------------------------------------


def sources(corpus: Path | None, min_seconds: float = 20.0, synthetic: int = 6) -> list[Clip]:
    """Long enough corpus clips (decoded at ``FPS``), else synthetic scenes."""
    clips: list[Clip] = []
    if corpus is not None:
        for path in sorted((corpus / "videos").glob("*")):
            frames, _ = decode(path.read_bytes())
            if len(frames) >= min_seconds * FPS:
                clips.append(frames)
    clips += [synthetic_clip(100 + i, seconds=24) for i in range(synthetic)]
    return clips


def run(corpus: Path | None, families: list[str] | None = None, seed: int = 7) -> dict[str, Any]:
    """Recall and false matches per family, for plain vPDQ and for Rempart's matcher."""
    from rempart.core.matcher import BankInfo, Matcher, Query

    if unknown := sorted(set(families or ()) - EDITS.keys()):
        raise ValueError(f"unknown video edit(s) {', '.join(unknown)}; known: "
                         f"{', '.join(EDITS)}")
    rng = random.Random(seed)
    matcher = Matcher()
    matcher.set_bank(BankInfo(1, "bench", "moderator", "block", 31, 31, 80.0, 0.0, True))
    originals: list[Clip] = []
    banked: dict[int, tuple[Any, ...]] = {}  # clip → its frames (plain vPDQ's reference)
    clip_of: dict[int, int] = {}  # matcher entry → clip (its frames and their views)
    for i, clip in enumerate(sources(corpus)):
        half = len(clip) // 2
        for j, part in enumerate((clip[:half], clip[half:])):  # original, then distractor
            h = hash_bytes(encode(part))
            own = 2 * i + j
            banked[own] = h.vpdq
            signals = [("vpdq", vpdq.serialize(frames))
                       for frames in (h.vpdq, *(v.frames for v in h.vpdq_variants))]
            signals += [("orb", key.orb) for key in h.key_frames]
            for k, (kind, value) in enumerate(signals):
                clip_of[16 * own + k + 1] = own
                matcher.add(16 * own + k + 1, 1, kind, value)
        originals.append(clip[:half])
    results: dict[str, Any] = {}
    for family in families or list(EDITS):
        found_plain = found = false_plain = false = n = 0
        copies = STILL_COPIES if family in STILLS else 1
        for i, clip in enumerate(originals):
            for _ in range(copies):
                edited = EDITS[family](clip, rng)
                data = jpeg(edited[0]) if family in STILLS else encode(edited)
                a = analyze(data, probe=True, stills=True)
                own = 2 * i
                plain = {e for e, frames in banked.items() if vpdq.match(a.hashes.vpdq, frames)}
                query = Query(a.hashes, a.probe)
                ours = {clip_of[m.entry_id] for m in matcher.match(query).matches}
                found_plain += own in plain
                found += own in ours
                false_plain += len(plain - {own})
                false += len(ours - {own})
                n += 1
        results[family] = {"n": n, "vpdq": round(found_plain / n, 3),
                           "rempart": round(found / n, 3), "false_vpdq": false_plain,
                           "false_rempart": false}
    return results


def print_table(results: dict[str, Any]) -> None:
    """One row per family: recall of plain vPDQ and of Rempart, false matches of each."""
    from rich.console import Console
    from rich.table import Table

    table = Table("edit", "copies", "plain vPDQ", "Rempart", "false: vPDQ", "false: Rempart",
                  title="Edited videos: recall per family (target ≥ 0.95, 0 false)", box=None)
    for family, r in results.items():
        table.add_row(family, str(r["n"]), f"{r['vpdq']:.2f}", f"{r['rempart']:.2f}",
                      str(r["false_vpdq"]), str(r["false_rempart"]))
    Console().print(table)
