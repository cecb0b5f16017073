"""``vpdq``: PDQ of video frames sampled at a fixed rate, with vPDQ's match rule.

The feature format is vPDQ's (frame number, PDQ hex, quality, timestamp in seconds); the text
form is python-threatexchange's JSON list of ``"hash,quality,timestamp"`` strings. Also read:
lists of objects, the older ``{"<frame>": {"quality", "hash", "timestamp"}}`` JSON and the
``vpdq`` CLI's ``frame,hash,quality,timestamp`` lines.

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
    """python-threatexchange's JSON form of a vPDQ hash (frame numbers are not part of it)."""
    return json.dumps([f"{f.hash},{f.quality},{f.t:.3f}" for f in frames], separators=(",", ":"))


def _from_item(i: int, item: object) -> FrameHash:
    if isinstance(item, str):
        hexhash, quality, ts = item.split(",")
        return FrameHash(float(ts), hexhash.strip().lower(), int(quality), i)
    if isinstance(item, dict):
        ts = item["t"] if "t" in item else item["timestamp"]
        return FrameHash(
            float(ts), str(item["hash"]).lower(), int(item["quality"]), int(item.get("frame", i))
        )
    raise ValueError(f"frame {i} is neither a string nor an object")


def parse(value: str) -> tuple[FrameHash, ...]:
    """Read a vPDQ hash in any of the forms above; ValueError when malformed or empty."""
    text = value.strip()
    frames: list[FrameHash] = []
    try:
        if text.startswith("["):
            frames = [_from_item(i, item) for i, item in enumerate(json.loads(text))]
        elif text.startswith("{"):
            for key, feat in json.loads(text).items():
                frames.append(
                    FrameHash(
                        float(feat["timestamp"]),
                        str(feat["hash"]).lower(),
                        int(feat["quality"]),
                        int(key),
                    )
                )
        else:
            for line in text.splitlines():
                if line.strip():
                    num, hexhash, quality, ts = line.strip().split(",")
                    frames.append(FrameHash(float(ts), hexhash.lower(), int(quality), int(num)))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a vPDQ hash: {exc}") from exc
    if not frames:
        raise ValueError("not a vPDQ hash: no frames")
    for f in frames:
        hex_to_bytes(f.hash)
        if not 0 <= f.quality <= 100 or f.t < 0:
            raise ValueError(
                f"vPDQ frame {f.frame} has quality {f.quality} or time {f.t} out of range"
            )
    return tuple(frames)


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
