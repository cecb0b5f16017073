"""Bulk conversion between 64-hex PDQ strings and ``uint8[n, 32]`` arrays.

Example::

    >>> hex_to_hashes(["00" * 31 + "ff"]).shape
    (1, 32)
    >>> hashes_to_hex(hex_to_hashes(["ab" * 32]))[0] == "ab" * 32
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

HASH_BYTES = 32
HEX_CHARS = 2 * HASH_BYTES


def hex_to_hashes(hexes: Iterable[str]) -> NDArray[np.uint8]:
    """Decode 64-hex strings (any case) into a ``uint8[n, 32]`` array; raise ValueError if bad."""
    items = hexes if isinstance(hexes, Sequence) else list(hexes)
    for i, h in enumerate(items):
        if len(h) != HEX_CHARS:
            raise ValueError(f"hash #{i} has {len(h)} characters, expected {HEX_CHARS}")
    try:
        raw = bytes.fromhex("".join(items))
    except ValueError as e:
        raise ValueError(f"not a hexadecimal PDQ hash: {e}") from None
    out: NDArray[np.uint8] = np.frombuffer(raw, dtype=np.uint8).reshape(-1, HASH_BYTES).copy()
    return out


def hex_to_hash(hex64: str) -> NDArray[np.uint8]:
    """Decode one 64-hex string into a ``uint8[32]`` array."""
    one: NDArray[np.uint8] = hex_to_hashes([hex64])[0]
    return one


def hashes_to_hex(hashes: NDArray[np.uint8]) -> list[str]:
    """Encode a ``uint8[n, 32]`` array as lowercase 64-hex strings."""
    arr = as_hash_array(hashes)
    flat = arr.tobytes().hex()
    return [flat[i : i + HEX_CHARS] for i in range(0, len(flat), HEX_CHARS)]


def as_hash_array(hashes: object) -> NDArray[np.uint8]:
    """Validate and return a C-contiguous ``uint8[n, 32]`` view or copy of ``hashes``."""
    arr = np.asarray(hashes)
    if arr.ndim != 2 or arr.shape[1] != HASH_BYTES:
        raise ValueError(f"expected hashes of shape (n, {HASH_BYTES}), got {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"expected dtype uint8, got {arr.dtype}")
    return np.ascontiguousarray(arr)


def as_one_hash(value: bytes | str | NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Accept 32 raw bytes, a 64-hex string or a ``uint8[32]`` array; return ``uint8[32]``."""
    if isinstance(value, str):
        return hex_to_hash(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if len(raw) != HASH_BYTES:
            raise ValueError(f"expected {HASH_BYTES} bytes, got {len(raw)}")
        return np.frombuffer(raw, dtype=np.uint8).copy()
    arr = np.asarray(value)
    if arr.shape != (HASH_BYTES,) or arr.dtype != np.uint8:
        raise ValueError(f"expected a uint8[{HASH_BYTES}] array, got {arr.dtype}{arr.shape}")
    return np.ascontiguousarray(arr)
