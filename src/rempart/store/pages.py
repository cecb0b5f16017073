"""One page of query results and its total: the shape every listing in the store returns.

Example::

    with store._read() as conn:
        rows, total = fetch_page(conn, select(notices), limit=50, offset=0)
    Page([to_record(r) for r in rows], total)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.sql import Select

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and how many there are in all."""

    items: list[T]
    total: int


def fetch_page(conn: Connection, query: Select[Any], limit: int, offset: int,
               ) -> tuple[Sequence[Row[Any]], int]:
    """The rows of ``query`` from ``offset`` (at most ``limit``) and how many match in all."""
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return conn.execute(query.limit(limit).offset(offset)).all(), int(total)
