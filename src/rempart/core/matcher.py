"""The in-memory matcher: every active bank signal, indexed by type; media signals → matches.

It holds the bank signals in compact indexes that follow bank changes incrementally
(:class:`~rempart.core.signal_indexes.SignalIndexes`, :meth:`Matcher.apply`), and applies
the rules of matching:

- an image matches an entry when any of its PDQ hashes (full, rotations/mirrors, trimmed) is
  within the bank's threshold, when its bytes are identical (md5/sha256), or when its local
  features are confirmed against the entry's ``orb`` reference;
- a video matches on vPDQ (vPDQ's percentage rule, per bank), or, when the query carries a
  ``VideoProbe``, on its frames' rotated/mirrored/trimmed views lined up in time with a banked
  video's frames (``core.video_align``); any single frame may match an image entry (a photo
  re-posted inside a video);
- one match per entry, the closest kept, and a match in an ``allowlist`` bank suppresses every
  other bank's match for that query (``core.match_outcome``);
- an entry on hold (flood guard) still matches but asks only for review, and so does an
  unconfirmed one (an anonymous registration, see :func:`rempart.core.banks.entry_action`;
  each entry's hold and trust are one state byte, ``core.entry_state``);
- the frames of an unconfirmed video never match photos: only a confirmed video's frames
  stand for images.

Example::

    >>> from rempart.core.types import MediaHashes, PdqHash
    >>> m = Matcher()
    >>> m.set_bank(BankInfo(1, "demo", "moderator", "block", 31, 31, 80.0, 0.0, True))
    >>> m.add(10, 1, "pdq", "f" * 64)
    >>> q = MediaHashes("image", "", "", 0, pdq=PdqHash("f" * 63 + "0", 100))
    >>> [(x.entry_id, x.signal, x.distance) for x in m.match(Query(q)).matches]
    [(10, 'pdq', 4)]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rempart.core.banks import EntryTrust
from rempart.core.entry_state import HOLD_BITS, TRUST_BITS, is_held, trust_of
from rempart.core.index import hex_to_hashes
from rempart.core.match_outcome import MatchOutcome, SignalMatch, outcome_of
from rempart.core.signal_indexes import BankInfo, SignalIndexes
from rempart.core.signals import vcrop, vpdq
from rempart.core.signals.orb import OrbProbe, OrbReference
from rempart.core.signals.pdq import MIN_QUALITY
from rempart.core.signals.vcrop import CropProbe
from rempart.core.signals.vframes import STILL_VIEW, VideoProbe
from rempart.core.types import FrameHash, MediaHashes
from rempart.core.video_align import align_views

__all__ = ["BankInfo", "Matcher", "Query"]

MAX_RADIUS = 63


@dataclass(frozen=True, slots=True)
class Query:
    """The signals of one media item to match, and its probe features when it is an image."""

    hashes: MediaHashes
    probe: OrbProbe | VideoProbe | None = None


class Matcher(SignalIndexes):
    """The rules of matching over the signal indexes: a query's signals → its matches."""

    def _radius(self, attr: str, banks: Iterable[BankInfo]) -> int:
        return min(MAX_RADIUS, max((getattr(b, attr) for b in banks), default=31))

    def match(self, query: Query, banks: Collection[str] | None = None) -> MatchOutcome:
        """Every bank entry ``query`` matches, grouped and filtered by the rules above."""
        usable = {
            b.id: b
            for b in self._banks.values()
            if b.enabled and (not banks or b.name in banks or b.kind == "allowlist")
        }
        if not usable:
            return MatchOutcome(())
        found: list[SignalMatch] = []
        h = query.hashes

        def hit(entry_id: int, signal: str, distance: int, **detail: Any) -> None:
            bank_id, state = self._status.get(entry_id)
            bank = usable.get(bank_id)
            if bank is None or not state:
                return
            found.append(
                SignalMatch(
                    bank.id,
                    bank.name,
                    bank.kind,
                    bank.policy,
                    entry_id,
                    signal,
                    distance,
                    is_held(state),
                    detail,
                    trust_of(state),
                )
            )

        for value in (h.md5, h.sha256):
            for entry_id in self._exact.get(value, ()) if value else ():
                hit(entry_id, "sha256" if len(value) == 64 else "md5", 0)
        pdq_radius = self._radius("pdq_threshold", usable.values())
        named = _query_pdq(h) if h.kind != "video" else []  # video frames are matched below
        if named:
            # A query's centre looks for a still of a banked video only (among its frames'
            # centres), never for a photo.
            photo = [(v, x) for v, x in named if v != STILL_VIEW]
            rows = self._pdq.query_batch(hex_to_hashes([x for _, x in photo]), pdq_radius)
            for (variant, _), matches in zip(photo, rows, strict=True):
                for entry_id, d in matches:
                    bank = usable.get(self._status.get(entry_id)[0])
                    if bank is not None and d <= bank.pdq_threshold:
                        hit(entry_id, "pdq", d, query_variant=variant)
            # An image that is a frame of a banked video.
            v_radius = self._radius("vpdq_threshold", usable.values())
            for (variant, _), matches in zip(
                named,
                self._frames.query_batch(hex_to_hashes([x for _, x in named]), v_radius),
                strict=True,
            ):
                for entry_id, d in matches:
                    bank_id, state = self._status.get(entry_id)
                    bank = usable.get(bank_id)
                    if (bank is not None and d <= bank.vpdq_threshold
                            and state & ~HOLD_BITS != TRUST_BITS[EntryTrust.UNCONFIRMED.value]):
                        hit(entry_id, "vpdq", d, query_variant=variant)
        if h.vpdq:
            video_probe = query.probe if isinstance(query.probe, VideoProbe) else None
            self._match_video(h.vpdq, usable, hit, video_probe)
        if isinstance(query.probe, OrbProbe) and len(self._orb):
            for entry_id, m in self._orb.query(query.probe, key_frames=False):
                bank = usable.get(self._status.get(entry_id)[0])
                if bank is not None and m.distance <= bank.pdq_threshold:
                    hit(
                        entry_id,
                        "orb",
                        m.distance,
                        inliers=m.inliers,
                        region=m.region,
                        mirrored=m.mirrored,
                        scale=round(m.scale, 3),
                    )
        return outcome_of(found)

    def _match_video(
        self, frames: tuple[FrameHash, ...], usable: dict[int, BankInfo], hit: Any,
        probe: VideoProbe | None = None,
    ) -> None:
        good = [f for f in frames if f.quality >= MIN_QUALITY]
        if not good:
            return
        matched: set[int] = set()
        arr = hex_to_hashes([f.hash for f in good])
        v_radius = self._radius("vpdq_threshold", usable.values())
        candidates: dict[int, int] = {}
        for rows in self._frames.query_batch(arr, v_radius):
            for entry_id, d in rows:
                candidates[entry_id] = min(d, candidates.get(entry_id, 999))
        for entry_id, best in candidates.items():
            bank = usable.get(self._status.get(entry_id)[0])
            if bank is None or best > bank.vpdq_threshold:
                continue
            m = vpdq.match(
                good,
                self._videos[entry_id],
                threshold=bank.vpdq_threshold,
                query_percent=bank.vpdq_query_percent,
                compared_percent=bank.vpdq_compared_percent,
            )
            if m is not None:
                matched.add(entry_id)
                hit(
                    entry_id,
                    "vpdq",
                    best,
                    query_percent=round(m.query_percent, 1),
                    compared_percent=round(m.compared_percent, 1),
                )
        if probe is not None and len(probe.views):
            matched |= self._match_views(probe, usable, hit, matched)
        if probe is not None and probe.crop is not None and len(self._orb):
            self._match_crops(probe.crop, usable, hit, matched)
        # Single frames against image entries (a banked photo shown inside a video).
        p_radius = self._radius("pdq_threshold", usable.values())
        for frame, rows in zip(good, self._pdq.query_batch(arr, p_radius), strict=True):
            for entry_id, d in rows:
                bank = usable.get(self._status.get(entry_id)[0])
                if bank is not None and d <= bank.pdq_threshold:
                    hit(entry_id, "pdq", d, frame_t=frame.t)


    def _match_crops(
        self, crop: CropProbe, usable: dict[int, BankInfo], hit: Any, matched: set[int]
    ) -> None:
        """Cropped re-posts: where a banked key frame sits in a query frame (local features),
        then every query frame warped back over that banked frame's centre, matched and lined
        up in time like any other view (:mod:`rempart.core.signals.vcrop`)."""
        transforms: dict[int, tuple[OrbReference, np.ndarray, int]] = {}
        for orb_probe in crop.orbs:
            for ref_id, ref, matrix, inliers in self._orb.geometries(orb_probe,
                                                                     vcrop.MIN_INLIERS):
                if vcrop.plausible(matrix) and inliers > transforms.get(ref_id, (0, 0, 0))[2]:
                    transforms[ref_id] = (ref, matrix, inliers)
        best = sorted(transforms.values(), key=lambda x: -x[2])[:vcrop.MAX_TRANSFORMS]
        for ref, matrix, _ in best:
            views = vcrop.centre_views(crop, matrix, ref.width, ref.height)
            if views:
                matched |= self._match_views(VideoProbe.of(views), usable, hit, matched)

    def _match_views(
        self, probe: VideoProbe, usable: dict[int, BankInfo], hit: Any, matched: set[int]
    ) -> set[int]:
        """Edited re-posts: the probe's frame views looked up in the frame index, then lined
        up in time with each candidate video (:mod:`rempart.core.video_align`); the entries
        it matched."""
        v_radius = self._radius("vpdq_threshold", usable.values())
        candidates: set[int] = set()
        found: set[int] = set()
        for rows in self._frames.query_batch(probe.views, v_radius):
            candidates.update(entry_id for entry_id, _ in rows)
        for entry_id in candidates - matched:
            bank = usable.get(self._status.get(entry_id)[0])
            if bank is None:
                continue
            a, best = align_views(probe, self._videos[entry_id], bank.vpdq_threshold)
            if a.enough:
                found.add(entry_id)
                hit(entry_id, "vpdq", best, compared_percent=round(a.share, 1),
                    speed=a.speed, offset=round(a.offset, 2), aligned=True)
        return found


def _query_pdq(h: MediaHashes) -> list[tuple[str, str]]:
    """(variant, hash) of every PDQ of a query worth looking up (quality ≥ 50)."""
    pdqs = [("orig", h.pdq), *((v.variant, v) for v in h.pdq_variants)]
    return [(name, p.hash) for name, p in pdqs if p is not None and p.quality >= MIN_QUALITY]
