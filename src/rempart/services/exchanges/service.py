"""Exchanges filling banks: add, list, remove, fetch; and the feeds this instance publishes.

A bank made for an exchange is a partner bank whose matches ask for review unless the
operator chooses another policy: its entries are third-party signals. An exchange fills a
bank of its own (one exchange per bank, never a victims' bank or an allowlist).

Example::

    service = ExchangeService(store)
    service.add("stopncii", "stopncii", "stopncii")
    report = service.fetch("stopncii", source, FetchLimits())
"""

from __future__ import annotations

from typing import Any

from rempart.core.banks import BankKind, BankPolicy
from rempart.core.exchanges import (
    FEEDBACK_ENV,
    Exchange,
    ExchangeKind,
    FeedbackReport,
    FetchLimits,
    FetchReport,
    check_base_url,
    check_exchange_name,
)
from rempart.core.policy_room import room_url, split_room_url
from rempart.services.banks import create_bank
from rempart.services.errors import InvalidArgument
from rempart.services.exchanges import feed
from rempart.services.exchanges.errors import ExchangeExists, ExchangeNotFound
from rempart.services.exchanges.feedback import send_feedback
from rempart.services.exchanges.fetch import fetch_exchange
from rempart.services.exchanges.ports import ExchangeSource, ExchangeStore, FeedbackSink

EXCHANGE_BANK_POLICY = BankPolicy.REVIEW
"""The policy of a bank created for an exchange unless the operator says otherwise."""


class ExchangeService:
    """Exchanges and published feeds over one :class:`ExchangeStore`."""

    def __init__(self, store: ExchangeStore, limits: FetchLimits | None = None) -> None:
        self.store = store
        self.limits = limits or FetchLimits()

    def add(self, name: str, kind: str, bank: str, url: str | None = None,
            policy: BankPolicy | None = None, room: str | None = None) -> Exchange:
        """Configure an exchange filling ``bank`` (created as a partner bank if absent);
        ``room``: a matrix_policy exchange's room on the homeserver ``url``."""
        try:
            check_exchange_name(name)
            exchange_kind = ExchangeKind(kind)
            url = check_base_url(url) if url else None
            if exchange_kind is ExchangeKind.MATRIX_POLICY:
                if not url or not room:
                    raise ValueError("a matrix_policy exchange needs --url (the homeserver) "
                                     "and --room (the policy room's id or alias)")
                url = check_base_url(room_url(url, room))
                split_room_url(url)
            elif room is not None:
                raise ValueError("--room is for a matrix_policy exchange")
        except ValueError as e:
            raise InvalidArgument(str(e).replace("ExchangeKind", "exchange kind")) from None
        if exchange_kind is ExchangeKind.REMPART and url is None:
            raise InvalidArgument("a rempart exchange needs --url (the feed's address)")
        if exchange_kind is ExchangeKind.FB_THREATEXCHANGE and url is None:
            raise InvalidArgument("a fb_threatexchange exchange needs --url (the privacy "
                                  "group's address, https://graph.facebook.com/v26.0/ID)")
        if self.store.get_exchange(name) is not None:
            raise ExchangeExists(f"an exchange named {name!r} exists")
        found = self.store.get_bank(bank)
        if found is None:
            found = create_bank(self.store, bank, BankKind.PARTNER,
                                policy or EXCHANGE_BANK_POLICY,
                                description=f"filled by the {kind} exchange {name}")
        elif found.kind in (BankKind.VICTIM, BankKind.ALLOWLIST):
            raise InvalidArgument(f"bank {bank!r} is a {found.kind} bank: an exchange fills "
                                  "a partner or moderator bank of its own")
        elif policy is not None and policy is not found.policy:
            raise InvalidArgument(f"bank {bank!r} exists with policy {found.policy}")
        other = self.store.exchange_for_bank(found.id)
        if other is not None:
            raise ExchangeExists(f"bank {bank!r} is already filled by exchange {other.name!r}")
        return self.store.create_exchange(name, exchange_kind.value, found.id, url)

    def get(self, name: str) -> Exchange:
        found = self.store.get_exchange(name)
        if found is None:
            raise ExchangeNotFound(name)
        return found

    def exchanges(self) -> list[Exchange]:
        return self.store.list_exchanges()

    def remove(self, name: str) -> Exchange:
        """Forget the exchange and its checkpoint; its bank and entries stay (remove the bank
        with ``rempart bank remove --force`` to stop them matching)."""
        exchange = self.get(name)
        self.store.delete_exchange(name)
        return exchange

    def fetch(self, name: str, source: ExchangeSource) -> FetchReport:
        """Fetch one exchange from its checkpoint (see :func:`fetch_exchange`)."""
        return fetch_exchange(self.store, self.get(name), source, self.limits)

    def feedback(self, name: str, sink: FeedbackSink) -> FeedbackReport:
        """Send the opinions of moderators' decisions on the exchange's signals back to it."""
        exchange = self.get(name)
        if exchange.kind not in FEEDBACK_ENV:
            raise InvalidArgument(f"the {exchange.kind} exchange takes no feedback here "
                                  f"(only {', '.join(FEEDBACK_ENV)})")
        return send_feedback(self.store, exchange, sink)

    def outbox(self, name: str) -> dict[str, int]:
        """The feedback outbox of an exchange: sent, pending, failed."""
        return self.store.feedback_outbox(self.get(name).id)

    # --- feeds this instance publishes ---------------------------------------------------

    def publish(self, bank: str, name: str) -> tuple[int, str]:
        """A token for another Rempart to follow ``bank`` (and no other bank) with."""
        try:
            check_exchange_name(name)
        except ValueError as e:
            raise InvalidArgument(str(e).replace("exchange", "follower")) from None
        return feed.publish(self.store, bank, name)

    def feed_tokens(self) -> list[dict[str, Any]]:
        return self.store.list_feed_tokens()

    def revoke(self, token_id: int) -> bool:
        return self.store.revoke_feed_token(token_id)

    def read_feed(self, secret: str, bank: str, since: int, limit: int) -> feed.FeedPage:
        return feed.read_feed(self.store, secret, bank, since, limit)
