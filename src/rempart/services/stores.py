"""The stores as services and adapters name them: Protocols, implemented in ``rempart.store``
(SQLite, PostgreSQL) and built once by ``rempart.app``. Adapters are typed on these, never on
a SQL class, and never build a store.

Example::

    def list_tokens(tokens: TokenStore) -> list[dict[str, Any]]:
        return [t.to_json() for t in tokens.list(include_revoked=True)]
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Protocol

from rempart.core.tokens import ApiToken
from rempart.core.users import SessionRecord
from rempart.store.audit import AuditLog
from rempart.store.interface import BankStore, ChangeFeed
from rempart.store.limits import RateStore
from rempart.store.scan_interface import ScanStore
from rempart.store.users import UserStore

__all__ = ["AuditLog", "BankStore", "ChangeFeed", "RateStore", "ScanStore", "SessionStore",
           "TokenStore", "UserStore"]


class TokenStore(Protocol):
    """API tokens: stored as the digest of their secret, found by the secret."""

    def create(self, name: str, scopes: Collection[str], rate_per_second: float | None = None,
               burst: int | None = None) -> tuple[ApiToken, str]: ...
    def find(self, secret: str) -> ApiToken | None: ...
    def list(self, include_revoked: bool = False) -> list[ApiToken]: ...
    def revoke(self, token_id: int) -> bool: ...


class SessionStore(Protocol):
    """Console sessions (a cookie's secret stored as its digest) and one-time password links."""

    def create(self, user_id: int, now: datetime, lifetime: timedelta,
               user_agent: str | None = None) -> tuple[SessionRecord, str]: ...
    def find(self, secret: str, now: datetime, idle: timedelta) -> SessionRecord | None: ...
    def revoke(self, session_id: int, now: datetime, reason: str,
               user_id: int | None = None) -> bool: ...
    def revoke_secret(self, secret: str, now: datetime, reason: str) -> None: ...
    def revoke_user(self, user_id: int, now: datetime, reason: str) -> int: ...
    def list_user(self, user_id: int, now: datetime, idle: timedelta) -> list[SessionRecord]: ...
    def purge(self, before: datetime) -> int: ...
    def create_link(self, user_id: int, now: datetime, lifetime: timedelta) -> str: ...
    def link_user(self, secret: str, now: datetime) -> int | None: ...
    def use_link(self, secret: str, now: datetime) -> int | None: ...
