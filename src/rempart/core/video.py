"""Videos and animations in memory → frames sampled at a fixed rate, one at a time.

A reader checks the limits it can before decoding anything (frame size, declared duration,
declared frame count, frames the duration would give), then yields sampled frames one by one:
the caller hashes each and drops it, so memory does not grow with duration. Limits that only
decoding can reveal (a stream longer or larger than declared) stop it with a ``MediaError``.

Example::

    with VideoReader(data, HashLimits(), fps=1.0) as video:
        for frame in video:
            use(frame.t, frame.rgb)
        video.truncated  # why decoding stopped early, or None
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import numpy as np
from PIL import Image

from rempart.core.errors import MediaError
from rempart.core.hash_settings import HashLimits
from rempart.core.media import RGB, check_size, to_rgb


@dataclass(frozen=True, slots=True)
class VideoFrame:
    """One sampled frame: its time in seconds, its index in the stream and its pixels."""

    t: float
    index: int
    rgb: RGB


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What the container says of a video stream."""

    width: int
    height: int
    duration: float | None
    format: str


def expected_frames(duration: float, fps: float) -> int:
    """Frames sampled from ``duration`` seconds at ``fps`` (the first one at 0 s).

    >>> expected_frames(4.0, 1.0), expected_frames(4.05, 1.0)
    (4, 5)
    """
    return max(1, math.ceil(duration * fps - 1e-6))


def _check_frames(n: int, limits: HashLimits) -> None:
    if n > limits.max_video_frames:
        raise MediaError("too_many_frames", f"more than {limits.max_video_frames} sampled frames")


class _FrameReader:
    """A source of frames that keeps its input open until closed (also ``with reader: ...``)."""

    def close(self) -> None:
        """Release what the reader holds."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class VideoReader(_FrameReader):
    """A video (mp4, webm, mkv, avi…) opened from memory through PyAV; iterate for frames.

    Frames are sampled at ``fps`` (the first always) and scaled so that their longer side is
    at most ``max_side`` (PDQ works on 64×64). Only the frame being handed out is held.
    """

    def __init__(
        self, data: bytes, limits: HashLimits, *, fps: float = 1.0, max_side: int = 512
    ) -> None:
        import av  # local import: PyAV loads FFmpeg, which image-only callers never need

        check_size(data, limits)
        if fps <= 0:
            raise ValueError("fps must be > 0")
        self.limits, self.fps, self.max_side = limits, fps, max_side
        self.truncated: str | None = None
        self.sampled = 0
        try:
            self._container: Any = av.open(io.BytesIO(data), mode="r")
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise MediaError("corrupt", f"cannot open video: {exc}") from exc
        try:
            self.info = self._check()
        except MediaError:
            self._container.close()
            raise
        except (av.FFmpegError, OSError, ValueError) as exc:
            self._container.close()
            raise MediaError("corrupt", f"cannot read video: {exc}") from exc

    def _check(self) -> VideoInfo:
        """The stream's declared properties, refused when over a limit (nothing decoded)."""
        container, limits = self._container, self.limits
        if not container.streams.video:
            raise MediaError("unsupported", "no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        ctx = stream.codec_context
        width, height = int(ctx.width or 0), int(ctx.height or 0)
        if width * height > limits.max_pixels:
            raise MediaError("too_many_pixels", f"video frame {width}x{height} is over the limit")
        duration = _duration(container, stream)
        if duration is not None and duration > limits.max_video_seconds:
            raise MediaError(
                "too_long",
                f"{duration:.0f} s is over the limit of {limits.max_video_seconds:.0f} s",
            )
        if duration is not None:
            _check_frames(expected_frames(duration, self.fps), limits)
        if int(stream.frames or 0) > limits.max_video_decoded_frames:
            raise MediaError("too_many_frames", f"the stream declares {stream.frames} frames")
        self._stream = stream
        return VideoInfo(width, height, duration, _container_format(container.format.name))

    def __iter__(self) -> Iterator[VideoFrame]:
        import av

        limits = self.limits
        period = 1.0 / self.fps
        next_t = 0.0
        decoded = 0
        try:
            for frame in self._container.decode(self._stream):
                decoded += 1
                if decoded > limits.max_video_decoded_frames:
                    raise MediaError("too_many_frames", "too many frames decoded")
                if frame.width * frame.height > limits.max_pixels:
                    raise MediaError(
                        "too_many_pixels",
                        f"video frame {frame.width}x{frame.height} is over the limit")
                t = float(frame.time) if frame.time is not None else decoded / 25.0
                if t > limits.max_video_seconds:
                    raise MediaError(
                        "too_long", f"stream runs past {limits.max_video_seconds:.0f} s")
                if self.sampled and t + 1e-6 < next_t:
                    continue
                scale = self.max_side / max(frame.width, frame.height)
                if scale < 1:
                    frame = frame.reformat(
                        width=max(2, round(frame.width * scale)),
                        height=max(2, round(frame.height * scale)),
                    )
                pixels = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)
                del frame
                self.sampled += 1
                _check_frames(self.sampled, limits)
                next_t = (int(t / period + 1e-6) + 1) * period
                yield VideoFrame(t, decoded - 1, pixels)
                del pixels
        except MediaError:
            raise
        except (av.FFmpegError, OSError, ValueError, MemoryError) as exc:
            if not self.sampled:
                raise MediaError("corrupt", f"cannot decode video: {exc}") from exc
            # A truncated stream: the frames handed out stand; the caller reports the rest.
            self.truncated = str(exc)
            return
        if not self.sampled:
            raise MediaError("no_frames", "no decodable video frame")

    def close(self) -> None:
        """Release the decoder."""
        self._container.close()


def _duration(container: Any, stream: Any) -> float | None:
    d = getattr(stream, "duration", None)
    tb = getattr(stream, "time_base", None)
    if d is not None and tb is not None:
        return float(d * tb)
    cd = getattr(container, "duration", None)
    return float(cd) / 1_000_000 if cd else None


def _container_format(name: str) -> str:
    first = name.split(",")[0]
    return {"matroska": "mkv", "mov": "mp4"}.get(first, first)


class AnimationReader(_FrameReader):
    """An animated GIF or WebP sampled at ``fps`` (first frame always); iterate for frames.

    ``duration`` is the animation's length once iterated to the end.
    """

    def __init__(
        self, data: bytes, limits: HashLimits, *, fps: float = 1.0, max_side: int = 512
    ) -> None:
        check_size(data, limits)
        self.limits, self.fps, self.max_side = limits, fps, max_side
        self.duration = 0.0
        self.sampled = 0
        try:
            self._image = Image.open(io.BytesIO(data))
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise MediaError("corrupt", f"cannot decode animation: {exc}") from exc
        self.width, self.height = w, h = self._image.size
        if w * h > limits.max_pixels:
            raise MediaError("too_many_pixels", f"{w}x{h} is over the limit")
        n = int(getattr(self._image, "n_frames", 1) or 1)
        if n > limits.max_video_decoded_frames:
            raise MediaError("too_many_frames", "too many animation frames")

    def __iter__(self) -> Iterator[VideoFrame]:
        from PIL import ImageSequence

        limits, fps = self.limits, self.fps
        t = next_t = 0.0
        try:
            for index, frame in enumerate(ImageSequence.Iterator(self._image)):
                if index >= limits.max_video_decoded_frames:
                    raise MediaError("too_many_frames", "too many animation frames")
                if t + 1e-6 >= next_t or not self.sampled:
                    rgb = _fit(to_rgb(frame), self.max_side)
                    self.sampled += 1
                    _check_frames(self.sampled, limits)
                    next_t = (int(t * fps + 1e-6) + 1) / fps
                    yield VideoFrame(t, index, rgb)
                    del rgb
                t += max(float(frame.info.get("duration", 100) or 100), 10.0) / 1000.0
                self.duration = t
                if t > limits.max_video_seconds:
                    raise MediaError("too_long", "animation is too long")
        except MediaError:
            raise
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            if not self.sampled:
                raise MediaError("corrupt", f"cannot decode animation: {exc}") from exc

    def close(self) -> None:
        """Release the image."""
        self._image.close()


def _fit(rgb: RGB, max_side: int) -> RGB:
    scale = max_side / max(rgb.shape[:2])
    if scale >= 1:
        return rgb
    import cv2

    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))


def read_video(
    data: bytes, limits: HashLimits, *, fps: float = 1.0, max_side: int = 512
) -> tuple[VideoInfo, list[VideoFrame]]:
    """Every sampled frame of a short video at once (for tests and tools; hashing streams)."""
    with VideoReader(data, limits, fps=fps, max_side=max_side) as video:
        return video.info, list(video)


def read_animation(
    data: bytes, limits: HashLimits, *, fps: float = 1.0, max_side: int = 512
) -> tuple[float, list[VideoFrame]]:
    """Every sampled frame of a short animation at once: (duration, frames)."""
    with AnimationReader(data, limits, fps=fps, max_side=max_side) as animation:
        frames = list(animation)
        return animation.duration, frames
