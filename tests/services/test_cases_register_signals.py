"""Registering videos and robust image signals, and adding items to an existing case: the
entries banked are those the server would bank had it hashed the file itself (ORB aside);
malformed signals are refused item by item; ``add_items`` keeps the case's bank, cap and state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from random import Random
from typing import Any

import pytest

from rempart.bench.robustness_video import EDITS, encode, synthetic_clip
from rempart.bench.synthetic_images import make_video, photo_bytes
from rempart.core.banks import NewEntry, Provenance, entries_from_media
from rempart.core.media_signals import hash_bytes
from rempart.core.types import FrameHash, MediaHashes, VpdqVariant
from rempart.services.banks import list_entries
from rempart.services.case_items import ItemSignals
from rempart.services.case_signals import ROBUST_NAMES
from rempart.services.cases import CHILD_BANK, VICTIM_BANK, CaseFull, CaseNotFound, CaseService
from rempart.services.errors import InvalidArgument
from rempart.store.cases import CaseClosed, SqlCaseStore
from rempart.store.sql import SqlBankStore, open_store

H = "ab" * 32


def browser_like(hashes: MediaHashes) -> ItemSignals:
    """What the portal's page sends for a file the server hashed into ``hashes``."""
    assert hashes.pdq is not None
    if hashes.kind == "video":
        return ItemSignals(hashes.sha256, hashes.pdq.hash, hashes.pdq.quality, md5=hashes.md5,
                           kind="video", frames=hashes.vpdq,
                           vpdq_variants=tuple(v for v in hashes.vpdq_variants
                                               if v.variant != "still"))
    variants = {v.variant: v.hash for v in hashes.pdq_variants if v.variant in
                ("rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1")}
    robust = {v.variant: (v.hash, v.quality) for v in hashes.pdq_variants
              if v.variant in ROBUST_NAMES}
    return ItemSignals(hashes.sha256, hashes.pdq.hash, hashes.pdq.quality, variants,
                       hashes.md5, robust=robust)


def _key(e: NewEntry) -> tuple[Any, ...]:
    return (e.signal_type, e.value, e.quality, e.provenance.metadata.get("variant"))


@pytest.fixture
def service(sqlite_url: str) -> Iterator[tuple[CaseService, SqlBankStore]]:
    store = open_store(sqlite_url)
    yield CaseService(SqlCaseStore(store.engine), store, None, max_items=3, max_frames=40,
                      max_seconds=60), store
    store.close()


def test_entries_are_the_servers_own() -> None:
    prov = Provenance("victim-portal")
    framed = photo_bytes(5, (640, 480), "PNG")
    image = hash_bytes(framed)
    assert {v.variant for v in image.pdq_variants} >= set(ROBUST_NAMES) - {"trim", "tone"}
    video = hash_bytes(make_video([1, 2], seconds_per_scene=1.5, container="webm",
                                  codec="libvpx"))
    assert video.kind == "video" and len(video.vpdq) >= 3
    boxed = hash_bytes(encode(EDITS["pad_9_16"](synthetic_clip(4, seconds=3), Random(0))))
    assert [v.variant for v in boxed.vpdq_variants] == ["centre", "trim", "still"]
    for hashes in (image, video, boxed):
        ours = browser_like(hashes).validated().entries("g", prov)
        # The browser computes neither local features nor a video's stills (server-side only).
        server = [e for e in entries_from_media(hashes, prov, "g") if e.signal_type != "orb"
                  and e.provenance.metadata.get("variant") != "still"]
        # The same entries: values, qualities, groups and provenance (metadata included).
        assert sorted(ours, key=_key) == sorted(server, key=_key), hashes.kind
    # The second entry of an image is its PDQ (the case page tells images from files by it).
    assert browser_like(image).validated().entries("g", prov)[1].signal_type == "pdq"


@pytest.mark.parametrize(("change", "message"), [
    ({"robust": {"region-c99": (H, 50)}}, "unknown robust"),
    ({"robust": {"trim": ("zz" * 32, 50)}}, "64 hexadecimal"),
    ({"robust": {"trim": (H, 101)}}, "quality"),
    ({"robust": {"trim": (H, 50)}, "pdq": None, "variants": {}}, "need the PDQ"),
    ({"kind": "gif"}, "image or a video"),
    ({"frames": (FrameHash(0.0, H, 90, 0),)}, "no frames"),
])
def test_image_signals_refused(change: dict[str, Any], message: str) -> None:
    item = replace(ItemSignals("0" * 64, H, 90, {"rot90": H}), **change)
    with pytest.raises(InvalidArgument, match=message):
        item.validated()


@pytest.mark.parametrize(("frames", "message"), [
    ((), "at least one frame"),
    (tuple(FrameHash(float(i), H, 90, i) for i in range(5)), "at most 4"),
    ((FrameHash(1.0, H, 90, 0), FrameHash(0.5, H, 90, 1)), "time order"),
    ((FrameHash(0.0, H, 90, 3), FrameHash(1.0, H, 90, 3)), "time order"),
    ((FrameHash(float("nan"), H, 90, 0),), "timestamps"),
    ((FrameHash(61.0, H, 90, 0),), "timestamps"),
    ((FrameHash(0.0, "f" * 63, 90, 0),), "64 hexadecimal"),
    ((FrameHash(0.0, H, -1, 0),), "quality"),
])
def test_video_signals_refused(frames: tuple[FrameHash, ...], message: str) -> None:
    item = ItemSignals("0" * 64, H, 90, md5="1" * 32, kind="video", frames=frames)
    with pytest.raises(InvalidArgument, match=message):
        item.validated(max_frames=4, max_seconds=60)
    with pytest.raises(InvalidArgument, match="not PDQ variants"):
        replace(item, frames=(FrameHash(0, H, 90, 0),), variants={"rot90": H}).validated()


_F = (FrameHash(0.0, H, 90, 0), FrameHash(1.0, H, 90, 1))


@pytest.mark.parametrize(("variants", "message"), [
    ((VpdqVariant("edge", _F),), "unknown vPDQ variant"),
    ((VpdqVariant("centre", _F), VpdqVariant("centre", _F)), "twice"),
    ((VpdqVariant("centre", _F),) * 3, "at most 2"),
    ((VpdqVariant("centre", _F),) * 100_000, "at most 2"),  # refused before any loop
    ((VpdqVariant("trim", _F[:1]),), "one hash per frame"),
    ((VpdqVariant("trim", _F * 500_000),), "one hash per frame"),  # refused before any loop
    ((VpdqVariant("centre", (_F[0], replace(_F[1], t=1.5))),), "timestamps"),
    ((VpdqVariant("centre", (_F[0], replace(_F[1], t=float("nan")))),), "timestamps"),
    ((VpdqVariant("centre", (_F[0], replace(_F[1], frame=7))),), "numbers"),
    ((VpdqVariant("centre", (_F[0], replace(_F[1], hash="g" * 64))),), "64 hexadecimal"),
    ((VpdqVariant("trim", (_F[0], replace(_F[1], quality=101))),), "quality"),
])
def test_vpdq_variants_refused(variants: tuple[VpdqVariant, ...], message: str) -> None:
    item = ItemSignals("0" * 64, H, 90, md5="1" * 32, kind="video", frames=_F,
                       vpdq_variants=variants)
    with pytest.raises(InvalidArgument, match=message):
        item.validated(max_frames=4, max_seconds=60)


def test_vpdq_variants_normalised() -> None:
    inner = tuple(replace(f, hash="cd" * 32) for f in _F)
    upper = tuple(replace(f, hash=f.hash.upper(), t=f.t + 0.0001) for f in inner)
    item = ItemSignals("0" * 64, H, 90, kind="video", frames=_F, vpdq_variants=(
        VpdqVariant("trim", upper), VpdqVariant("centre", _F))).validated()
    assert [v.variant for v in item.vpdq_variants] == ["centre", "trim"]  # the server's order
    assert (item.vpdq_variants[0].frames, item.vpdq_variants[1].frames) == (_F, inner)
    with pytest.raises(InvalidArgument, match="no frames"):
        replace(item, kind="image", frames=()).validated()
    # A trimmed track equal to the frames (no border anywhere): not banked, as the server.
    same = replace(item, vpdq_variants=(VpdqVariant("trim", _F),)).validated()
    assert same.vpdq_variants == ()


def test_video_registered_and_items_added(service: tuple[CaseService, SqlBankStore]) -> None:
    cases, store = service
    video = hash_bytes(make_video([3], seconds_per_scene=2.0, container="webm", codec="libvpx"))
    image = hash_bytes(photo_bytes(6, (400, 300), "PNG"))
    done = cases.register([browser_like(video)], minor=False)
    assert done.items == 1
    types = sorted((e.signal_type, e.provenance.metadata.get("variant", ""))
                   for e in list_entries(store, VICTIM_BANK))
    assert types == [("md5", ""), ("pdq", ""), ("sha256", ""), ("vpdq", ""), ("vpdq", "centre")]

    added = cases.add_items(done.case_number, done.secret, [browser_like(image)])
    assert (added.case_number, added.items, added.secret) == (done.case_number, 1, "")
    entries = list(list_entries(store, VICTIM_BANK))
    assert {e.provenance.case_id for e in entries} == {done.case_number}
    assert len({e.content_group for e in entries}) == 2
    assert cases.status(done.case_number, done.secret).registered == 2

    with pytest.raises(CaseNotFound):
        cases.add_items(done.case_number, done.secret + "x", [browser_like(image)])
    with pytest.raises(CaseNotFound):
        cases.add_items("VIC-2000-999999", done.secret, [browser_like(image)])
    before = len(list(list_entries(store, VICTIM_BANK)))
    with pytest.raises(CaseFull):  # 2 + 2 > 3: nothing banked
        cases.add_items(done.case_number, done.secret, [browser_like(image)] * 2)
    with pytest.raises(InvalidArgument):
        cases.add_items(done.case_number, done.secret,
                        [replace(browser_like(image), sha256="nope")])
    assert len(list(list_entries(store, VICTIM_BANK))) == before
    cases.close(done.case_number, done.secret)
    with pytest.raises(CaseClosed):
        cases.add_items(done.case_number, done.secret, [browser_like(image)])


def test_added_items_of_a_minors_case_go_to_child_protection(
        service: tuple[CaseService, SqlBankStore]) -> None:
    cases, store = service
    image = browser_like(hash_bytes(photo_bytes(7, (320, 240), "PNG")))
    done = cases.register([image], minor=True)
    cases.add_items(done.case_number, done.secret,
                    [browser_like(hash_bytes(photo_bytes(8, (320, 240), "PNG")))])
    entries = list(list_entries(store, CHILD_BANK))
    assert len({e.content_group for e in entries}) == 2
    assert all("escalate" in e.provenance.labels for e in entries)
    assert store.get_bank(VICTIM_BANK) is None
