"""Media bytes → every signal Rempart keeps (``MediaHashes``); the bytes are then dropped.

Images: md5, sha256, PDQ of the full image and its 7 rotations/mirrors, PDQ of the picture
with uniform borders trimmed, PDQ of regions, and the ``orb`` local-feature signal. A dark or
low-contrast picture (:mod:`.signals.tone`) also gets the PDQ of its equalised copy
(``tone``).
Videos and animations: md5, sha256 and vPDQ frames (plus PDQ of the first frame), and with
robust signals the vPDQ of the frames' centres and, where they have uniform borders, of the
trimmed frames; a probe also gets each frame's
rotations/mirrors, trimmed and centre views (``signals.vframes.VideoProbe``).

Example::

    >>> import io; from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGB", (32, 32), "red").save(buf, "PNG")
    >>> hash_bytes(buf.getvalue()).kind
    'image'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

from rempart.core import media, video
from rempart.core.errors import MediaError
from rempart.core.hash_settings import HashLimits, HashSettings
from rempart.core.signals import orb, tone, vcrop
from rempart.core.signals.exact import exact_hashes
from rempart.core.signals.pdq import fit, pdq_dihedral, pdq_hash
from rempart.core.signals.vframes import (
    STILL_VIEW,
    VideoProbe,
    centre,
    frame_views,
    trimmed,
)
from rempart.core.signals.views import is_trimmed, trim_box
from rempart.core.types import (
    FrameHash,
    KeyFrame,
    MediaHashes,
    MediaKind,
    PdqHash,
    PdqVariant,
    VpdqVariant,
)

_DEFAULT = HashSettings()
PROBE_RATE = 4  # a video probe's frames per vPDQ frame
# A banked video's ``still`` track: frames between vPDQ's, this many per vPDQ frame in all, so
# that a still taken at any moment lies near one of them (a frame 0.5 s away is often too far
# on a moving scene).
STILL_RATE = 4
STILL_SECONDS = 600.0  # a longer video keeps no ``still`` track (its size: 6 hashes a second)


@dataclass
class Analysis:
    """The signals of one media item and, when asked for, its probe features for matching."""

    hashes: MediaHashes
    probe: orb.OrbProbe | VideoProbe | None = None


def hash_bytes(data: bytes, settings: HashSettings = _DEFAULT) -> MediaHashes:
    """All signals of one media file held in memory; errors become an error record."""
    return analyze(data, settings).hashes


def analyze(
    data: bytes,
    settings: HashSettings = _DEFAULT,
    *,
    probe: bool = False,
    features: bool = True,
    stills: bool = False,
    digests: Callable[[], tuple[str, str]] | None = None,
) -> Analysis:
    """Like :func:`hash_bytes`; with ``probe=True``, an image gets ORB probe features for
    matching instead of the reference features (``orb``, regions) it would get for banking.
    ``probe=True, features=False``: PDQ, its variants and the trimmed PDQ only (nothing banked
    holds local features to compare with, so the image is decoded small and no ORB runs).
    ``digests``: gives (md5, sha256) of ``data`` once the rest is done, e.g. the result of a
    thread that computed them while the image was decoded; by default they are computed here.
    ``probe=True, stills=True``: an image also gets the PDQ of its centre (``centre``), which
    finds a captioned or framed still of a banked video among its frames' centres."""
    analysis = _analyze(data, settings, probe, features, stills)
    md5, sha256 = digests() if digests is not None else exact_hashes(data)
    analysis.hashes = replace(analysis.hashes, md5=md5, sha256=sha256)
    return analysis


def _analyze(
    data: bytes, settings: HashSettings, probe: bool, features: bool, stills: bool = False
) -> Analysis:
    base = MediaHashes(kind="unsupported", md5="", sha256="", size=len(data))
    fmt: str | None = None
    try:
        media.check_size(data, settings.limits)
        fmt = media.sniff(data)
        if fmt in media.VIDEO_FORMATS:
            return Analysis(*_video(data, fmt, base, settings, probe=probe, features=features))
        if fmt in media.IMAGE_FORMATS or fmt is None:
            return _image(data, base, settings, probe, features, stills)
        raise MediaError("unsupported", f"unsupported format {fmt}")
    except MediaError as exc:
        if exc.code == "unsupported" and fmt is None:
            return Analysis(replace(base, error="unsupported: not a recognised image or video"))
        error = str(exc)
    except Exception as exc:
        # A decoder or a signal failing on an input nobody foresaw (an OpenCV assertion, a
        # numpy error, memory): this item's error only, never the caller's crash.
        kind_of = type(exc)
        where = "" if kind_of.__module__ == "builtins" else f"{kind_of.__module__}."
        error = f"undecodable: {where}{kind_of.__name__} while hashing"  # e.g. cv2.error
    kind: MediaKind = "unsupported"
    if fmt in media.VIDEO_FORMATS:
        kind = "video"
    elif fmt in media.IMAGE_FORMATS:
        kind = "image"
    return Analysis(replace(base, kind=kind, format=fmt, error=error))


def _image(
    data: bytes, base: MediaHashes, settings: HashSettings, probe: bool, features: bool = True,
    stills: bool = False,
) -> Analysis:
    # Banking needs the longer side at 512 px (PDQ, reference features); a probe for matching
    # needs the shorter side at 512 px (screenshots are tall and show the picture small).
    probe_orb = probe and features
    if probe_orb:
        decoded = media.decode_image(data, settings.limits, short_side=orb.PROBE_SIDE)
    else:
        # A probe without ORB needs luma only (PDQ and trimming): the cheapest decode.
        decoded = media.decode_image(data, settings.limits, long_side=orb.REF_SIDE, luma=probe)
    if decoded.frames > 1 and decoded.format in ("gif", "webp"):
        return Analysis(*_video(data, decoded.format, base, settings, first=decoded,
                                probe=probe, features=features))
    rgb = fit(decoded.rgb, orb.PROBE_MAX_SIDE)
    first, dihedral = pdq_dihedral(rgb)  # as on the copy fitted to 512 px, without making it
    variants: list[PdqVariant] = list(dihedral)
    # Banking keeps reference features of the 512 px copy; a probe trims at the decoded size.
    view = rgb if probe else fit(rgb, 512)
    gray = _gray(view)
    box = trim_box(gray)
    if is_trimmed(box, gray.shape):
        left, top, right, bottom = box
        trimmed = pdq_hash(view[top:bottom, left:right])
        variants.append(PdqVariant("trim", trimmed.hash, trimmed.quality))
    if probe and stills:
        middle = pdq_hash(centre(view))
        variants.append(PdqVariant(STILL_VIEW, middle.hash, middle.quality))
    equalized = tone.equalized(gray) if tone.is_low_contrast(gray) else None
    if equalized is not None:
        # A night shot or a foggy view: also hashed once its contrast is spread.
        toned = pdq_hash(equalized)
        variants.append(PdqVariant("tone", toned.hash, toned.quality))
    orb_value = orb_tone = None
    probe_features = None
    if probe_orb:
        # Checking an image: the probe's own features, not a reference to bank.
        probe_features = orb.probe_features(gray)
        if equalized is not None:
            probe_features.toned = orb.probe_features(equalized)
    elif settings.robust and not probe:
        ref = orb.reference_features(gray)
        orb_value = ref.serialize()
        if equalized is not None:
            orb_tone = orb.reference_features(equalized).serialize()
        variants.extend(
            PdqVariant(f"region-{name}", h.hex(), q)
            for name, (h, q) in ref.regions.items()
            if name != "full" and name in orb.REGIONS
        )
    hashes = replace(
        base,
        kind="image",
        format=decoded.format,
        width=decoded.width,
        height=decoded.height,
        pdq=first,
        pdq_variants=tuple(variants),
        orb=orb_value,
        orb_tone=orb_tone,
    )
    return Analysis(hashes, probe_features)


def _video(
    data: bytes,
    fmt: str,
    base: MediaHashes,
    settings: HashSettings,
    first: media.DecodedImage | None = None,
    *,
    probe: bool = False,
    features: bool = True,
) -> tuple[MediaHashes, VideoProbe | None]:
    """vPDQ computed streaming: each sampled frame is hashed and dropped, only hashes kept.
    With ``probe``, also each frame's views for matching edited re-posts (:mod:`.vframes`),
    sampled ``PROBE_RATE`` times more densely (vPDQ keeps its own rate's frames): some probe
    frame then lands near each banked frame of an excerpt or a sped-up copy. With robust
    signals a banked video also keeps ORB features of a few key frames, the PDQ of the whole
    frame and of its centre at ``STILL_RATE`` times vPDQ's rate between vPDQ's frames (the
    ``still`` track, which finds a photo taken from the clip), and a probe with ``features``
    what finds a cropped copy (:mod:`.signals.vcrop`)."""
    warnings: list[str] = []
    duration: float | None
    reader: video.VideoReader | video.AnimationReader
    fps, limits = settings.video_fps, settings.limits
    banking = settings.robust and not probe
    dense = PROBE_RATE if probe else STILL_RATE if banking else 1
    try:
        reader = _reader(data, fmt, limits, fps * dense)
    except MediaError as e:  # too long to sample densely: vPDQ's rate only
        if e.code != "too_many_frames" or dense == 1:
            raise
        reader = _reader(data, fmt, limits, fps)
    if banking and (_declared(reader) or 0.0) > STILL_SECONDS:
        reader.close()
        reader = _reader(data, fmt, limits, fps)
    most_stills = 2 * int(STILL_SECONDS * fps * (STILL_RATE - 1))
    period = 1.0 / fps
    hashes: list[FrameHash] = []
    views_of: dict[str, list[FrameHash]] = {"centre": [], "trim": [], "still": []}
    bordered = False
    views: list[tuple[float, np.ndarray]] = []
    key_frames: list[KeyFrame] = []
    duration = _declared(reader)
    crop = vcrop.CropProbe() if probe and features else None
    keys = vcrop.KeySchedule(duration, vcrop.QUERY_KEY_FRAMES if probe else vcrop.MAX_KEY_FRAMES)
    last, next_t = 0.0, 0.0
    with reader:
        for frame in reader:
            t = round(frame.t, 3)
            if probe:
                views.append((t, frame_views(frame.rgb)))
            gray = vcrop.gray_of(frame.rgb) if crop is not None else None
            if crop is not None and gray is not None:
                crop.add_frame(t, gray)
            last = frame.t
            if frame.t + 1e-6 < next_t:  # a probe's extra frame, or a banked still
                if banking and len(views_of["still"]) < most_stills:
                    for view in (frame.rgb, centre(frame.rgb)):
                        v = pdq_hash(view)
                        views_of["still"].append(FrameHash(t, v.hash, v.quality, frame.index))
                continue
            next_t = (int(frame.t / period + 1e-6) + 1) * period
            h = pdq_hash(frame.rgb)
            hashes.append(FrameHash(t, h.hash, h.quality, frame.index))
            if crop is not None and gray is not None and keys.take(frame.t):
                crop.orbs.append(orb.probe_features(gray))
            if banking and keys.take(frame.t):
                ref = orb.reference_features(vcrop.gray_of(frame.rgb), vcrop.KEY_FEATURES,
                                             key_frame=True)
                key_frames.append(KeyFrame(t, ref.serialize()))
            if banking:
                inner, cut = trimmed(frame.rgb)
                bordered |= cut
                for name, view in (("centre", centre(frame.rgb)), ("trim", inner)):
                    v = pdq_hash(view) if view is not frame.rgb else h
                    views_of[name].append(FrameHash(t, v.hash, v.quality, frame.index))
    if isinstance(reader, video.VideoReader):
        width, height = reader.info.width, reader.info.height
        if duration and hashes and last + 2.0 / fps < duration:
            warnings.append(f"truncated: frames decoded up to {last:.1f} s of {duration:.1f} s")
    else:
        duration = reader.duration
        width = first.width if first else reader.width
        height = first.height if first else reader.height
    first_pdq = PdqHash(hashes[0].hash, hashes[0].quality) if hashes else None
    video_probe = VideoProbe.of(views, crop) if probe else None
    return replace(
        base,
        kind="video",
        format=fmt,
        width=width,
        height=height,
        duration=None if duration is None else round(float(duration), 3),
        pdq=first_pdq,
        vpdq=tuple(hashes),
        vpdq_variants=tuple(
            VpdqVariant(name, tuple(frames)) for name, frames in views_of.items()
            if frames and (name != "trim" or bordered)
        ),
        key_frames=tuple(key_frames),
        warnings=tuple(warnings),
    ), video_probe


def _declared(reader: video.VideoReader | video.AnimationReader) -> float | None:
    """The duration a video's container declares (an animation's is known once read)."""
    return reader.info.duration if isinstance(reader, video.VideoReader) else None


def _reader(
    data: bytes, fmt: str, limits: HashLimits, fps: float
) -> video.VideoReader | video.AnimationReader:
    if fmt in ("gif", "webp"):
        return video.AnimationReader(data, limits, fps=fps)
    return video.VideoReader(data, limits, fps=fps)


def _gray(rgb: np.ndarray) -> orb.Gray:
    if rgb.ndim == 2:
        return rgb
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY), np.uint8)


def frame_probe(rgb: np.ndarray) -> orb.OrbProbe:
    """ORB probe features of a decoded RGB frame (a photo re-posted inside a video)."""
    return orb.probe_features(_gray(rgb))
