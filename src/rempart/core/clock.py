"""Time as every layer reads it: aware datetimes in UTC.

Example::

    >>> from datetime import datetime
    >>> utc(datetime(2026, 1, 2, 3, 4)).isoformat()
    '2026-01-02T03:04:00+00:00'
    >>> utc_now().tzinfo is not None
    True
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def utc(dt: datetime) -> datetime: ...
@overload
def utc(dt: None) -> None: ...
@overload
def utc(dt: datetime | None) -> datetime | None: ...


def utc(dt: datetime | None) -> datetime | None:
    """``dt`` as an aware UTC datetime (naive values are taken as UTC, as stored)."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
