"""Harmless generated photos and videos for tests, samples and benchmarks: the photos of
:mod:`rempart.core.synthetic_images` (``make_photo``, ``photo_bytes``), and videos panning
across them.

Example::

    >>> len(make_video([1, 2], seconds_per_scene=0.5)) > 0
    True
"""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np

from rempart.core.synthetic_images import make_photo, photo_bytes

__all__ = ["make_photo", "make_video", "photo_bytes"]


def make_video(
    seeds: list[int],
    *,
    seconds_per_scene: float = 2.0,
    fps: int = 10,
    size: tuple[int, int] = (320, 240),
    container: str = "mp4",
    codec: str = "libx264",
) -> bytes:
    """A small video in memory: one slowly panning generated scene per seed."""
    import av
    from av.video.stream import VideoStream

    buf = io.BytesIO()
    fmt = {"mkv": "matroska"}.get(container, container)
    with av.open(buf, mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=fps)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        n = 0
        for seed in seeds:
            scene = np.asarray(make_photo(seed, (size[0] + 40, size[1] + 40)))
            frames = round(seconds_per_scene * fps)
            for i in range(frames):
                dx = round(40 * i / max(1, frames - 1))
                frame = av.VideoFrame.from_ndarray(
                    np.ascontiguousarray(scene[20 : 20 + size[1], dx : dx + size[0]]),
                    format="rgb24",
                )
                frame.pts = n
                n += 1
                for packet in stream.encode(frame):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
