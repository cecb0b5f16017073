"""The clock used by services and adapters: the current time, aware, in UTC.

Example::

    >>> utc_now().tzinfo is not None
    True
"""

from __future__ import annotations

# One definition for the whole package; it lives with the row helpers (a candidate for core).
from rempart.store.rows import utc_now

__all__ = ["utc_now"]
