"""The ``orb`` signal: crops, captions, screenshots match; different pictures do not."""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
import pytest
from PIL import Image

from rempart.bench.edits import EDITS, apply_edit
from rempart.bench.synthetic_images import make_photo
from rempart.core.orb_index import OrbIndex
from rempart.core.signals.orb import OrbReference, probe_features, reference_features
from rempart.core.signals.orb_verify import verify


def gray(im: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(im.convert("RGB")), cv2.COLOR_RGB2GRAY)


@pytest.fixture(scope="module")
def originals() -> list[Image.Image]:
    return [make_photo(seed, (800, 600)) for seed in range(8)]


@pytest.fixture(scope="module")
def index(originals: list[Image.Image]) -> OrbIndex:
    idx = OrbIndex()
    for i, im in enumerate(originals):
        idx.add(i, OrbReference.parse(reference_features(gray(im)).serialize()))
    return idx


def test_serialize_round_trip() -> None:
    ref = reference_features(gray(make_photo(1)))
    back = OrbReference.parse(ref.serialize())
    assert (back.descriptors == ref.descriptors).all()
    assert np.abs(back.points - ref.points).max() <= 1 / 32
    assert back.regions == ref.regions
    assert (back.width, back.height) == (ref.width, ref.height)


@pytest.mark.parametrize("value", ["", "not base64!", "UkxYAAAA", "Uk8xAAAAAAAAAA=="])
def test_malformed_values_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        OrbReference.parse(value)


@pytest.mark.parametrize(
    "family",
    [
        "crop_one_side",
        "crop_sides",
        "caption_band",
        "pad",
        "screenshot",
        "rotate",
        "mirror",
        "chain",
        "watermark",
    ],
)
def test_edited_copies_are_found(
    family: str, originals: list[Image.Image], index: OrbIndex
) -> None:
    for i in (0, 3, 6):
        edited = apply_edit(family, originals[i], random.Random(f"{family}{i}"))
        found = [ref_id for ref_id, _ in index.query(probe_features(gray(edited)))]
        assert i in found, (family, i)
        assert found == [i]


def test_unrelated_pictures_are_not_matched(index: OrbIndex) -> None:
    for seed in range(100, 110):
        assert index.query(probe_features(gray(make_photo(seed, (640, 480))))) == []


def test_pairwise_verify_reports_geometry(originals: list[Image.Image]) -> None:
    ref = reference_features(gray(originals[2]))
    crop = originals[2].crop((80, 0, 800, 520)).resize((540, 390))
    match = verify(probe_features(gray(crop)), ref)
    assert match is not None
    assert match.distance <= 31
    assert not match.mirrored
    mirrored = verify(probe_features(gray(crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT))), ref)
    assert mirrored is not None and mirrored.mirrored


def test_index_add_remove(originals: list[Image.Image]) -> None:
    idx = OrbIndex()
    ref = reference_features(gray(originals[1]))
    idx.add(5, ref)
    probe = probe_features(gray(originals[1].crop((50, 50, 750, 550))))
    assert [i for i, _ in idx.query(probe)] == [5]
    idx.remove(5)
    assert idx.query(probe) == []
    assert len(idx) == 0


def test_every_edit_family_is_known() -> None:
    assert {
        "jpeg",
        "resize",
        "crop_one_side",
        "crop_sides",
        "mirror",
        "rotate",
        "caption_band",
        "pad",
        "screenshot",
        "brightness_contrast",
        "grayscale",
        "blur",
    } <= set(EDITS)


@pytest.mark.parametrize("family", ["stickers", "crop_half"])
def test_stickers_and_half_crops_are_found_by_their_tiles(
    family: str, originals: list[Image.Image], index: OrbIndex
) -> None:
    found = 0
    for i, im in enumerate(originals):
        edited = apply_edit(family, im, random.Random(f"{family}{i}"))
        hits = index.query(probe_features(gray(edited)))
        assert {ref_id for ref_id, _ in hits} <= {i}  # never another picture
        found += bool(hits)
    assert found >= 6, (family, found)


def test_tiles_stay_in_the_reference() -> None:
    from rempart.core.media_signals import hash_bytes
    from rempart.core.signals.orb import TILES

    ref = reference_features(gray(make_photo(4)))
    assert set(TILES) <= set(ref.regions)
    buf = io.BytesIO()
    make_photo(4).save(buf, "PNG")
    variants = {v.variant for v in hash_bytes(buf.getvalue()).pdq_variants}
    assert not {f"region-{t}" for t in TILES} & variants  # tiles are never PDQ entries


def _cover(im: Image.Image, fill: Image.Image, keep: list[tuple[int, int]]) -> Image.Image:
    """``im`` with ``fill`` over every tile of its 4×4 grid except those in ``keep``."""
    w, h = im.size
    mask = Image.new("L", im.size, 255)
    for r, c in keep:
        mask.paste(0, (c * w // 4, r * h // 4, (c + 1) * w // 4, (r + 1) * h // 4))
    out = im.copy()
    out.paste(fill, (0, 0), mask)
    return out


def test_tiles_hidden_under_flat_graphics_are_excused_textured_ones_never() -> None:
    keep = [(0, 0), (0, 1), (1, 0), (1, 1), (0, 2)]  # a corner of the picture left as it was
    excused = 0
    for seed in range(8):
        im = make_photo(seed, (800, 600))
        ref = reference_features(gray(im))
        painted = verify(probe_features(gray(_cover(im, Image.new("RGB", im.size, "#ffcc22"),
                                                     keep))), ref)
        excused += painted is not None and "+" in painted.region
        # Another picture's content over the same tiles: another moment, never excused.
        other = _cover(im, make_photo(100 + seed, (800, 600)), keep)
        assert verify(probe_features(gray(other)), ref) is None, seed
    assert excused >= 6, excused
