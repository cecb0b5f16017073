"""Exact signals: ``md5`` and ``sha256`` of the bytes.

Example::

    >>> exact_hashes(b"abc")[0]
    '900150983cd24fb0d6963f7d28e17f72'
"""

from __future__ import annotations

import hashlib


def exact_hashes(data: bytes) -> tuple[str, str]:
    """(md5, sha256) of ``data`` as lowercase hex."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest(), hashlib.sha256(data).hexdigest()
