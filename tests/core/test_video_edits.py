"""Edited re-posts of a clip (caption band, mirror, quarter turn, 9:16 padding, excerpt, speed,
several at once) match it in time, and nothing else."""

from __future__ import annotations

import random
from itertools import pairwise

import numpy as np
import pytest

from rempart.bench.robustness_video import EDITS, encode, synthetic_clip
from rempart.core import media_signals
from rempart.core.banks import Provenance, entries_from_media
from rempart.core.clock import utc_now
from rempart.core.hash_settings import HashSettings
from rempart.core.matcher import Matcher, Query
from rempart.core.media_signals import analyze, hash_bytes
from rempart.core.signal_indexes import BankInfo
from rempart.core.signals import vpdq
from rempart.core.signals.orb import OrbReference
from rempart.core.signals.vcrop import MAX_KEY_FRAMES
from rempart.core.signals.vframes import VideoProbe, frame_views
from rempart.core.video_align import align, align_views

pytest.importorskip("av")


@pytest.fixture(scope="module")
def bank() -> tuple[Matcher, list[list[np.ndarray]]]:
    """Two scenes, each banked as an original (first half) and a distractor (second half), with
    their frames' views and key frames as entries 100 × n + k."""
    m = Matcher()
    m.set_bank(BankInfo(1, "b", "moderator", "block", 31, 31, 80.0, 0.0, True))
    originals = []
    for i, seed in enumerate((100, 101)):
        clip = synthetic_clip(seed, seconds=16)
        half = len(clip) // 2
        for j, part in enumerate((clip[:half], clip[half:])):
            h = hash_bytes(encode(part))
            m.add(2 * i + j + 1, 1, "vpdq", vpdq.serialize(h.vpdq))
            views = [("vpdq", vpdq.serialize(v.frames)) for v in h.vpdq_variants]
            views += [("orb", key.orb) for key in h.key_frames]
            for k, (kind, value) in enumerate(views):
                m.add(100 * (2 * i + j + 1) + k, 1, kind, value)
        originals.append(clip[:half])
    return m, originals


def _matches(m: Matcher, clip: list[np.ndarray]) -> set[int]:
    a = analyze(encode(clip), probe=True)
    assert isinstance(a.probe, VideoProbe)
    found = {x.entry_id for x in m.match(Query(a.hashes, a.probe)).matches}
    return {e if e < 100 else e // 100 for e in found}  # the clip, whichever view matched


@pytest.mark.parametrize(
    "family",
    ["reencode", "caption", "crop", "mirror", "rotate90", "pad_9_16", "excerpt", "speed",
     "chain"])
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


def test_frame_views_add_the_centre_and_the_trimmed_frame() -> None:
    frame = synthetic_clip(3, seconds=0.1)[0]
    padded = np.zeros((frame.shape[0] * 3, frame.shape[1], 3), np.uint8)
    padded[frame.shape[0]:2 * frame.shape[0]] = frame
    assert len(frame_views(frame)) == 16
    assert len(frame_views(padded)) == 32


def test_banked_clip_keeps_its_centres_and_trimmed_frames_only_with_borders() -> None:
    clip = synthetic_clip(4, seconds=3)
    plain = hash_bytes(encode(clip))
    assert [v.variant for v in plain.vpdq_variants] == ["centre", "still"]
    assert [f.t for f in plain.vpdq_variants[0].frames] == [f.t for f in plain.vpdq]
    boxed = hash_bytes(encode(EDITS["pad_9_16"](clip, random.Random(0))))
    assert [v.variant for v in boxed.vpdq_variants] == ["centre", "trim", "still"]
    assert hash_bytes(encode(clip), HashSettings(robust=False)).vpdq_variants == ()


def test_variants_are_banked_as_labelled_vpdq_entries() -> None:
    h = hash_bytes(encode(synthetic_clip(4, seconds=3)))
    entries = entries_from_media(h, Provenance("test", utc_now()))
    videos = [(e.signal_type, e.provenance.metadata.get("variant")) for e in entries
              if e.signal_type == "vpdq"]
    assert videos == [("vpdq", None), ("vpdq", "centre"), ("vpdq", "still")]


def test_banked_clip_keeps_its_moments_between_vpdq_frames_as_stills(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clip = synthetic_clip(4, seconds=3)
    h = hash_bytes(encode(clip))
    still = next(v for v in h.vpdq_variants if v.variant == "still")
    grid = {f.t for f in h.vpdq}
    times = [f.t for f in still.frames]
    # Whole frame and centre of each moment between vPDQ's frames, at 4 per second in all.
    assert times[::2] == times[1::2] and not grid & set(times)
    moments = sorted(grid | set(times))  # the first frame at or after each quarter second
    assert len(moments) == 12 and all(0 <= t - i / 4 < 0.1 for i, t in enumerate(moments))
    monkeypatch.setattr(media_signals, "STILL_SECONDS", 2.0)  # a longer clip keeps none
    assert "still" not in {v.variant for v in hash_bytes(encode(clip)).vpdq_variants}


def test_a_still_between_banked_frames_of_a_moving_scene_matches_through_the_stills() -> None:
    from rempart.bench.robustness_video import jpeg

    clip = synthetic_clip(7, seconds=6)  # 10 frames a second, a panning scene
    h = hash_bytes(encode(clip))
    tracks = {None: h.vpdq, **{v.variant: v.frames for v in h.vpdq_variants}}
    m = Matcher()
    m.set_bank(BankInfo(1, "b", "moderator", "block", 31, 31, 80.0, 0.0, True))
    for k, frames in enumerate(tracks.values()):
        m.add(k + 1, 1, "vpdq", vpdq.serialize(frames))
    still_entry = list(tracks).index("still") + 1
    found = []
    for frame in (clip[i] for i in range(2, 60, 10)):  # 0.2 s after each banked frame…
        a = analyze(jpeg(frame), probe=True, stills=True)
        found.append({x.entry_id for x in m.match(Query(a.hashes, a.probe)).matches})
    assert all(still_entry in f for f in found)
    # …and the alignment of a re-encoded copy counts each moment of the still track once.
    copy = analyze(encode(clip), probe=True)
    assert isinstance(copy.probe, VideoProbe)
    line = align_views(copy.probe, tracks["still"], 31)[0]
    assert line.enough and line.frames == line.expected


def test_probe_samples_densely_and_keeps_vpdq_rate() -> None:
    a = analyze(encode(synthetic_clip(6, seconds=4)), probe=True)
    assert isinstance(a.probe, VideoProbe)
    assert len(a.probe.times) >= 3 * len(a.hashes.vpdq)


def test_align_needs_one_line() -> None:
    # Matches everywhere but on no common line (a static scene at other moments) stay apart.
    banked = [float(t) for t in range(15)]
    scattered = align([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [[5.0], [1.0], [9.0], [0.0], [14.0], [2.0]],
                      banked_t=banked)
    assert not scattered.enough
    slowed = align([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [[3.0], [3.75], [4.5], [], [6.0], [6.75]])
    assert slowed.frames == 5 and slowed.speed == pytest.approx(0.75)


def test_align_judges_the_banked_frames_the_line_crosses() -> None:
    banked = [float(t) for t in range(30)]
    # A 4 s excerpt sampled at 4 fps: each banked frame it spans is hit by one query frame.
    q = [i / 4 for i in range(16)]
    excerpt = align(q, [[10.0 + t] if t == int(t) else [] for t in q], banked_t=banked)
    assert excerpt.frames == 4 and excerpt.expected <= 5 and excerpt.enough
    # The clip's first second at the end of a query (the moment before it in the same source)
    # is not enough, however much of that second it covers.
    edge = align([0.0, 1.0, 2.0, 3.0], [[], [], [0.0], [1.0]], banked_t=banked)
    assert edge.frames == 2 and not edge.enough


def test_a_captioned_still_of_a_banked_clip_matches_it(
    bank: tuple[Matcher, list[list[np.ndarray]]],
) -> None:
    from rempart.bench.robustness_video import _caption, jpeg

    m, originals = bank
    still = jpeg(_caption(originals[1][20], 0.15))  # the frame at 2 s, a caption band over it
    a = analyze(still, probe=True, stills=True)
    found = m.match(Query(a.hashes, a.probe)).matches
    assert {x.entry_id // 100 for x in found} == {3}  # a view or a key frame of clip 3 only
    assert "vpdq" in {x.signal for x in found}  # its centre among the frames' centres
    plain = analyze(still, probe=True, features=False)  # no centre, no local features
    assert m.match(Query(plain.hashes, plain.probe)).matches == ()


def test_banked_clip_keeps_a_few_key_frames_marked_as_such() -> None:
    h = hash_bytes(encode(synthetic_clip(4, seconds=30)))
    assert 1 <= len(h.key_frames) <= MAX_KEY_FRAMES
    times = [k.t for k in h.key_frames]
    assert times == sorted(times) and all(b - a >= 2.0 - 1e-6 for a, b in pairwise(times))
    assert all(OrbReference.parse(k.orb).key_frame for k in h.key_frames)
    entries = entries_from_media(h, Provenance("test", utc_now()))
    keys = [e for e in entries if e.provenance.metadata.get("variant") == "frame"]
    assert len(keys) == len(h.key_frames) and {e.signal_type for e in keys} == {"orb"}


def test_a_crop_is_found_through_a_key_frame_and_the_centre_track() -> None:
    clip = synthetic_clip(9, seconds=12)
    m = Matcher()
    m.set_bank(BankInfo(1, "b", "moderator", "block", 31, 31, 80.0, 0.0, True))
    h = hash_bytes(encode(clip))
    m.add(1, 1, "vpdq", vpdq.serialize(h.vpdq))
    m.add(2, 1, "vpdq", vpdq.serialize(h.vpdq_variants[0].frames))  # the centre track
    for k, key in enumerate(h.key_frames):
        m.add(10 + k, 1, "orb", key.orb)
    cropped = encode([f[20:-10, 30:-15] for f in clip])
    without = analyze(cropped, probe=True, features=False)  # no local features: not found
    assert m.match(Query(without.hashes, without.probe)).matches == ()
    a = analyze(cropped, probe=True)
    assert isinstance(a.probe, VideoProbe) and a.probe.crop is not None
    found = m.match(Query(a.hashes, a.probe)).matches
    assert {x.entry_id for x in found} == {2} and found[0].detail["aligned"]
