"""Hashing settings are plain frozen values of core, checked when built."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, asdict, replace

import pytest

from rempart.core.hash_settings import HashLimits, HashSettings


def test_defaults_keep_the_scan_fingerprint_of_the_former_pydantic_models() -> None:
    # ScanService.options puts asdict(settings) in a scan's fingerprint: resuming a scan started
    # before the move needs the very same dict (keys, order, values).
    assert asdict(HashSettings()) == {
        "limits": {"max_bytes": 209_715_200, "max_pixels": 64_000_000,
                   "max_video_seconds": 10_800.0, "max_video_frames": 20_000,
                   "max_video_decoded_frames": 500_000},
        "video_fps": 1.0,
        "robust": True,
    }
    assert list(asdict(HashSettings())) == ["limits", "video_fps", "robust"]


@pytest.mark.parametrize(
    "build",
    [
        lambda: HashLimits(max_bytes=0),
        lambda: HashLimits(max_pixels=-1),
        lambda: HashLimits(max_video_seconds=float("nan")),
        lambda: HashLimits(max_video_frames=0),
        lambda: HashLimits(max_video_decoded_frames=0),
        lambda: HashSettings(video_fps=0.0),
    ],
)
def test_a_limit_or_rate_that_is_not_positive_is_refused(build: object) -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        build()  # type: ignore[operator]


def test_settings_are_frozen_copied_with_replace_and_picklable() -> None:
    settings = HashSettings(limits=HashLimits(max_pixels=1000), video_fps=2.0)
    with pytest.raises(FrozenInstanceError):
        settings.robust = False  # type: ignore[misc]
    fast = replace(settings, robust=False)
    assert (fast.robust, fast.limits.max_pixels, settings.robust) == (False, 1000, True)
    # Worker processes (media pools) receive them pickled.
    assert pickle.loads(pickle.dumps(fast)) == fast
