"""Decoding with limits: every format, and every kind of bad input gets a clear error."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from rempart.bench.synthetic_images import make_photo, photo_bytes
from rempart.core import media
from rempart.core.errors import MediaError
from rempart.core.hash_settings import HashLimits

LIMITS = HashLimits()


def encode(fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    make_photo(11, (320, 240)).save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("JPEG", "jpeg"),
        ("PNG", "png"),
        ("WEBP", "webp"),
        ("GIF", "gif"),
        ("BMP", "bmp"),
        ("TIFF", "tiff"),
        ("AVIF", "avif"),
    ],
)
def test_every_image_format_decodes(fmt: str, name: str) -> None:
    data = encode(fmt)
    assert media.sniff(data) == name
    img = media.decode_image(data, LIMITS)
    assert img.rgb.shape == (240, 320, 3)
    assert img.format == name


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP"])
def test_luma_decoding_gives_the_luma_plane(fmt: str) -> None:
    data = encode(fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP") else {}))
    rgb = media.decode_image(data, LIMITS).rgb
    luma = media.decode_image(data, LIMITS, luma=True).rgb
    assert luma.shape == (240, 320) and luma.dtype == np.uint8
    expected = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    assert float(np.abs(luma - expected).mean()) < 1.5  # a JPEG's own Y vs Y of its RGB


def test_luma_decoding_of_a_reduced_jpeg_and_of_an_animation() -> None:
    luma = media.decode_image(photo_bytes(1, (2048, 1536)), LIMITS, long_side=512, luma=True)
    assert luma.rgb.shape == (384, 512)
    frames = [make_photo(i, (64, 48)) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=200)
    animation = media.decode_image(buf.getvalue(), LIMITS, luma=True)
    assert animation.frames == 3 and animation.rgb.shape == (48, 64, 3)  # stays RGB


def test_jpeg_is_decoded_at_reduced_size_when_asked() -> None:
    data = photo_bytes(1, (2048, 1536))
    img = media.decode_image(data, LIMITS, long_side=512)
    assert (img.width, img.height) == (2048, 1536)
    assert img.rgb.shape[:2] == (384, 512)
    img = media.decode_image(data, LIMITS, short_side=512)
    assert min(img.rgb.shape[:2]) >= 512


def test_transparent_sticker_is_composited_on_white() -> None:
    im = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    buf = io.BytesIO()
    im.save(buf, "WEBP", lossless=True)
    rgb = media.decode_image(buf.getvalue(), LIMITS).rgb
    assert rgb.mean() > 250


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "corrupt"),
        (b"GIF89a" + b"\x00" * 5, "corrupt"),
    ],
)
def test_bad_bytes_give_a_clear_error(data: bytes, code: str) -> None:
    with pytest.raises(MediaError) as err:
        media.decode_image(data, LIMITS)
    assert err.value.code == code


def test_truncated_jpeg_is_reported() -> None:
    with pytest.raises(MediaError) as err:
        media.decode_image(photo_bytes(3)[:5000], LIMITS)
    assert err.value.code in {"truncated", "corrupt"}


def test_pixel_limit_stops_decompression_bombs_before_decoding() -> None:
    # A PNG whose header claims 30000×30000 pixels but holds almost no data.
    big = Image.new("L", (30000, 30000))
    buf = io.BytesIO()
    big.save(buf, "PNG", optimize=False, compress_level=9)
    with pytest.raises(MediaError) as err:
        media.decode_image(buf.getvalue(), HashLimits(max_pixels=10_000_000))
    assert err.value.code == "too_many_pixels"


def test_byte_limit() -> None:
    with pytest.raises(MediaError) as err:
        media.decode_image(photo_bytes(1), HashLimits(max_bytes=1000))
    assert err.value.code == "too_large"


def test_heic_with_the_optional_extra() -> None:
    pytest.importorskip("pillow_heif", reason="HEIC needs the optional `heic` extra")
    buf = io.BytesIO()
    make_photo(1, (320, 240)).save(buf, "HEIF", quality=80)
    assert media.sniff(buf.getvalue()) == "heif"
    assert media.decode_image(buf.getvalue(), LIMITS).rgb.shape == (240, 320, 3)
