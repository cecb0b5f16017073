"""Bounded reads of an exchange server's answers: a server we do not control may send an
endless body, drip it byte by byte, or redirect elsewhere; none of that may cost more than
``FetchLimits`` allows.

Example::

    body = read_requests_body(session.get(url, stream=True, allow_redirects=False),
                              limits.max_page_bytes, deadline, "NCMEC")
    data = get_json(client, f"{url}/changes", {"since": 0}, limits, deadline, "the feed")
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpx

from rempart.core.exchanges import FetchLimits
from rempart.services.exchanges import ExchangeSourceError

CHUNK_BYTES = 64 * 1024


def check_status(status: int, what: str) -> None:
    """ExchangeSourceError unless ``status`` is a success (redirects are refused: a redirect
    could carry our credentials to another host)."""
    if 300 <= status < 400:
        raise ExchangeSourceError(f"{what} answered a redirect ({status}): refused")
    if status >= 400:
        raise ExchangeSourceError(f"{what} answered HTTP {status}")


def read_chunks(chunks: Iterable[bytes], declared: str | None, max_bytes: int,
                deadline: float, what: str) -> bytes:
    """The body from ``chunks``, refused past ``max_bytes`` (decoded size) or ``deadline``."""
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise ExchangeSourceError(f"{what} sent {declared} bytes (more than {max_bytes})")
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > max_bytes:
            raise ExchangeSourceError(f"{what} sent more than {max_bytes} bytes: refused")
        if time.monotonic() > deadline:
            raise ExchangeSourceError(f"{what} is too slow: the fetch's time is up")
    return bytes(body)


def json_object(body: bytes, what: str) -> dict[str, Any]:
    """``body`` parsed as a JSON object, else ExchangeSourceError."""
    try:
        value = json.loads(body)
    except ValueError as e:
        raise ExchangeSourceError(f"{what} sent invalid JSON: {e}") from None
    if not isinstance(value, dict):
        raise ExchangeSourceError(f"{what} sent JSON that is not an object")
    return value


def raw_chunks(raw: Any) -> Iterator[bytes]:
    """The decoded body of a ``requests`` streaming response (its ``raw``, urllib3's), as it
    arrives: ``iter_content`` waits for whole chunks, which a server sending a byte at a time
    would stretch past any deadline."""
    while True:
        chunk = raw.read1(CHUNK_BYTES, decode_content=True)
        if not chunk:
            return
        yield chunk


def read_requests_body(response: Any, max_bytes: int, deadline: float, what: str) -> bytes:
    """The body of a streaming ``requests`` response, its status checked, read bounded; the
    response is closed."""
    with response:
        check_status(response.status_code, what)
        return read_chunks(raw_chunks(response.raw), response.headers.get("Content-Length"),
                           max_bytes, deadline, what)


def get_json(client: httpx.Client, url: str, params: Mapping[str, Any], limits: FetchLimits,
             deadline: float, what: str) -> dict[str, Any]:
    """``GET url`` answered by a JSON object, its status checked and its body read bounded;
    ExchangeSourceError when the server is unreachable or the answer refused."""
    try:
        with client.stream("GET", url, params=params,
                           timeout=remaining(deadline, limits.timeout_seconds)) as r:
            check_status(r.status_code, what)
            body = read_chunks(r.iter_bytes(), r.headers.get("content-length"),
                               limits.max_page_bytes, deadline, what)
    except httpx.HTTPError as e:
        raise ExchangeSourceError(f"{what} unreachable: {type(e).__name__}") from None
    return json_object(body, what)


class TokenSource:
    """An exchange read over HTTP(S) with a secret token: the token is never printed, and
    the client never follows a redirect (it could carry the token to another host)."""

    def __init__(self, url: str, token: str, transport: httpx.BaseTransport | None = None
                 ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._transport = transport  # tests: httpx.MockTransport

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def _client(self, headers: Mapping[str, str]) -> httpx.Client:
        """A client sending ``headers`` (the token's) with every request."""
        return httpx.Client(transport=self._transport, follow_redirects=False,
                            headers=dict(headers))


def remaining(deadline: float, timeout: float) -> float:
    """The timeout of the next request: ``timeout``, or less when the fetch's time runs out."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise ExchangeSourceError("the fetch's time is up")
    return min(timeout, left)
