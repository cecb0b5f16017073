"""Another Rempart's bank, followed through its change feed over HTTP(S) with a bearer token.

The exchange's URL is the feed's address, ``https://host/api/v1/feeds/BANK`` (the publisher
runs ``rempart exchange publish BANK --follower NAME`` and hands over the token, which the
follower puts in ``REMPART_EXCHANGE_TOKEN``). Each page is ``GET {url}/changes?since=SEQ``;
an ``active`` change adds the signal, any other state withdraws it. Derived signals (a
rotation, a region crop, an ORB descriptor) are skipped: a follower banks primary signals.

Example::

    source = RempartFeedSource("https://helpline.example/api/v1/feeds/shared", token)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rempart.adapters.exchanges.bounded import TokenSource, get_json
from rempart.core.exchanges import FetchedSignal, FetchLimits, SourcePage
from rempart.services.exchanges import FEED_MAX_LIMIT, ExchangeSourceError

WHAT = "the Rempart feed"


class RempartFeedSource(TokenSource):
    """An :class:`~rempart.services.exchanges.ExchangeSource` reading a Rempart feed."""

    def pages(self, checkpoint: Mapping[str, Any] | None, limits: FetchLimits,
              deadline: float) -> Iterator[SourcePage]:
        since = int((checkpoint or {}).get("seq") or 0)
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        with self._client(headers) as client:
            while True:
                params = {"since": since, "limit": min(limits.page_size, FEED_MAX_LIMIT)}
                data = get_json(client, f"{self.url}/changes", params, limits, deadline, WHAT)
                page, since_next, more = _page(data, since)
                if more and since_next <= since:
                    raise ExchangeSourceError(f"{WHAT}'s paging did not advance")
                yield SourcePage(page[0], {"seq": since_next}, more, page[1], page[2])
                if not more:
                    return
                since = since_next


def _page(data: dict[str, Any], since: int
          ) -> tuple[tuple[list[FetchedSignal], list[str], int], int, bool]:
    changes, next_seq, more = data.get("changes"), data.get("next"), data.get("more")
    if not isinstance(changes, list) or not isinstance(next_seq, int) or not isinstance(
            more, bool):
        raise ExchangeSourceError(f"{WHAT} sent a page without changes, next and more")
    signals: list[FetchedSignal] = []
    errors: list[str] = []
    skipped = 0
    for i, change in enumerate(changes):
        try:
            signal = _signal(change)
        except (TypeError, ValueError) as e:
            errors.append(f"change {i} after seq {since}: {e}")
            continue
        if signal is None:
            skipped += 1
        else:
            signals.append(signal)
    return (signals, errors, skipped), max(next_seq, since), more


def _signal(change: Any) -> FetchedSignal | None:
    if not isinstance(change, dict):
        raise TypeError("not an object")
    entry_id, kind, value = change.get("id"), change.get("signal_type"), change.get(
        "signal_value")
    if not isinstance(entry_id, int) or not isinstance(kind, str) or not isinstance(value, str):
        raise ValueError("id, signal_type and signal_value are required")
    if change.get("derived"):
        return None
    group = change.get("item")
    return FetchedSignal(str(entry_id), kind, value, change.get("status") == "active",
                         unconfirmed=change.get("unconfirmed") is True,
                         group=group if isinstance(group, str) else None)
