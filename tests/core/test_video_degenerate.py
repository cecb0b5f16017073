"""Degenerate videos (1×1, 2×2, 2×1000 frames, no video stream, no frame) get frame hashes or
their own clear error in every hashing mode, never an exception nor the catch-all."""

from __future__ import annotations

import io
from collections.abc import Callable

import av
import numpy as np
import pytest
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

from rempart.core.media_signals import analyze

MODES = ((False, True), (True, True), (True, False))  # analyze's (probe, features)


def _video(codec: str, fmt: str, width: int, height: int, frames: int,
           pix_fmt: str = "yuv420p") -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=1)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        out.start_encoding()
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(
                np.full((height, width, 3), 40 * i % 256, np.uint8), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def _audio_only() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="matroska") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        assert isinstance(stream, AudioStream)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16",
                                           layout="mono")
        frame.sample_rate, frame.pts = 8000, 0
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


@pytest.mark.parametrize(("codec", "fmt", "width", "height", "pix_fmt"), [
    ("mjpeg", "avi", 1, 1, "yuvj420p"),
    ("mpeg4", "mp4", 2, 2, "yuv420p"),
    ("libx264", "mp4", 2, 2, "yuv420p"),
    ("libx264", "mp4", 2, 1000, "yuv420p"),
    ("libvpx-vp9", "webm", 1, 1, "yuv420p"),
])
def test_tiny_videos_are_hashed(codec: str, fmt: str, width: int, height: int,
                                pix_fmt: str) -> None:
    data = _video(codec, fmt, width, height, 3, pix_fmt)
    for probe, features in MODES:
        hashes = analyze(data, probe=probe, features=features).hashes
        assert (hashes.kind, hashes.error, len(hashes.vpdq)) == ("video", None, 3)


@pytest.mark.parametrize(("make", "code"), [
    (_audio_only, "unsupported"),
    (lambda: _video("mjpeg", "matroska", 16, 16, 0, "yuvj420p"), "corrupt"),
])
def test_a_video_without_frames_is_a_clear_error(make: Callable[[], bytes], code: str) -> None:
    data = make()
    for probe, features in MODES:
        hashes = analyze(data, probe=probe, features=features).hashes
        assert hashes.error is not None and hashes.error.startswith(f"{code}: "), hashes.error
