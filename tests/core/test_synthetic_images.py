"""Generated photos: deterministic per seed, different across seeds, decodable; bench's names
are the same functions."""

from __future__ import annotations

import io

from PIL import Image

from rempart.bench import synthetic_images as bench_images
from rempart.core.media_signals import hash_bytes
from rempart.core.synthetic_images import make_photo, photo_bytes


def test_a_seed_gives_one_photo_and_seeds_differ() -> None:
    assert make_photo(3, (96, 64)).tobytes() == make_photo(3, (96, 64)).tobytes()
    assert make_photo(3, (96, 64)).tobytes() != make_photo(4, (96, 64)).tobytes()
    assert hash_bytes(photo_bytes(3, (320, 240))).pdq != hash_bytes(photo_bytes(4, (320, 240))).pdq


def test_encoded_in_the_format_asked() -> None:
    png = Image.open(io.BytesIO(photo_bytes(5, (80, 60), fmt="PNG")))
    assert (png.format, png.size, png.mode) == ("PNG", (80, 60), "RGB")
    assert Image.open(io.BytesIO(photo_bytes(5, (80, 60)))).format == "JPEG"


def test_bench_keeps_its_names() -> None:
    assert bench_images.make_photo is make_photo and bench_images.photo_bytes is photo_bytes
