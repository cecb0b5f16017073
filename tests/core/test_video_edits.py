"""Edited re-posts of a clip (mirror, quarter turn, 9:16 padding, speed) match it in time."""

from __future__ import annotations

import random

import numpy as np
import pytest

from rempart.bench.robustness_video import EDITS, encode, synthetic_clip
from rempart.core.matcher import BankInfo, Matcher, Query
from rempart.core.media_signals import analyze, hash_bytes
from rempart.core.signals import vpdq
from rempart.core.signals.vframes import VideoProbe, frame_views
from rempart.core.video_align import align, aligned_enough

pytest.importorskip("av")


@pytest.fixture(scope="module")
def bank() -> tuple[Matcher, list[list[np.ndarray]]]:
    """Two scenes, each banked as an original (first half) and a distractor (second half)."""
    m = Matcher()
    m.set_bank(BankInfo(1, "b", "moderator", "block", 31, 31, 80.0, 0.0, True))
    originals = []
    for i, seed in enumerate((100, 101)):
        clip = synthetic_clip(seed, seconds=16)
        half = len(clip) // 2
        for j, part in enumerate((clip[:half], clip[half:])):
            m.add(2 * i + j + 1, 1, "vpdq", vpdq.serialize(hash_bytes(encode(part)).vpdq))
        originals.append(clip[:half])
    return m, originals


def _matches(m: Matcher, clip: list[np.ndarray]) -> set[int]:
    a = analyze(encode(clip), probe=True)
    assert isinstance(a.probe, VideoProbe)
    return {x.entry_id for x in m.match(Query(a.hashes, a.probe)).matches}


@pytest.mark.parametrize("family", ["reencode", "mirror", "rotate90", "pad_9_16"])
def test_edited_copy_matches_its_original_only(
    bank: tuple[Matcher, list[list[np.ndarray]]], family: str
) -> None:
    m, originals = bank
    for i, clip in enumerate(originals):
        assert _matches(m, EDITS[family](clip, random.Random(i))) == {2 * i + 1}


def test_mirrored_copy_is_not_a_plain_vpdq_match(
    bank: tuple[Matcher, list[list[np.ndarray]]],
) -> None:
    m, originals = bank
    a = analyze(encode(EDITS["mirror"](originals[0], random.Random(0))))
    assert a.probe is None  # no probe asked: plain vPDQ only
    assert m.match(Query(a.hashes)).matches == ()


def test_banking_is_unchanged_by_probes() -> None:
    data = encode(synthetic_clip(5, seconds=3))
    assert analyze(data, probe=True).hashes.vpdq == hash_bytes(data).vpdq


def test_frame_views_add_the_trimmed_frame() -> None:
    frame = synthetic_clip(3, seconds=0.1)[0]
    padded = np.zeros((frame.shape[0] * 3, frame.shape[1], 3), np.uint8)
    padded[frame.shape[0]:2 * frame.shape[0]] = frame
    assert len(frame_views(frame)) == 8
    assert len(frame_views(padded)) == 16


def test_align_needs_one_line() -> None:
    # Matches everywhere but on no common line (a static scene at other moments) stay apart.
    scattered = align([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [[5.0], [1.0], [9.0], [0.0], [14.0], [2.0]])
    assert not aligned_enough(scattered.frames, 6)
    slowed = align([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [[3.0], [3.75], [4.5], [], [6.0], [6.75]])
    assert slowed.frames == 5 and slowed.speed == pytest.approx(0.75)
