"""Bytes in memory → decoded pixels, with limits and clear errors. Nothing touches the disk.

Images decode through Pillow (JPEG at reduced size with ``draft``) or OpenCV; videos and
animations are read frame by frame in ``core.video``.

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

from rempart.core.errors import MediaError
from rempart.core.hash_settings import HashLimits

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
                rgb = to_rgb(im)
                if luma:
                    rgb = _rgb_to_luma(rgb)
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses the declared size itself, before our own check could run.
        raise MediaError(
            "too_many_pixels", f"the declared size is over the limit of {limits.max_pixels} pixels"
        ) from exc
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


def to_rgb(im: Image.Image) -> RGB:
    """Any Pillow mode as 8-bit RGB: alpha composited on white, 16/32-bit integers scaled."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        # Stickers and PNGs with alpha: composite on white so transparent areas are stable.
        rgba = im.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, rgba)
    if im.mode == "I" or im.mode.startswith("I;16"):
        arr = np.asarray(im, dtype=np.float64)
        peak = max(float(arr.max()), 1.0)
        gray = np.clip(arr * (255.0 / peak), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
    return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))
