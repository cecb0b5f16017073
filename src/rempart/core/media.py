"""Bytes in memory → decoded pixels, with limits and clear errors. Nothing touches the disk.

Images decode through Pillow (JPEG at reduced size with ``draft``), videos and animations
through PyAV reading a ``BytesIO``.

Example::

    >>> sniff(b"\\xff\\xd8\\xff\\xe0" + b"0" * 8)
    'jpeg'
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from rempart.config import HashLimits
from rempart.core.errors import MediaError

RGB = NDArray[np.uint8]

try:  # HEIC/HEIF (iPhone photos) when the optional `heic` extra (pillow-heif) is installed.
    from pillow_heif import register_heif_opener  # type: ignore[import-not-found,unused-ignore]

    register_heif_opener()
except ImportError:  # pragma: no cover - optional
    pass

IMAGE_FORMATS = {"jpeg", "png", "webp", "gif", "bmp", "tiff", "heif", "avif"}
VIDEO_FORMATS = {"mp4", "mov", "webm", "mkv", "avi", "3gp"}

_PIL_FORMATS = {
    "JPEG": "jpeg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "BMP": "bmp",
    "TIFF": "tiff",
    "HEIF": "heif",
    "AVIF": "avif",
    "MPO": "jpeg",
}


def sniff(data: bytes) -> str | None:
    """The container format from the first bytes (never from the file name), or None."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:2] == b"BM":
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if b"webm" in data[:4096] else "mkv"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "avif"
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"):
            return "heif"
        if brand == b"qt  ":
            return "mov"
        if brand.startswith(b"3g"):
            return "3gp"
        return "mp4"
    return None


def check_size(data: bytes, limits: HashLimits) -> None:
    """Refuse empty and oversized inputs before any decoding."""
    if not data:
        raise MediaError("empty", "the file is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise MediaError("too_large", f"{len(data)} bytes is over the limit of {limits.max_bytes}")


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """An RGB image decoded from bytes, possibly at reduced size, and its original size.

    ``rgb`` is a 2-D luma plane instead when decoded with ``luma=True``."""

    rgb: RGB
    width: int
    height: int
    format: str
    frames: int


def _jpeg_scale(width: int, height: int, long_side: int, short_side: int) -> int:
    """The largest JPEG DCT scale (1, 2, 4, 8) keeping both targets."""
    for scale in (8, 4, 2):
        if max(width, height) // scale >= long_side and min(width, height) // scale >= short_side:
            return scale
    return 1


_CV2_REDUCED = {
    2: "IMREAD_REDUCED_COLOR_2",
    4: "IMREAD_REDUCED_COLOR_4",
    8: "IMREAD_REDUCED_COLOR_8",
}


_CV2_REDUCED_LUMA = {
    2: "IMREAD_REDUCED_GRAYSCALE_2",
    4: "IMREAD_REDUCED_GRAYSCALE_4",
    8: "IMREAD_REDUCED_GRAYSCALE_8",
}


def _fast_decode(data: bytes, fmt: str, scale: int, luma: bool = False) -> RGB | None:
    """OpenCV's decoder for plain JPEG and WebP (2× faster on WebP, DCT scaling on JPEG).

    Returns None when the slower, stricter Pillow path must decide (e.g. a JPEG without its
    end marker, which OpenCV would decode silently as a grey-filled truncated picture).
    """
    import cv2

    if fmt == "jpeg" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return None
    reduced, full = (_CV2_REDUCED_LUMA, cv2.IMREAD_GRAYSCALE) if luma else (
        _CV2_REDUCED, cv2.IMREAD_COLOR)
    flag = getattr(cv2, reduced[scale]) if fmt == "jpeg" and scale > 1 else full
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if pixels is None or pixels.ndim != (2 if luma else 3):
        return None
    if luma:
        return np.ascontiguousarray(pixels)
    return np.ascontiguousarray(cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB))


def decode_image(
    data: bytes,
    limits: HashLimits,
    *,
    long_side: int = 0,
    short_side: int = 0,
    luma: bool = False,
) -> DecodedImage:
    """Decode the first frame of an image to RGB.

    A JPEG may be decoded at a reduced scale (DCT scaling, 1/2 to 1/8) as long as its longer
    side stays ≥ ``long_side`` and its shorter side ≥ ``short_side``: about 5× faster on camera
    photos. 0 and 0 decode at full size. ``luma=True``: a still image comes back as one 2-D
    luma plane (Rec. 601, a JPEG's own Y channel: no colour conversion at all); an animation
    stays RGB.
    """
    check_size(data, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            fmt = _PIL_FORMATS.get(im.format or "")
            if fmt is None:
                raise MediaError("unsupported", f"unsupported image format {im.format!r}")
            width, height = im.size
            if width <= 0 or height <= 0:
                raise MediaError("corrupt", f"invalid image size {width}x{height}")
            if width * height > limits.max_pixels:
                raise MediaError(
                    "too_many_pixels",
                    f"{width}x{height} is over the limit of {limits.max_pixels} pixels",
                )
            frames = int(getattr(im, "n_frames", 1) or 1)
            scale = (
                _jpeg_scale(width, height, long_side, short_side)
                if (long_side or short_side)
                else 1
            )
            rgb = None
            luma = luma and frames == 1
            if fmt in ("jpeg", "webp") and frames == 1 and im.mode in ("RGB", "L", "CMYK", "YCbCr"):
                rgb = _fast_decode(data, fmt, scale, luma)
            if rgb is None:
                if scale > 1 and fmt == "jpeg":
                    im.draft("RGB", (max(1, width // scale), max(1, height // scale)))
                im.load()
                rgb = _to_rgb(im)
                if luma:
                    rgb = _rgb_to_luma(rgb)
    except MediaError:
        raise
    except Image.DecompressionBombError as exc:
        raise MediaError("too_many_pixels", str(exc)) from exc
    except Image.DecompressionBombWarning as exc:
        raise MediaError("too_many_pixels", str(exc)) from exc
    except UnidentifiedImageError as exc:
        if sniff(data) in IMAGE_FORMATS:
            raise MediaError("corrupt", f"damaged {sniff(data)} header") from exc
        raise MediaError("unsupported", "not a recognised image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        text = str(exc)
        code = "truncated" if "truncat" in text.lower() else "corrupt"
        raise MediaError(code, f"cannot decode image: {text}") from exc
    if rgb.size == 0:
        raise MediaError("corrupt", "decoded image is empty")
    return DecodedImage(rgb, width, height, fmt, frames)


def _rgb_to_luma(rgb: RGB) -> RGB:
    import cv2

    return np.ascontiguousarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))


def _to_rgb(im: Image.Image) -> RGB:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        # Stickers and PNGs with alpha: composite on white so transparent areas are stable.
        rgba = im.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, rgba)
    if im.mode == "I;16" or im.mode == "I":
        arr = np.asarray(im, dtype=np.float64)
        peak = max(float(arr.max()), 1.0)
        gray = (arr * (255.0 / peak)).astype(np.uint8)
        return np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
    return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))


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


def read_video(
    data: bytes, limits: HashLimits, *, fps: float = 1.0, max_side: int = 512
) -> tuple[VideoInfo, list[VideoFrame]]:
    """Decode a video from memory and sample ``fps`` frames per second (the first frame always).

    Frames are scaled so that their longer side is at most ``max_side`` (PDQ works on 64×64).
    """
    import av  # local import: PyAV loads FFmpeg, which image-only callers never need

    check_size(data, limits)
    if fps <= 0:
        raise ValueError("fps must be > 0")
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError("corrupt", f"cannot open video: {exc}") from exc
    frames: list[VideoFrame] = []
    try:
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
        fmt = _container_format(container.format.name)
        period = 1.0 / fps
        next_t = 0.0
        decoded = 0
        for frame in container.decode(stream):
            decoded += 1
            if decoded > limits.max_video_decoded_frames:
                raise MediaError("too_many_frames", "too many frames decoded")
            t = float(frame.time) if frame.time is not None else decoded / 25.0
            if t > limits.max_video_seconds:
                raise MediaError("too_long", f"stream runs past {limits.max_video_seconds:.0f} s")
            if frames and t + 1e-6 < next_t:
                continue
            scale = max_side / max(frame.width, frame.height)
            if scale < 1:
                frame = frame.reformat(
                    width=max(2, round(frame.width * scale)),
                    height=max(2, round(frame.height * scale)),
                )
            pixels = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)
            frames.append(VideoFrame(t, decoded - 1, pixels))
            if len(frames) > limits.max_video_frames:
                raise MediaError(
                    "too_many_frames", f"more than {limits.max_video_frames} sampled frames"
                )
            next_t = (int(t / period + 1e-6) + 1) * period
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError, MemoryError) as exc:
        if not frames:
            raise MediaError("corrupt", f"cannot decode video: {exc}") from exc
        # A truncated stream: keep the frames decoded so far (the rest is reported by the caller).
        return VideoInfo(width, height, duration, fmt), frames
    finally:
        container.close()
    if not frames:
        raise MediaError("no_frames", "no decodable video frame")
    return VideoInfo(width, height, duration, fmt), frames


def _duration(container: object, stream: object) -> float | None:
    d = getattr(stream, "duration", None)
    tb = getattr(stream, "time_base", None)
    if d is not None and tb is not None:
        return float(d * tb)
    cd = getattr(container, "duration", None)
    return float(cd) / 1_000_000 if cd else None


def _container_format(name: str) -> str:
    first = name.split(",")[0]
    return {"matroska": "mkv", "mov": "mp4"}.get(first, first)


def read_animation(
    data: bytes, limits: HashLimits, *, fps: float = 1.0, max_side: int = 512
) -> tuple[float, list[VideoFrame]]:
    """Sample an animated GIF or WebP at ``fps`` (first frame always): (duration, frames)."""
    from PIL import ImageSequence

    check_size(data, limits)
    frames: list[VideoFrame] = []
    try:
        im = Image.open(io.BytesIO(data))
        if im.size[0] * im.size[1] > limits.max_pixels:
            raise MediaError("too_many_pixels", f"{im.size[0]}x{im.size[1]} is over the limit")
        t = 0.0
        next_t = 0.0
        for index, frame in enumerate(ImageSequence.Iterator(im)):
            if index >= limits.max_video_decoded_frames:
                raise MediaError("too_many_frames", "too many animation frames")
            if t + 1e-6 >= next_t or not frames:
                rgb = _to_rgb(frame)
                scale = max_side / max(rgb.shape[:2])
                if scale < 1:
                    import cv2

                    rgb = np.ascontiguousarray(
                        cv2.resize(
                            rgb,
                            (
                                max(1, round(rgb.shape[1] * scale)),
                                max(1, round(rgb.shape[0] * scale)),
                            ),
                            interpolation=cv2.INTER_AREA,
                        )
                    )
                frames.append(VideoFrame(t, index, rgb))
                if len(frames) > limits.max_video_frames:
                    raise MediaError("too_many_frames", "too many sampled frames")
                next_t = (int(t * fps + 1e-6) + 1) / fps
            t += max(float(frame.info.get("duration", 100) or 100), 10.0) / 1000.0
            if t > limits.max_video_seconds:
                raise MediaError("too_long", "animation is too long")
    except MediaError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if not frames:
            raise MediaError("corrupt", f"cannot decode animation: {exc}") from exc
    return t, frames
