"""Process-level memory tuning for long-running servers (glibc malloc, the garbage collector).

Loading a million hashes allocates and frees several hundred MB of temporary arrays. With
glibc's default dynamic mmap threshold, those land on the heap after the first large free and
stay resident; many threads each get a malloc arena of their own. ``tune_malloc`` fixes the
threshold (large arrays are mmapped and given back to the system when freed) and caps the
arenas; ``settle`` then returns what loading left behind and freezes the start-up objects so
that full garbage collections stop walking them (no pause on the request path).

Example::

    >>> tune_malloc()          # before loading; a no-op where glibc is absent
    >>> settle()               # after loading
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from functools import cache
from typing import Any

_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 256 * 1024
ARENA_MAX = 2


@cache
def _libc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - glibc only (musl has no mallopt/malloc_trim)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def tune_malloc() -> bool:
    """Fix glibc's mmap threshold and cap its arenas; False when not on glibc."""
    libc = _libc()
    if libc is None:
        return False
    libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    libc.mallopt(_M_ARENA_MAX, ARENA_MAX)
    return True


def settle() -> None:
    """Collect garbage, give freed heap pages back, freeze the survivors."""
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
    gc.freeze()
