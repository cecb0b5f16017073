"""vPDQ feature format and match rule; border trimming."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rempart.core.signals import vpdq
from rempart.core.signals.views import is_trimmed, trim_box
from rempart.core.types import FrameHash

A, B, C = "0" * 64, "f" * 64, "0f" * 32


def test_threatexchange_json_and_cli_lines_are_read() -> None:
    frames = (FrameHash(0.0, A, 100, 0), FrameHash(1.0, B, 90, 30))
    text = vpdq.serialize(frames)
    assert json.loads(text) == [f"{A},100,0.000", f"{B},90,1.000"]
    assert [(f.t, f.hash, f.quality) for f in vpdq.parse(text)] == [(0.0, A, 100), (1.0, B, 90)]
    legacy = json.dumps(
        {
            "0": {"quality": 100, "hash": A, "timestamp": 0.0},
            "30": {"quality": 90, "hash": B, "timestamp": 1.0},
        }
    )
    assert vpdq.parse(legacy) == frames
    assert vpdq.parse(f"0,{A},100,0.0\n30,{B},90,1.0\n") == frames
    assert (
        vpdq.parse(
            json.dumps(
                [
                    {"t": 0.0, "hash": A, "quality": 100, "frame": 0},
                    {"t": 1.0, "hash": B, "quality": 90, "frame": 30},
                ]
            )
        )
        == frames
    )


@pytest.mark.parametrize(
    "bad",
    ["{", "[{}]", "[]", "0,zz,100,0", f"0,{A},101,0", '{"1": {"hash": 3}}', f'["{A},100,-1"]'],
)
def test_malformed_vpdq_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        vpdq.parse(bad)


def test_match_rule_percentages() -> None:
    video = tuple(FrameHash(float(i), h, 100, i) for i, h in enumerate((A, B, C)))
    clip = video[:1]
    assert vpdq.match_percent(clip, video) == (100.0, pytest.approx(100 / 3))
    assert vpdq.match(clip, video) is not None
    assert vpdq.match(video, clip) is None  # only a third of the longer video is in the clip
    assert vpdq.match(video, clip, query_percent=30) is not None
    low = tuple(FrameHash(f.t, f.hash, 10, f.frame) for f in video)
    assert vpdq.match(low, video) is None  # quality < 50 never matches


def test_trim_finds_letterbox_and_ignores_plain_pictures() -> None:
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 255, (90, 160), np.uint8)
    boxed = np.zeros((160, 160), np.uint8)
    boxed[35:125] = picture
    assert trim_box(boxed) == (0, 35, 160, 125)
    assert is_trimmed(trim_box(boxed), boxed.shape)
    assert not is_trimmed(trim_box(picture), picture.shape)
