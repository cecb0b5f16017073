"""Access to the optional C kernel ``_native`` (built by ``pip install -e .``).

Set ``REMPART_INDEX_NATIVE=0`` to force the pure-numpy path.
"""

from __future__ import annotations

import os
from types import ModuleType

ABI = 2  # the kernel's calling convention this code speaks (KERNEL_ABI in _native.c)


def load_kernel(required: bool | None = None) -> ModuleType | None:
    """The native kernel module, or None for the numpy path.

    ``required=None`` uses it when present, ``False`` never, ``True`` raises if it is missing.
    """
    if required is False or (required is None and os.environ.get("REMPART_INDEX_NATIVE") == "0"):
        return None
    kernel: ModuleType | None
    try:
        from rempart.core.index import _native as kernel
    except ImportError:
        kernel = None
    if kernel is None or getattr(kernel, "ABI", 1) != ABI:  # missing, or a stale build
        if required:
            raise RuntimeError(
                "the native PDQ index kernel is not built (or is out of date); "
                "run `pip install -e .` with gcc"
            ) from None
        return None
    return kernel
