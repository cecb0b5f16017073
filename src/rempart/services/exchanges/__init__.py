"""Hash exchanges into banks (StopNCII, NCMEC, ThreatExchange, another Rempart) and the bank
feeds this instance publishes to other Rempart instances.

The services hold the rules (one bank per exchange, review by default, withdrawals honoured,
checkpoints saved with the entries they cover); the wire formats live in
``rempart.adapters.exchanges``, which hands each fetch an :class:`ExchangeSource`.

Example::

    service = exchange_service(bank_store)
    service.add("helpline", "rempart", "helpline", url="https://h.example/api/v1/feeds/shared")
    report = service.fetch("helpline", source)
"""

from __future__ import annotations

from sqlalchemy import Engine

from rempart.core.exchanges import FetchLimits
from rempart.services.errors import RempartError
from rempart.services.exchanges.errors import (
    ExchangeExists,
    ExchangeNotFound,
    ExchangeSourceError,
    FeedNotFound,
    FeedTokenInvalid,
)
from rempart.services.exchanges.feed import FEED_MAX_LIMIT, FeedPage, feed_record
from rempart.services.exchanges.feedback import FEEDBACK_BATCH
from rempart.services.exchanges.ports import ExchangeSource, ExchangeStore, FeedbackSink
from rempart.services.exchanges.service import EXCHANGE_BANK_POLICY, ExchangeService
from rempart.store.exchanges import SqlExchangeStore
from rempart.store.interface import BankStore

__all__ = ["EXCHANGE_BANK_POLICY", "FEEDBACK_BATCH", "FEED_MAX_LIMIT", "ExchangeExists",
           "ExchangeNotFound", "ExchangeService", "ExchangeSource", "ExchangeSourceError",
           "ExchangeStore", "FeedNotFound", "FeedPage", "FeedTokenInvalid", "FeedbackSink",
           "exchange_service", "feed_record"]


def exchange_service(bank: BankStore, limits: FetchLimits | None = None) -> ExchangeService:
    """The exchange service on ``bank``'s database (for one-shot commands)."""
    engine = getattr(bank, "engine", None)
    if not isinstance(engine, Engine):
        raise RempartError("this store has no database engine")
    return ExchangeService(SqlExchangeStore(engine), limits)
