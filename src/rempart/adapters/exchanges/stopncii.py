"""StopNCII.org through python-threatexchange's own client (``StopNCIIAPI``): its request
(FetchHashes, headers ``Ocp-Apim-Subscription-Key`` and ``x-functions-key``, paging by
``nextPageToken`` from ``startTimestamp``) and its parsing of the answer, with the transport
bounded here (size, time, no redirects) and the paging driven here (bounded pages).

Records become signals: ``ImagePDQ`` a ``pdq``, ``VideoMD5`` an ``md5``; other types are
counted as skipped. A record whose aggregate status (``hashStatus``), or every one of whose
cases, is ``Withdrawn`` or ``Deleted`` is a withdrawal: partners must stop using it.

Credentials: ``TX_STOPNCII_KEYS=fetch_function_key,subscription_key[,base_url]`` (the format
of python-threatexchange); ``--url`` of the exchange wins over the third part. Feedback
(:class:`StopNCIIFeedbackSink`) also needs the SubmitFeedback function key,
``TX_STOPNCII_FEEDBACK_KEY``.

Example::

    source = StopNCIISource(StopNCIIKeys.parse(os.environ["TX_STOPNCII_KEYS"]), url=None)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rempart.adapters.exchanges.bounded import json_object, read_requests_body, remaining
from rempart.core.exchanges import FeedbackItem, FetchedSignal, FetchLimits, SourcePage
from rempart.services.exchanges import ExchangeSourceError

log = logging.getLogger(__name__)
WHAT = "StopNCII"
_TYPES = {"ImagePDQ": "pdq", "VideoMD5": "md5"}
_GONE = {"Withdrawn", "Deleted"}


@dataclass(frozen=True, slots=True)
class StopNCIIKeys:
    """The keys of ``TX_STOPNCII_KEYS`` (never stored, never shown)."""

    fetch_function_key: str
    subscription_key: str
    base_url: str | None = None

    @classmethod
    def parse(cls, text: str) -> StopNCIIKeys:
        """Parse ``fetch_function_key,subscription_key[,base_url]``; the error never quotes
        the value."""
        parts = [p.strip() for p in text.strip().split(",")]
        if len(parts) not in (2, 3) or not all(parts[:2]):
            raise ExchangeSourceError("TX_STOPNCII_KEYS must be "
                                      "'fetch_function_key,subscription_key[,base_url]'")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 and parts[2] else None)

    def __repr__(self) -> str:  # never print the keys
        return f"StopNCIIKeys(base_url={self.base_url!r})"


def _client(keys: StopNCIIKeys, url: str | None, limits: FetchLimits,
            feedback_key: str | None = None) -> Any:
    from threatexchange.exchanges.clients.stopncii import api  # optional dependency

    class BoundedStopNCIIAPI(api.StopNCIIAPI):
        """pytx's client with a bounded GET (its parsing and request shape unchanged)."""

        deadline = 0.0
        raw_records = 0

        def _get(self, endpoint: Any, **params: Any) -> Any:
            url = "/".join((self._base_url, endpoint.value))
            with self._get_session(endpoint) as session:
                timeout = remaining(self.deadline, limits.timeout_seconds)
                response = session.get(url, params=params, stream=True, allow_redirects=False,
                                       timeout=timeout)
                body = read_requests_body(response, limits.max_page_bytes, self.deadline, WHAT)
            data = json_object(body, WHAT)
            records = data.get("hashRecords")
            self.raw_records = len(records) if isinstance(records, list) else 0
            return data

        def _post(self, endpoint: Any, *, json: Any = None) -> Any:
            url = "/".join((self._base_url, endpoint.value))
            with self._get_session(endpoint) as session:
                response = session.post(url, json=json, stream=True, allow_redirects=False,
                                        timeout=remaining(self.deadline,
                                                          limits.timeout_seconds))
                read_requests_body(response, limits.max_page_bytes, self.deadline, WHAT)
            return None

    extra = {api.StopNCIIEndpoint.SubmitFeedback: feedback_key} if feedback_key else None
    return BoundedStopNCIIAPI(keys.subscription_key, keys.fetch_function_key,
                              additional_function_keys=extra,
                              base_url_override=url or keys.base_url)


class StopNCIISource:
    """An :class:`~rempart.services.exchanges.ExchangeSource` reading StopNCII's FetchHashes."""

    def __init__(self, keys: StopNCIIKeys, url: str | None) -> None:
        self.keys = keys
        self.url = url

    def pages(self, checkpoint: Mapping[str, Any] | None, limits: FetchLimits,
              deadline: float) -> Iterator[SourcePage]:
        import dacite
        import requests

        client = _client(self.keys, self.url, limits)
        client.deadline = deadline
        checkpoint = checkpoint or {}
        start = int(checkpoint.get("update_time") or client.DEFAULT_START_TIME)
        cursor = str(checkpoint.get("next_page") or "")
        while True:
            try:
                result = client.fetch_hashes(page_size=limits.page_size,
                                             start_timestamp=start, next_page=cursor)
            except requests.RequestException as e:
                raise ExchangeSourceError(f"{WHAT} unreachable: {type(e).__name__}") from None
            except (dacite.DaciteError, ValueError, TypeError, AttributeError) as e:
                raise ExchangeSourceError(f"{WHAT} sent an unreadable page: {e}") from None
            signals, skipped = _signals(result.hashRecords)
            errors = []
            unreadable = client.raw_records - len(result.hashRecords)
            if unreadable > 0:
                errors.append(f"{unreadable} record(s) of this page unreadable (malformed "
                              "type, status or field): skipped")
            if result.hasMoreRecords:
                token = result.nextPageToken or ""
                if not token or token == cursor:
                    raise ExchangeSourceError(f"{WHAT} paging did not advance")
                next_start, cursor = start, token
            else:
                next_start, cursor = int(result.nextSetTimestamp), ""
            yield SourcePage(signals, {"update_time": next_start, "next_page": cursor},
                             bool(result.hasMoreRecords), errors, skipped)
            if not result.hasMoreRecords:
                return
            start = next_start


def _signals(records: list[Any]) -> tuple[list[FetchedSignal], int]:
    signals: list[FetchedSignal] = []
    skipped = 0
    for record in records:
        signal_type = _TYPES.get(record.signalType.value)
        if signal_type is None:
            skipped += 1
            continue
        cases = {status.value for status in record.caseNumbers.values()}
        live = record.hashStatus.value not in _GONE and not (cases and cases <= _GONE)
        signals.append(FetchedSignal(f"{record.signalType.value}:{record.hashValue}"[:200],
                                     signal_type, record.hashValue, live))
    return signals, skipped


class StopNCIIFeedbackSink:
    """A :class:`~rempart.services.exchanges.FeedbackSink` posting to StopNCII's
    SubmitFeedback through python-threatexchange's ``submit_feedbacks`` (its payload:
    ``hashFeedbacks`` of ``hashValue``, ``feedbackValue``, ``tags``)."""

    def __init__(self, keys: StopNCIIKeys, feedback_key: str, url: str | None,
                 limits: FetchLimits | None = None) -> None:
        self.keys = keys
        self._feedback_key = feedback_key
        self.url = url
        self.limits = limits or FetchLimits()

    def __repr__(self) -> str:
        return f"StopNCIIFeedbackSink({self.url!r})"

    def send(self, items: Sequence[FeedbackItem]) -> None:
        import requests
        from threatexchange.exchanges.clients.stopncii import api

        client = _client(self.keys, self.url, self.limits, self._feedback_key)
        client.deadline = time.monotonic() + self.limits.timeout_seconds * 2
        types = {"pdq": api.StopNCIISignalType.ImagePDQ, "md5": api.StopNCIISignalType.VideoMD5}
        feedbacks = {
            (types[item.signal_type], item.value): api.StopNCIICSPFeedback(
                api.StopNCIICSPFeedbackValue(item.opinion), set(item.tags))
            for item in items}
        try:
            client.submit_feedbacks(feedbacks)
        except requests.RequestException as e:
            raise ExchangeSourceError(f"{WHAT} unreachable: {type(e).__name__}") from None
