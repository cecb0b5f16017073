"""Hash exchanges as pure values: kinds, their credentials' names, fetched signals, limits.

An exchange (StopNCII, NCMEC, ThreatExchange, another Rempart) fills a bank of its own. Each
fetch reads pages from a saved checkpoint; a page's signals and the checkpoint after it are
stored in one transaction, so a crash loses at most the page being read.

Example::

    >>> ExchangeKind("stopncii").credential_env
    'TX_STOPNCII_KEYS'
    >>> check_exchange_name("helpline-fr")
    'helpline-fr'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit


class ExchangeKind(StrEnum):
    """Where an exchange's hashes come from (the names python-threatexchange uses)."""

    STOPNCII = "stopncii"
    NCMEC = "ncmec"
    FB_THREATEXCHANGE = "fb_threatexchange"
    REMPART = "rempart"  # another Rempart's bank, through its change feed
    MATRIX_POLICY = "matrix_policy"  # a Matrix policy room's org.rempart.policy.hash.v1 state

    @property
    def credential_env(self) -> str:
        """The environment variable holding this kind's credentials (never the database)."""
        return _CREDENTIAL_ENV[self]


_CREDENTIAL_ENV = {
    ExchangeKind.STOPNCII: "TX_STOPNCII_KEYS",
    ExchangeKind.NCMEC: "TX_NCMEC_CREDENTIALS",
    ExchangeKind.FB_THREATEXCHANGE: "TX_ACCESS_TOKEN",
    ExchangeKind.REMPART: "REMPART_EXCHANGE_TOKEN",
    ExchangeKind.MATRIX_POLICY: "REMPART_MATRIX_TOKEN",
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


def check_exchange_name(name: str) -> str:
    """``name`` if it is a valid exchange name (lowercase, digits, ``-_.``), else ValueError."""
    if not _NAME.match(name):
        raise ValueError(f"invalid exchange name {name!r}: lowercase letters, digits, - _ . "
                         "(at most 63)")
    return name


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash if it is an http(s) URL without credentials.

    Credentials belong in the environment: a URL is stored in the database and shown.

    >>> check_base_url("https://api.example.org/v1/")
    'https://api.example.org/v1'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"invalid exchange URL {url!r}: expected http(s)://host/…")
    if parts.username or parts.password:
        raise ValueError("an exchange URL never carries credentials: put them in the "
                         "environment")
    if parts.query or parts.fragment:
        raise ValueError("an exchange URL has no query or fragment")
    return url.rstrip("/")


@dataclass(frozen=True, slots=True)
class Exchange:
    """A configured exchange. ``checkpoint`` is the kind's own JSON (a time, a cursor...)."""

    id: int
    name: str
    kind: ExchangeKind
    bank_id: int
    bank: str
    url: str | None
    checkpoint: Mapping[str, Any] | None
    created_at: datetime
    fetched_at: datetime | None = None
    last_error: str | None = None
    added: int = 0
    withdrawn: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind.value, "bank": self.bank, "url": self.url,
            "checkpoint": dict(self.checkpoint) if self.checkpoint else None,
            "created_at": self.created_at.isoformat(),
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "last_error": self.last_error, "added": self.added, "withdrawn": self.withdrawn,
        }


@dataclass(frozen=True, slots=True)
class FetchedSignal:
    """One signal as an exchange states it: live, or withdrawn (``live=False``) at the source.

    ``source_id`` identifies it at the source (an entry id, a hash record's key)."""

    source_id: str
    signal_type: str
    value: str
    live: bool = True
    labels: tuple[str, ...] = ()
    unconfirmed: bool = False  # the source has not confirmed it (a victim's registration)
    group: str | None = None  # the source's item: its signals share one content group here


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One page read from an exchange: its signals, the records it could not read (one line
    each) and the checkpoint to resume after it; ``more`` while the source has more."""

    signals: list[FetchedSignal]
    checkpoint: Mapping[str, Any]
    more: bool
    errors: list[str] = field(default_factory=list)
    skipped: int = 0  # records of signal types a bank does not hold (text, URLs, TMK...)
    withdrawn_ids: list[str] = field(default_factory=list)  # source ids deleted at the source


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds on what one fetch may cost, whatever the server sends."""

    max_pages: int = 200
    max_page_bytes: int = 16 * 1024 * 1024
    max_seconds: float = 600.0
    page_size: int = 800
    timeout_seconds: float = 30.0
    max_errors_kept: int = 20


@dataclass
class FetchReport:
    """What one fetch of one exchange did."""

    exchange: str
    pages: int = 0
    added: int = 0
    withdrawn: int = 0
    skipped: int = 0  # signal types this bank does not hold (text, URLs, TMK...)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    more: bool = False  # stopped at a limit: the next fetch goes on from the checkpoint
    failed: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"exchange": self.exchange, "pages": self.pages, "added": self.added,
                "withdrawn": self.withdrawn, "skipped": self.skipped,
                "errors": self.error_count, "first_errors": list(self.errors),
                "more": self.more, "failed": self.failed}


FEEDBACK_ENV = {ExchangeKind.STOPNCII: "TX_STOPNCII_FEEDBACK_KEY"}
"""Kinds that take feedback, and the variable of the key their feedback endpoint needs."""
BLOCKED, NOT_BLOCKED = "Blocked", "NotBlocked"  # StopNCII's CSP feedback values


def review_opinion(status: str) -> str | None:
    """The feedback a decided review item gives its exchange: a confirmed match was blocked,
    a dismissed one was not; None while undecided.

    >>> review_opinion("confirmed"), review_opinion("dismissed"), review_opinion("open")
    ('Blocked', 'NotBlocked', None)
    """
    return {"confirmed": BLOCKED, "dismissed": NOT_BLOCKED}.get(status)


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One opinion in the outbox: the exchange's signal and what we made of it."""

    id: int
    signal_type: str
    value: str
    opinion: str
    tags: tuple[str, ...] = ()


@dataclass
class FeedbackReport:
    """What one feedback run did: opinions queued from new decisions, sent, failed."""

    exchange: str
    queued: int = 0
    sent: int = 0
    failed: int = 0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"exchange": self.exchange, "queued": self.queued, "sent": self.sent,
                "failed": self.failed, "error": self.error}
