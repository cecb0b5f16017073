"""PDQ's block of a large image computed without the fitted copy: same numbers, same hashes."""

from __future__ import annotations

import numpy as np
import pytest

from rempart.bench.synthetic_images import make_photo
from rempart.core.signals.pdq import dct_hex, distance, fit, pdq_dct, pdq_dihedral, pdq_hash
from rempart.core.signals.pdq_fit import axis_map, box, fitted_block, fitted_size, sample_points


def pdq_block_reference(gray: np.ndarray) -> np.ndarray:
    small = fit(gray).astype(np.float32)
    rows, cols = small.shape
    for _ in range(2):
        small = box(box(small, (cols + 127) // 128, 1), (rows + 127) // 128, 0)
    return small[np.ix_(sample_points(rows), sample_points(cols))]


@pytest.mark.parametrize(
    "size", [(800, 600), (1024, 768), (1280, 720), (701, 700), (513, 100), (3000, 40), (2000, 1000)]
)
def test_block_equals_fit_then_filter(size: tuple[int, int]) -> None:
    gray = np.asarray(make_photo(sum(size), size).convert("L"))
    ours = fitted_block(gray)
    # The fitted copy is rounded to 8 bits; the banded maps are not.
    assert np.abs(ours - pdq_block_reference(gray)).max() < 0.5


@pytest.mark.parametrize("seed", range(6))
def test_hashes_agree_with_the_fitted_copy(seed: int) -> None:
    img = np.asarray(make_photo(seed, (900 + 37 * seed, 640 - 11 * seed)))
    old = dct_hex(pdq_dct(fit(img))[0])
    assert distance(pdq_hash(img).hash, old) <= 2
    first, variants = pdq_dihedral(img)
    assert first.hash == pdq_hash(img).hash
    _, old_variants = pdq_dihedral(fit(img))  # the 8-bit fitted copy
    for ours, theirs in zip(variants, old_variants, strict=True):
        assert ours.variant == theirs.variant
        assert distance(ours.hash, theirs.hash) <= 2


@pytest.mark.parametrize("size", [(512, 300), (64, 64), (200, 512), (33, 300)])
def test_images_needing_no_fit_hash_as_step_by_step(size: tuple[int, int]) -> None:
    img = np.asarray(make_photo(size[0], size))
    assert fitted_size(size[1], size[0]) == (size[1], size[0])
    assert np.abs(fitted_block(img[:, :, 1]) - pdq_block_reference(img[:, :, 1])).max() < 1e-3
    assert pdq_hash(img).hash == dct_hex(pdq_dct(img)[0])


def test_axis_map_bands_cover_the_weights() -> None:
    first, band = axis_map(800, 512)
    assert band.shape[0] == 64 and first.min() >= 0 and (first + band.shape[1]).max() <= 800
    # Each sample is a weighted mean: its weights sum to 1.
    assert np.allclose(band.sum(axis=1), 1.0, atol=1e-5)
    assert not band.flags.writeable


def test_degenerate_images_still_hash() -> None:
    for size in [(1, 1), (1, 700), (700, 1), (2, 3)]:
        h = pdq_hash(np.full((*size, 3), 90, np.uint8))
        assert len(h.hash) == 64 and h.quality == 0


def test_rows_gathered_in_steps_give_the_same_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from rempart.core.signals import pdq_fit

    img = np.asarray(make_photo(9, (1500, 1100)))
    whole = fitted_block(img)
    monkeypatch.setattr(pdq_fit, "_GATHER_BUDGET", 50_000)  # a few output rows per step
    assert np.array_equal(fitted_block(img), whole)
    gray = img[:, :, 1].copy()
    assert np.abs(fitted_block(gray) - pdq_block_reference(gray)).max() < 0.5


def test_rgb_pictures_to_scale_down_stay_close_to_the_fitted_copy() -> None:
    for seed, size in [(1, (1024, 768)), (2, (1920, 1080)), (3, (3000, 2000))]:
        img = np.asarray(make_photo(seed, size))
        assert distance(pdq_hash(img).hash, dct_hex(pdq_dct(fit(img))[0])) <= 4
