"""``vpdq``: PDQ of video frames sampled at a fixed rate, with vPDQ's match rule.

The feature format is vPDQ's (frame number, PDQ hex, quality, timestamp in seconds); the text
form is python-threatexchange's JSON (``{"<frame>": {"quality", "hash", "timestamp"}}``), and the
``vpdq`` CLI's ``frame,hash,quality,timestamp`` lines are read too.

Match rule (vPDQ): frames of quality ≥ 50 only; a query frame matches when some frame of the
compared video is within the PDQ threshold; the videos match when at least ``query_percent`` %
of the query's distinct frame hashes and ``compared_percent`` % of the compared video's match.

Example::

    >>> a = (FrameHash(0.0, "0" * 64, 100, 0), FrameHash(1.0, "f" * 64, 100, 1))
    >>> parse(serialize(a)) == a
    True
    >>> match_percent(a, a[:1])
    (50.0, 100.0)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rempart.core.signals.pdq import DEFAULT_THRESHOLD, MIN_QUALITY, hex_to_bytes
from rempart.core.types import FrameHash

QUERY_PERCENT = 80.0
COMPARED_PERCENT = 0.0


def serialize(frames: Sequence[FrameHash]) -> str:
    """python-threatexchange's JSON form of a vPDQ hash."""
    return json.dumps(
        {
            str(f.frame): {"quality": f.quality, "hash": f.hash, "timestamp": round(f.t, 3)}
            for f in frames
        },
        separators=(",", ":"),
    )


def parse(value: str) -> tuple[FrameHash, ...]:
    """Read a vPDQ hash from JSON (dict or list form) or ``frame,hash,quality,ts`` lines."""
    text = value.strip()
    frames: list[FrameHash] = []
    try:
        if text.startswith("{"):
            for key, feat in json.loads(text).items():
                frames.append(
                    FrameHash(
                        float(feat["timestamp"]),
                        str(feat["hash"]).lower(),
                        int(feat["quality"]),
                        int(key),
                    )
                )
        elif text.startswith("["):
            for i, feat in enumerate(json.loads(text)):
                frames.append(
                    FrameHash(
                        float(feat.get("t", feat.get("timestamp", 0.0))),
                        str(feat["hash"]).lower(),
                        int(feat["quality"]),
                        int(feat.get("frame", i)),
                    )
                )
        else:
            for line in text.splitlines():
                if line.strip():
                    num, hexhash, quality, ts = line.strip().split(",")
                    frames.append(FrameHash(float(ts), hexhash.lower(), int(quality), int(num)))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a vPDQ hash: {exc}") from exc
    for f in frames:
        hex_to_bytes(f.hash)
        if not 0 <= f.quality <= 100:
            raise ValueError(f"vPDQ frame quality {f.quality} is outside 0-100")
    return tuple(sorted(frames, key=lambda f: (f.t, f.frame)))


def _matrix(frames: Sequence[FrameHash]) -> np.ndarray:
    unique = sorted({f.hash for f in frames if f.quality >= MIN_QUALITY})
    if not unique:
        return np.zeros((0, 32), np.uint8)
    return np.frombuffer(b"".join(bytes.fromhex(h) for h in unique), np.uint8).reshape(-1, 32)


def _matched(a: np.ndarray, b: np.ndarray, threshold: int) -> np.ndarray:
    """For each row of ``a``, whether some row of ``b`` is within ``threshold`` bits."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros(len(a), bool)
    a64 = a.view(np.uint64)
    b64 = b.view(np.uint64)
    d = np.bitwise_count(a64[:, None, :] ^ b64[None, :, :]).sum(axis=2)
    return np.asarray((d <= threshold).any(axis=1))


def match_percent(
    query: Sequence[FrameHash], compared: Sequence[FrameHash], threshold: int = DEFAULT_THRESHOLD
) -> tuple[float, float]:
    """(% of the query's distinct good frames matched, % of the compared video's matched)."""
    q, c = _matrix(query), _matrix(compared)
    if len(q) == 0 or len(c) == 0:
        return 0.0, 0.0
    return (
        100.0 * float(_matched(q, c, threshold).mean()),
        100.0 * float(_matched(c, q, threshold).mean()),
    )


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """A vPDQ match and its two percentages."""

    query_percent: float
    compared_percent: float


def match(
    query: Sequence[FrameHash],
    compared: Sequence[FrameHash],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    query_percent: float = QUERY_PERCENT,
    compared_percent: float = COMPARED_PERCENT,
) -> VideoMatch | None:
    """vPDQ's rule: both percentages at or above their minimums (and something matched)."""
    qp, cp = match_percent(query, compared, threshold)
    if qp > 0 and qp >= query_percent and cp >= compared_percent:
        return VideoMatch(qp, cp)
    return None
