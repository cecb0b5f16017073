"""Videos and animations read frame by frame, limits checked before decoding."""

from __future__ import annotations

import io
import weakref

import numpy as np
import pytest

from rempart.bench.synthetic_images import make_photo, make_video
from rempart.core import media, video
from rempart.core.errors import MediaError
from rempart.core.hash_settings import HashLimits

LIMITS = HashLimits()


@pytest.mark.parametrize(
    ("container", "codec"),
    [
        ("mp4", "libx264"),
        ("webm", "libvpx"),
        ("mkv", "libx264"),
        ("avi", "mpeg4"),
        ("mov", "libx264"),
    ],
)
def test_videos_are_sampled_once_per_second(container: str, codec: str) -> None:
    data = make_video([1, 2], seconds_per_scene=2.0, fps=10, container=container, codec=codec)
    assert media.sniff(data) in media.VIDEO_FORMATS
    info, frames = video.read_video(data, LIMITS, fps=1.0)
    assert [round(f.t) for f in frames] == [0, 1, 2, 3]
    assert info.width == 320
    assert all(f.rgb.shape == (240, 320, 3) for f in frames)


def test_video_sampling_rate_is_configurable() -> None:
    data = make_video([1], seconds_per_scene=2.0, fps=10)
    _, frames = video.read_video(data, LIMITS, fps=2.0)
    assert len(frames) == 4


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        (HashLimits(max_video_seconds=1.0), "too_long"),
        (HashLimits(max_video_frames=2), "too_many_frames"),
        (HashLimits(max_video_decoded_frames=10), "too_many_frames"),
        (HashLimits(max_pixels=320 * 239), "too_many_pixels"),
    ],
)
def test_video_limits_are_checked_before_any_frame_is_decoded(
    limits: HashLimits, code: str
) -> None:
    data = make_video([1, 2], seconds_per_scene=2.0, fps=10)
    with pytest.raises(MediaError) as err:
        video.VideoReader(data, limits)  # opening only: nothing decoded yet
    assert err.value.code == code


def test_expected_frames_match_what_sampling_gives() -> None:
    data = make_video([1, 2], seconds_per_scene=2.0, fps=10)
    for fps in (0.5, 1.0, 2.0, 3.0):
        with video.VideoReader(data, LIMITS, fps=fps) as reader:
            assert reader.info.duration is not None
            expected = video.expected_frames(reader.info.duration, fps)
            assert len(list(reader)) == expected
    # the cap on sampled frames sits exactly at what the clip gives
    video.read_video(data, HashLimits(max_video_frames=4))


def test_frames_are_handed_out_one_at_a_time() -> None:
    data = make_video([1, 2, 3], seconds_per_scene=2.0, fps=10)
    alive: list[weakref.ref[np.ndarray]] = []
    with video.VideoReader(data, LIMITS) as reader:
        for frame in reader:
            alive.append(weakref.ref(frame.rgb))
            del frame
            assert sum(r() is not None for r in alive) <= 1
    assert len(alive) == 6


def test_truncated_video_keeps_frames_read_so_far_or_fails_cleanly() -> None:
    data = make_video([1, 2, 3], seconds_per_scene=2.0, fps=10, container="mkv")
    try:
        _, frames = video.read_video(data[: len(data) // 2], LIMITS)
    except MediaError as exc:
        assert exc.code in {"corrupt", "no_frames"}
    else:
        assert 1 <= len(frames) <= 6


def test_garbage_video_is_an_error() -> None:
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(
        np.random.default_rng(0).integers(0, 255, 5000, np.uint8)
    )
    with pytest.raises(MediaError):
        video.read_video(data, LIMITS)


def _gif(frames: int, duration: int = 600) -> bytes:
    images = [make_photo(s, (96, 64)) for s in range(1, frames + 1)]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=duration,
                   loop=0)
    return buf.getvalue()


def test_animation_frames() -> None:
    duration, sampled = video.read_animation(_gif(3), LIMITS)
    assert round(duration, 1) == 1.8
    assert [f.index for f in sampled] == [0, 2]


def test_animation_limits() -> None:
    with pytest.raises(MediaError) as err:
        video.AnimationReader(_gif(4), HashLimits(max_video_decoded_frames=3))
    assert err.value.code == "too_many_frames"
    with pytest.raises(MediaError) as err:
        video.AnimationReader(_gif(2), HashLimits(max_pixels=96 * 63))
    assert err.value.code == "too_many_pixels"
    with pytest.raises(MediaError) as err:
        video.read_animation(_gif(3), HashLimits(max_video_seconds=1.0))
    assert err.value.code == "too_long"
