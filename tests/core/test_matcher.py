"""Matching rules: thresholds per bank, exact, PDQ variants, vPDQ, frames, orb, allowlist, hold."""

from __future__ import annotations

import io
import random

from PIL import Image

from rempart.bench.edits import apply_edit
from rempart.bench.synthetic_images import make_photo, make_video, photo_bytes
from rempart.core.matcher import Matcher, Query
from rempart.core.media_signals import analyze, hash_bytes
from rempart.core.signal_indexes import BankInfo
from rempart.core.signals import vpdq
from rempart.core.types import MediaHashes


def bank(
    bank_id: int, name: str, kind: str = "moderator", policy: str = "block", threshold: int = 31
) -> BankInfo:
    return BankInfo(bank_id, name, kind, policy, threshold, threshold, 80.0, 0.0, True)


def load(m: Matcher, h: MediaHashes, bank_id: int, first_id: int) -> int:
    """Index every signal of ``h`` like the bank service stores them; returns the next id."""
    i = first_id
    for signal, value in [("md5", h.md5), ("sha256", h.sha256)]:
        m.add(i, bank_id, signal, value)
        i += 1
    if h.pdq:
        m.add(i, bank_id, "pdq", h.pdq.hash)
        i += 1
    for v in h.pdq_variants:
        m.add(i, bank_id, "pdq", v.hash)
        i += 1
    if h.vpdq:
        m.add(i, bank_id, "vpdq", vpdq.serialize(h.vpdq))
        i += 1
    if h.orb:
        m.add(i, bank_id, "orb", h.orb)
        i += 1
    return i


def jpeg(im: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def probe(data: bytes) -> Query:
    a = analyze(data, probe=True)
    return Query(a.hashes, a.probe)


def banks_of(outcome: object) -> set[str]:
    return {m.bank for m in outcome.matches}  # type: ignore[attr-defined]


def test_exact_pdq_and_orb_paths() -> None:
    m = Matcher()
    m.set_bank(bank(1, "mod"))
    original = photo_bytes(1, (800, 600))
    load(m, hash_bytes(original), 1, 1)
    exact = m.match(probe(original)).matches
    assert {x.signal for x in exact} >= {"sha256", "md5", "pdq"}
    assert exact[0].distance == 0
    im = make_photo(1, (800, 600))
    recompressed = m.match(probe(jpeg(im.resize((400, 300)), 40))).matches
    assert "pdq" in {x.signal for x in recompressed}
    cropped = m.match(probe(jpeg(im.crop((150, 0, 800, 520))))).matches
    assert [x.signal for x in cropped] == ["orb"]
    assert cropped[0].detail["inliers"] >= 6
    assert m.match(probe(photo_bytes(99, (800, 600)))).matches == ()


def test_per_bank_threshold_and_bank_filter() -> None:
    m = Matcher()
    m.set_bank(bank(1, "strict", threshold=2))
    m.set_bank(bank(2, "loose", threshold=31))
    h = hash_bytes(photo_bytes(2))
    assert h.pdq
    m.add(1, 1, "pdq", h.pdq.hash)
    m.add(2, 2, "pdq", h.pdq.hash)
    q = hash_bytes(jpeg(make_photo(2).resize((300, 225)), 30))
    assert banks_of(m.match(Query(q))) == {"loose"}
    assert banks_of(m.match(Query(q), banks={"strict"})) == set()
    assert banks_of(m.match(Query(hash_bytes(photo_bytes(2))), banks={"strict"})) == {"strict"}


def test_allowlist_suppresses_other_banks() -> None:
    m = Matcher()
    m.set_bank(bank(1, "victims", kind="victim", policy="review"))
    m.set_bank(bank(2, "memes", kind="allowlist", policy="alert"))
    meme = hash_bytes(photo_bytes(3))
    assert meme.pdq
    m.add(1, 1, "pdq", meme.pdq.hash)
    out = m.match(Query(meme))
    assert [x.bank for x in out.matches] == ["victims"]
    m.add(2, 2, "pdq", meme.pdq.hash)
    out = m.match(Query(meme))
    assert out.matches == () and out.suppressed == 1 and out.allowlisted[0].bank == "memes"


def test_hold_remove_disable() -> None:
    m = Matcher()
    m.set_bank(bank(1, "mod"))
    h = hash_bytes(photo_bytes(4))
    assert h.pdq
    m.add(7, 1, "pdq", h.pdq.hash)
    m.hold(7)
    held = m.match(Query(h)).matches[0]
    assert held.on_hold and held.action == "review"
    m.hold(7, False)
    assert m.match(Query(h)).matches[0].action == "block"
    m.remove(7)
    assert m.match(Query(h)).matches == ()
    m.add(7, 1, "pdq", h.pdq.hash)
    m.set_bank(BankInfo(1, "mod", "moderator", "block", 31, 31, 80.0, 0.0, False))
    assert m.match(Query(h)).matches == ()


def test_video_matches_video_and_frames_match_images() -> None:
    m = Matcher()
    m.set_bank(bank(1, "mod"))
    video = hash_bytes(make_video([5, 6], seconds_per_scene=3.0))
    load(m, video, 1, 100)
    reencoded = hash_bytes(
        make_video([5, 6], seconds_per_scene=3.0, codec="mpeg4", container="avi")
    )
    got = m.match(Query(reencoded)).matches
    assert any(x.signal == "vpdq" and x.detail["query_percent"] >= 80 for x in got)
    # A photo shown inside a video: a frame matches the image entry.
    m2 = Matcher()
    m2.set_bank(bank(1, "mod"))
    photo = hash_bytes(jpeg(make_photo(5, (360, 280)).crop((0, 20, 320, 260))))  # frame 0
    load(m2, photo, 1, 1)
    assert any(x.signal == "pdq" and "frame_t" in x.detail for x in m2.match(Query(video)).matches)


def test_rotated_and_mirrored_copies_match_through_dihedral_hashes() -> None:
    m = Matcher()
    m.set_bank(bank(1, "mod"))
    load(m, hash_bytes(photo_bytes(8)), 1, 1)
    for family in ("rotate", "mirror"):
        edited = apply_edit(family, make_photo(8), random.Random(1))
        assert m.match(probe(jpeg(edited))).matches, family
