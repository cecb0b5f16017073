"""Contrast normalisation: dim and washed-out pictures are equalised, others left alone."""

from __future__ import annotations

import numpy as np

from rempart.bench.edits import fog, night
from rempart.bench.synthetic_images import make_photo
from rempart.core.signals.pdq import distance, pdq_hash
from rempart.core.signals.tone import equalized, is_low_contrast


def _gray(im: object) -> np.ndarray:
    from PIL import Image

    assert isinstance(im, Image.Image)
    return np.asarray(im.convert("L"))


def test_night_and_fog_are_low_contrast_a_full_range_picture_is_not() -> None:
    photo = make_photo(1)
    assert not is_low_contrast(np.arange(256, dtype=np.uint8)[None, :].repeat(64, 0))
    assert is_low_contrast(_gray(night(photo))) and is_low_contrast(_gray(fog(photo)))


def test_a_flat_picture_is_not_equalised() -> None:
    assert not is_low_contrast(np.full((64, 64), 12, np.uint8))


def test_equalised_night_shot_and_foggy_view_hash_alike() -> None:
    photo = make_photo(2)
    dark, foggy = (pdq_hash(equalized(_gray(f(photo)))) for f in (night, fog))
    assert dark.quality >= 50 and foggy.quality >= 50
    assert distance(dark.hash, foggy.hash) <= 31
