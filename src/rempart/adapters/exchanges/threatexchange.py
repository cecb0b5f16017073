"""Meta's ThreatExchange (``fb_threatexchange``): a privacy group's ``threat_updates``, read by
a thin client speaking the wire format of python-threatexchange's ``ThreatExchangeAPI``
(``GET {graph}/{privacy_group}/threat_updates/?start_time&stop_time&limit&fields``, records
``id, indicator, type, last_updated, should_delete, tags``).

Two departures, both for safety: the token goes in the ``Authorization: OAuth`` header, not
in the URL (URLs end up in logs), and paging follows the ``after`` cursor against our own URL
rather than the server's ``next`` URL. The exchange's ``--url`` is the privacy group's
address, ``https://graph.facebook.com/v26.0/PRIVACY_GROUP_ID``; credentials:
``TX_ACCESS_TOKEN=app_id|secret``.

Records become signals as python-threatexchange maps them: ``HASH_PDQ`` a ``pdq``,
``HASH_MD5`` and ``HASH_VIDEO_MD5`` an ``md5``; ``should_delete`` withdraws the descriptor.

Example::

    source = ThreatExchangeSource("https://graph.facebook.com/v26.0/1234", token)
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rempart.adapters.exchanges.bounded import TokenSource, get_json
from rempart.core.exchanges import FetchedSignal, FetchLimits, SourcePage
from rempart.services.exchanges import ExchangeSourceError

WHAT = "ThreatExchange"
_TYPES = {"HASH_PDQ": "pdq", "HASH_MD5": "md5", "HASH_VIDEO_MD5": "md5"}
FIELDS = "id,indicator,type,last_updated,should_delete,tags,status"


class ThreatExchangeSource(TokenSource):
    """An :class:`~rempart.services.exchanges.ExchangeSource` reading ``threat_updates``."""

    def pages(self, checkpoint: Mapping[str, Any] | None, limits: FetchLimits,
              deadline: float) -> Iterator[SourcePage]:
        checkpoint = checkpoint or {}
        start = int(checkpoint.get("start") or 0)
        stop = int(checkpoint.get("stop") or time.time())
        after = str(checkpoint.get("after") or "")
        headers = {"Authorization": f"OAuth {self._token}"}
        with self._client(headers) as client:
            while True:
                params: dict[str, Any] = {"start_time": start, "stop_time": stop,
                                          "limit": limits.page_size, "fields": FIELDS}
                if after:
                    params["after"] = after
                data = get_json(client, f"{self.url}/threat_updates/", params, limits,
                                deadline, WHAT)
                records = data.get("data")
                if not isinstance(records, list):
                    raise ExchangeSourceError(f"{WHAT} sent a page without data")
                signals, withdrawn, errors, skipped = _signals(records)
                cursor = _after(data)
                more = bool(cursor)
                if more and cursor == after:
                    raise ExchangeSourceError(f"{WHAT} paging did not advance")
                cp = ({"start": start, "stop": stop, "after": cursor} if more
                      else {"start": stop, "stop": 0, "after": ""})
                yield SourcePage(signals, cp, more, errors, skipped, withdrawn)
                if not more:
                    return
                after = cursor


def _after(data: dict[str, Any]) -> str:
    paging = data.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return ""
    cursors = paging.get("cursors")
    if isinstance(cursors, dict) and isinstance(cursors.get("after"), str):
        return str(cursors["after"])
    found = parse_qs(urlsplit(str(paging["next"])).query).get("after")
    return found[0] if found else ""


def _signals(records: list[Any]) -> tuple[list[FetchedSignal], list[str], list[str], int]:
    signals: list[FetchedSignal] = []
    withdrawn: list[str] = []
    errors: list[str] = []
    skipped = 0
    for i, record in enumerate(records):
        if not isinstance(record, dict) or not isinstance(record.get("id"), str | int):
            errors.append(f"record {i} of the page has no id: skipped")
            continue
        source_id = str(record["id"])
        if record.get("should_delete") is True:
            withdrawn.append(source_id)
            continue
        kind = _TYPES.get(str(record.get("type")))
        if kind is None:
            skipped += 1
            continue
        tags = record.get("tags")
        labels = tuple(str(t) for t in tags if isinstance(t, str)) if isinstance(
            tags, list) else ()
        signals.append(FetchedSignal(source_id, kind, str(record.get("indicator") or ""),
                                     labels=labels))
    return signals, withdrawn, errors, skipped
