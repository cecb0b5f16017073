"""API tokens: random secrets shown once, stored as their sha256 (they are high-entropy, so a
fast hash is enough), with scopes and an optional rate limit of their own.

The table is registered on ``models.metadata``; change it only together with a migration.

Example::

    tokens = SqlTokenStore(store.engine)
    record, secret = tokens.create("platform-x", ("match",))
    tokens.find(secret).name   # 'platform-x'
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Float,
    Integer,
    Row,
    String,
    Table,
    insert,
    select,
    update,
)

from rempart.core.tokens import SCOPES, ApiToken, secret_digest
from rempart.store.models import id_column, metadata, stamp
from rempart.store.rows import utc, utc_now

__all__ = ["PREFIX", "SCOPES", "ApiToken", "SqlTokenStore", "api_tokens", "check_scopes",
           "secret_digest"]

PREFIX = "rmp_"

api_tokens = Table(
    "api_tokens",
    metadata,
    id_column(Integer),
    Column("name", String(200), nullable=False),
    # sha256 hex of the secret; the secret itself is never stored.
    Column("secret_sha256", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("rate_per_second", Float, nullable=True),
    Column("burst", Integer, nullable=True),
    stamp("created_at"),
    stamp("revoked_at", nullable=True),
)


def check_scopes(scopes: Collection[str]) -> tuple[str, ...]:
    """Scopes in canonical order; ValueError naming an unknown one."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)} (known: {', '.join(SCOPES)})")
    if not scopes:
        raise ValueError("a token needs at least one scope")
    return tuple(s for s in SCOPES if s in scopes)


def _from_row(row: Row[Any]) -> ApiToken:
    return ApiToken(
        row.id, row.name, tuple(row.scopes), row.rate_per_second, row.burst,
        utc(row.created_at), utc(row.revoked_at),
    )


class SqlTokenStore:
    """API tokens over one SQLAlchemy engine (share the bank store's)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(
        self,
        name: str,
        scopes: Collection[str],
        rate_per_second: float | None = None,
        burst: int | None = None,
    ) -> tuple[ApiToken, str]:
        """Store a new token; returns it and its secret (the only time the secret exists)."""
        if not name.strip() or len(name) > 200:
            raise ValueError("a token name is 1 to 200 characters")
        if rate_per_second is not None and rate_per_second <= 0:
            raise ValueError("rate_per_second must be > 0")
        if burst is not None and burst < 1:
            raise ValueError("burst must be >= 1")
        canonical = check_scopes(scopes)
        secret = PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            row = conn.execute(
                insert(api_tokens).values(
                    name=name, secret_sha256=secret_digest(secret), scopes=list(canonical),
                    rate_per_second=rate_per_second, burst=burst, created_at=utc_now(),
                    revoked_at=None,
                ).returning(*api_tokens.c)
            ).one()
        return _from_row(row), secret

    def find(self, secret: str) -> ApiToken | None:
        """The live (not revoked) token with this secret."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_tokens).where(
                    api_tokens.c.secret_sha256 == secret_digest(secret),
                    api_tokens.c.revoked_at.is_(None),
                )
            ).one_or_none()
        return _from_row(row) if row is not None else None

    def list(self, include_revoked: bool = False) -> list[ApiToken]:
        """Tokens by id."""
        query = select(api_tokens).order_by(api_tokens.c.id)
        if not include_revoked:
            query = query.where(api_tokens.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            return [_from_row(r) for r in conn.execute(query)]

    def revoke(self, token_id: int) -> bool:
        """Revoke a token; False when no live token has this id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=utc_now())
            )
        return bool(result.rowcount)
