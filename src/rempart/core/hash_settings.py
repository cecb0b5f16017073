"""How media are hashed (``HashSettings``) and the limits that bound that work (``HashLimits``).

Plain frozen values: core takes them as arguments; ``rempart.config`` builds them from the
environment (``REMPART_HASHING__LIMITS__MAX_BYTES=…``, ``REMPART_HASHING__VIDEO_FPS=…``).

Example::

    >>> HashSettings(limits=HashLimits(max_pixels=1000)).limits.max_pixels
    1000
    >>> HashLimits(max_bytes=0)
    Traceback (most recent call last):
    ...
    ValueError: max_bytes must be > 0, not 0
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


def _check_positive(value: HashLimits | HashSettings) -> None:
    """Every number field of ``value`` must be > 0 (a zero limit would refuse every file)."""
    for f in fields(value):
        number = getattr(value, f.name)
        if isinstance(number, int | float) and not isinstance(number, bool) and not number > 0:
            raise ValueError(f"{f.name} must be > 0, not {number}")


@dataclass(frozen=True, slots=True)
class HashLimits:
    """Limits that protect the hasher against hostile or huge media, checked before decoding."""

    max_bytes: int = 200 * 1024 * 1024
    max_pixels: int = 64_000_000
    max_video_seconds: float = 3 * 3600.0
    max_video_frames: int = 20_000
    max_video_decoded_frames: int = 500_000

    def __post_init__(self) -> None:
        _check_positive(self)


@dataclass(frozen=True, slots=True)
class HashSettings:
    """How media are turned into signals: limits, video sampling rate, robust signals or not."""

    limits: HashLimits = field(default_factory=HashLimits)
    video_fps: float = 1.0
    # False: banking skips the reference features (``orb``, region PDQ): faster, less robust.
    robust: bool = True

    def __post_init__(self) -> None:
        _check_positive(self)
