"""NCMEC's hash sharing API through python-threatexchange's own client (``NCMECHashAPI``): its
request (``GET {environment}/v2/entries?from=…&to=…``, HTTP Basic, paging by ``next``) and its
XML parsing, with the transport bounded here (size, time, no redirects) and the paging driven
here (bounded pages; resumed with the same time window, as the API requires).

Entries become signals as python-threatexchange maps them: an image's ``pdq``, a video's
``md5`` (other fingerprints are counted as skipped); a ``deletedImage``/``deletedVideo``
withdraws every signal of its entry. Credentials: ``TX_NCMEC_CREDENTIALS=user:password``;
the exchange's ``--url`` is the environment's base URL (default: the Industry environment).

Example::

    source = NCMECSource(NCMECCredentials.parse(os.environ["TX_NCMEC_CREDENTIALS"]), None)
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from rempart.adapters.exchanges.bounded import read_requests_body, remaining
from rempart.core.exchanges import FetchedSignal, FetchLimits, SourcePage
from rempart.services.exchanges import ExchangeSourceError

WHAT = "NCMEC"
_TYPES = {("image", "pdq"): "pdq", ("video", "md5"): "md5"}
END_LAG_SECONDS = 5  # entries are not in time order: stay clear of the present (as pytx)


@dataclass(frozen=True, slots=True)
class NCMECCredentials:
    """``TX_NCMEC_CREDENTIALS`` (never stored, never shown)."""

    user: str
    password: str

    @classmethod
    def parse(cls, text: str) -> NCMECCredentials:
        user, _, password = text.strip().partition(":")
        if not user or not password:
            raise ExchangeSourceError("TX_NCMEC_CREDENTIALS must be 'user:password'")
        return cls(user, password)

    def __repr__(self) -> str:
        return f"NCMECCredentials(user={self.user!r})"


def _client(credentials: NCMECCredentials, url: str | None, limits: FetchLimits) -> Any:
    from threatexchange.exchanges.clients.ncmec import hash_api  # optional dependency

    class BoundedNCMECHashAPI(hash_api.NCMECHashAPI):
        """pytx's client with a bounded GET (its parsing and request shape unchanged)."""

        deadline = 0.0

        def _get(self, endpoint: Any, *, path: str = "", next_: str = "",
                 **params: Any) -> ET.Element:
            url = "/".join((self._base_url, self.VERSION, endpoint.value))
            if path:
                url = "/".join((url, path))
            if next_:
                url = self._base_url + next_
                params = {}
            with self._get_session() as session:
                response = session.get(url, params=params, stream=True, allow_redirects=False,
                                       timeout=remaining(self.deadline, limits.timeout_seconds))
                body = read_requests_body(response, limits.max_page_bytes, self.deadline, WHAT)
            try:
                events = ET.iterparse(BytesIO(body))
                for _, element in events:  # namespaces add nothing here (as pytx)
                    _ns, has_namespace, postfix = element.tag.partition("}")
                    if has_namespace:
                        element.tag = postfix
            except ET.ParseError as e:
                raise ExchangeSourceError(f"{WHAT} sent invalid XML: {e}") from None
            return events.root  # type: ignore[attr-defined,no-any-return]

    environment = hash_api.NCMECEnvironment.Industry
    api = BoundedNCMECHashAPI(credentials.user, credentials.password, environment)
    if url:
        api._base_url = url
    return api


class NCMECSource:
    """An :class:`~rempart.services.exchanges.ExchangeSource` reading NCMEC's entries."""

    def __init__(self, credentials: NCMECCredentials, url: str | None) -> None:
        self.credentials = credentials
        self.url = url

    def pages(self, checkpoint: Mapping[str, Any] | None, limits: FetchLimits,
              deadline: float) -> Iterator[SourcePage]:
        import requests

        client = _client(self.credentials, self.url, limits)
        client.deadline = deadline
        checkpoint = checkpoint or {}
        start = int(checkpoint.get("start") or 0)
        end = int(checkpoint.get("end") or time.time() - END_LAG_SECONDS)
        next_ = str(checkpoint.get("next") or "")
        while True:
            try:
                result = client.get_entries(start_timestamp=start, end_timestamp=end,
                                            next_=next_)
            except ExchangeSourceError:
                raise
            except requests.RequestException as e:
                raise ExchangeSourceError(f"{WHAT} unreachable: {type(e).__name__}") from None
            except Exception:  # pytx wraps every parse failure in a bare Exception
                raise ExchangeSourceError(f"{WHAT} sent entries that cannot be read") from None
            signals, withdrawn, skipped = _signals(result.updates)
            more = bool(result.next)
            if more:
                if result.next == next_:
                    raise ExchangeSourceError(f"{WHAT} paging did not advance")
                cp = {"start": start, "end": end, "next": result.next}
            else:
                cp = {"start": end, "end": 0, "next": ""}
            yield SourcePage(signals, cp, more, skipped=skipped, withdrawn_ids=withdrawn)
            if not more:
                return
            next_ = result.next


def _signals(updates: list[Any]) -> tuple[list[FetchedSignal], list[str], int]:
    signals: list[FetchedSignal] = []
    withdrawn: list[str] = []
    skipped = 0
    for entry in updates:
        source_id = f"{entry.member_id}-{entry.id}"
        if entry.deleted:
            withdrawn.append(source_id)
            continue
        for fingerprint, value in entry.fingerprints.items():
            kind = _TYPES.get((entry.entry_type.value, fingerprint.lower()))
            if kind is None:
                skipped += 1
                continue
            labels = (entry.classification,) if entry.classification else ()
            signals.append(FetchedSignal(source_id, kind, value, labels=labels,
                                         group=source_id))
    return signals, withdrawn, skipped
