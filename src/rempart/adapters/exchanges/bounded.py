"""Bounded reads of an exchange server's answers: a server we do not control may send an
endless body, drip it byte by byte, or redirect elsewhere; none of that may cost more than
``FetchLimits`` allows.

Example::

    body = read_requests_body(response, limits.max_page_bytes, deadline)
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

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


def remaining(deadline: float, timeout: float) -> float:
    """The timeout of the next request: ``timeout``, or less when the fetch's time runs out."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise ExchangeSourceError("the fetch's time is up")
    return min(timeout, left)
