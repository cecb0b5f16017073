"""Bytes → MediaHashes: every kind, every error, and the fields the CLI promises."""

from __future__ import annotations

import hashlib
import io

import numpy as np
from PIL import Image

from rempart.bench.synthetic_images import make_photo, make_video, photo_bytes
from rempart.core.hash_settings import HashLimits, HashSettings
from rempart.core.media_signals import analyze, hash_bytes
from rempart.core.signals.orb import OrbReference
from rempart.core.signals.pdq import distance


def test_image_signals() -> None:
    data = photo_bytes(1)
    h = hash_bytes(data)
    assert h.kind == "image" and h.error is None
    assert h.md5 == hashlib.md5(data).hexdigest()
    assert h.sha256 == hashlib.sha256(data).hexdigest()
    assert h.pdq is not None and len(h.pdq.hash) == 64 and h.pdq.quality == 100
    names = {v.variant for v in h.pdq_variants}
    assert {"rot90", "rot180", "rot270", "flipx", "flipy", "region-c60"} <= names
    assert h.orb is not None and OrbReference.parse(h.orb).width == 512
    assert (h.width, h.height, h.format) == (640, 480, "jpeg")


def test_letterboxed_copy_matches_through_the_trimmed_variant() -> None:
    im = make_photo(2, (640, 480))
    canvas = Image.new("RGB", (640, 900), "black")
    canvas.paste(im, (0, 210))
    buf = io.BytesIO()
    canvas.save(buf, "JPEG", quality=90)
    boxed = hash_bytes(buf.getvalue())
    trimmed = {v.variant: v.hash for v in boxed.pdq_variants}["trim"]
    original = hash_bytes(photo_bytes(2))
    assert original.pdq is not None
    assert distance(trimmed, original.pdq.hash) <= 16


def test_probe_mode_gives_probe_features_instead_of_reference() -> None:
    a = analyze(photo_bytes(3), probe=True)
    assert a.probe is not None and a.hashes.orb is None
    assert len(a.probe.descriptors) > 100


def test_probe_without_local_features_keeps_pdq_variants_and_trim() -> None:
    im = make_photo(5, (1024, 768))
    canvas = Image.new("RGB", (1024, 1100), "black")
    canvas.paste(im, (0, 166))
    buf = io.BytesIO()
    canvas.save(buf, "JPEG", quality=90)
    full = analyze(buf.getvalue(), probe=True)
    light = analyze(buf.getvalue(), probe=True, features=False)
    assert light.probe is None and light.hashes.orb is None
    assert full.hashes.pdq is not None and light.hashes.pdq is not None
    assert distance(full.hashes.pdq.hash, light.hashes.pdq.hash) <= 8
    names = [v.variant for v in light.hashes.pdq_variants]
    assert names == [v.variant for v in full.hashes.pdq_variants]  # 7 dihedral + trim
    assert "trim" in names and (light.hashes.width, light.hashes.height) == (1024, 1100)


def test_pdq_only_mode() -> None:
    h = hash_bytes(photo_bytes(4), HashSettings(robust=False))
    assert h.orb is None and h.pdq is not None


def test_video_signals() -> None:
    data = make_video([1, 2], seconds_per_scene=2.0)
    h = hash_bytes(data)
    assert h.kind == "video" and h.error is None
    assert [f.t for f in h.vpdq] == [0.0, 1.0, 2.0, 3.0]
    assert all(len(f.hash) == 64 and 0 <= f.quality <= 100 for f in h.vpdq)
    assert h.duration is not None and 3.5 <= h.duration <= 4.5
    assert hash_bytes(data, HashSettings(video_fps=2.0)).vpdq[1].t == 0.5


def test_animated_gif_is_hashed_as_a_video() -> None:
    frames = [make_photo(s, (128, 96)) for s in (1, 2, 3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=1000, loop=0)
    h = hash_bytes(buf.getvalue())
    assert h.kind == "video" and h.format == "gif"
    assert len(h.vpdq) == 3 and h.pdq is not None


def test_errors_are_records_not_exceptions() -> None:
    assert hash_bytes(b"").error == "empty: the file is empty (0 bytes)"
    text = hash_bytes(b"hello, not an image")
    assert text.kind == "unsupported" and text.error and text.error.startswith("unsupported")
    assert text.sha256 == hashlib.sha256(b"hello, not an image").hexdigest()
    broken = hash_bytes(photo_bytes(5)[:4000])
    assert broken.kind == "image" and broken.error and broken.pdq is None
    big = hash_bytes(photo_bytes(5), HashSettings(limits=HashLimits(max_pixels=1000)))
    assert big.error and big.error.startswith("too_many_pixels")


def test_mislabelled_file_is_recognised_from_its_bytes() -> None:
    buf = io.BytesIO()
    make_photo(6, (200, 150)).save(buf, "PNG")
    h = hash_bytes(buf.getvalue())  # whatever its name says, the bytes say PNG
    assert h.kind == "image" and h.format == "png"


def test_to_json_shape() -> None:
    record = hash_bytes(photo_bytes(7)).to_json()
    assert record["pdq"]["hash"] and isinstance(record["pdq"]["quality"], int)
    assert record["error"] is None and isinstance(record["pdq_variants"], list)


def test_digests_computed_elsewhere_are_used() -> None:
    data = photo_bytes(6)
    plain = analyze(data, probe=True, features=False)
    given = analyze(data, probe=True, features=False, digests=lambda: ("a" * 32, "b" * 64))
    assert (given.hashes.md5, given.hashes.sha256) == ("a" * 32, "b" * 64)
    assert given.hashes.pdq == plain.hashes.pdq and plain.hashes.md5 != "a" * 32
    broken = analyze(b"\xff\xd8 not really a jpeg", digests=lambda: ("c" * 32, "d" * 64))
    assert broken.hashes.error and broken.hashes.md5 == "c" * 32


def _jpeg(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_dark_photo_gets_a_tone_variant_its_reshares_match_and_other_dark_photos_do_not() -> None:
    import random

    from rempart.bench.edits import caption_band, crop_one_side, night, resize
    from rempart.core.banks import EntryTrust
    from rempart.core.matcher import Matcher, Query
    from rempart.core.signal_indexes import BankInfo

    m = Matcher()
    m.set_bank(BankInfo(1, "b", "moderator", "block", 31, 31, 80.0, 0.0, True))
    entry = 0
    for seed in range(6):
        h = hash_bytes(_jpeg(night(make_photo(seed))))
        tone = {v.variant: v for v in h.pdq_variants}["tone"]
        assert h.pdq is not None and h.pdq.quality < 50 <= tone.quality
        for value in (h.pdq.hash, *(v.hash for v in h.pdq_variants)):
            entry += 1
            m.add(seed * 1000 + entry, 1, "pdq", value, trust=EntryTrust.BANK.value)
        assert h.orb is not None
        m.add(seed * 1000 + 999, 1, "orb", h.orb)
    for seed in range(3):
        for edit in (resize, caption_band, crop_one_side):
            copy = edit(night(make_photo(seed)), random.Random(seed))
            a = analyze(_jpeg(copy), probe=True)
            found = {x.entry_id // 1000 for x in m.match(Query(a.hashes, a.probe)).matches}
            assert found == {seed}, (edit.__name__, seed, found)


def test_dark_photo_keeps_local_features_of_its_equalised_luma_that_a_dark_reshare_finds() -> None:
    import random

    from rempart.bench.edits import crop_sides, night
    from rempart.core.banks import Provenance, entries_from_media
    from rempart.core.clock import utc_now
    from rempart.core.orb_index import OrbIndex
    from rempart.core.signals.orb import OrbProbe, OrbReference

    h = hash_bytes(_jpeg(night(make_photo(3))))
    assert h.orb is not None and h.orb_tone is not None
    entries = entries_from_media(h, Provenance("test", utc_now()))
    assert [e.provenance.metadata.get("variant") for e in entries
            if e.signal_type == "orb"] == [None, "tone"]
    index = OrbIndex()
    index.add(1, OrbReference.parse(h.orb))
    index.add(2, OrbReference.parse(h.orb_tone))
    copy = analyze(_jpeg(crop_sides(night(make_photo(3)), random.Random(1))), probe=True)
    assert isinstance(copy.probe, OrbProbe) and copy.probe.toned is not None
    assert 2 in {ref for ref, _ in index.query(copy.probe)}
    noise = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    lit = analyze(_jpeg(Image.fromarray(noise)), probe=True)  # full contrast: one probe
    assert isinstance(lit.probe, OrbProbe) and lit.probe.toned is None
