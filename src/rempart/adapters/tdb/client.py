"""The Transparency Database's statement API, as its public documentation defines it:
``POST {base}/api/v1/statement`` (one statement) and ``POST {base}/api/v1/statements``
(``{"statements": [...]}``, at most 100), ``Authorization: Bearer <token>``, ``201 Created``
with the statements created (each with its ``uuid``); ``422`` with ``errors`` (by field for
one statement, by ``statement_<index>`` for a batch: then none was created), the duplicate
``puid`` answer among them ("not unique within this platform"); ``401`` for a bad token.

Every answer is read bounded (size, time) and redirects are refused: a redirect could carry
the token to another host. The token is never logged nor shown (``repr`` hides it).

Example::

    answer = TdbClient("https://transparency.dsa.ec.europa.eu", token).send([statement])
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from rempart.adapters.exchanges.bounded import json_object, read_chunks
from rempart.services.errors import RempartError
from rempart.services.transparency import BATCH, BatchAnswer, TdbUnavailable

log = logging.getLogger(__name__)
TOKEN_ENV = "REMPART_TDB_TOKEN"
PRODUCTION_URL = "https://transparency.dsa.ec.europa.eu"
WHAT = "the Transparency Database"
MAX_ANSWER_BYTES = 16 * 1024 * 1024
_DUPLICATE = "not unique"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})  # test servers only


class TdbClient:
    """A :class:`~rempart.services.transparency.StatementSink` posting to the database."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        parts = httpx.URL(url)
        if parts.userinfo:
            raise TdbUnavailable("the Transparency Database URL must not carry credentials")
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.host in _LOOPBACK):
            raise TdbUnavailable("the Transparency Database URL must be https (the token "
                                 "travels with every request)")
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._transport = transport

    def __repr__(self) -> str:  # never print the token
        return f"TdbClient({self.url!r})"

    def send(self, statements: Sequence[Mapping[str, Any]]) -> BatchAnswer:
        """Create ``statements`` (one call); what was accepted, refused or already there."""
        if not 1 <= len(statements) <= BATCH:
            raise RempartError(f"a batch holds 1 to {BATCH} statements")
        errors: Any
        if len(statements) == 1:
            status, data = self._post("/api/v1/statement", dict(statements[0]))
            created: list[Any] = [data] if status == 201 else []
            errors = {"statement_0": data.get("errors")} if status == 422 else {}
        else:
            status, data = self._post("/api/v1/statements", {"statements": list(statements)})
            listed = data.get("statements")
            created = listed if status == 201 and isinstance(listed, list) else []
            errors = data.get("errors") if status == 422 else {}
        if status == 201:
            return _accepted(statements, created)
        if status == 422 and isinstance(errors, dict):
            return _refused(statements, errors, data)
        raise TdbUnavailable(f"{WHAT} answered HTTP {status}: {_message(data)}")

    def _post(self, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        deadline = time.monotonic() + self.timeout
        try:
            with httpx.Client(transport=self._transport, follow_redirects=False,
                              headers=headers, timeout=self.timeout) as client, \
                    client.stream("POST", self.url + path, json=body) as r:
                status = r.status_code
                log.debug("%s: POST %s: HTTP %d", WHAT, path, status)
                if 300 <= status < 400:
                    raise TdbUnavailable(f"{WHAT} answered a redirect ({status}): refused")
                if status == 401:
                    raise TdbUnavailable(f"{WHAT} refused the token (HTTP 401): check "
                                         f"{TOKEN_ENV}")
                raw = read_chunks(r.iter_bytes(), r.headers.get("content-length"),
                                  MAX_ANSWER_BYTES, deadline, WHAT)
        except httpx.HTTPError as e:
            raise TdbUnavailable(f"{WHAT} unreachable: {type(e).__name__}") from None
        except RempartError as e:
            raise TdbUnavailable(str(e)) from None
        if status >= 500:
            return status, {}
        try:
            return status, json_object(raw, WHAT) if raw.strip() else {}
        except RempartError as e:
            raise TdbUnavailable(f"HTTP {status}: {e}") from None


def _accepted(sent: Sequence[Mapping[str, Any]], created: list[Any]) -> BatchAnswer:
    uuids = {c.get("puid"): c.get("uuid") for c in created if isinstance(c, dict)}
    puids = [str(s["puid"]) for s in sent]
    if len(created) != len(sent) or not set(puids) <= set(uuids):
        raise TdbUnavailable(f"{WHAT} answered 201 without every statement sent")
    return BatchAnswer(accepted={p: _uuid(uuids[p]) for p in puids})


def _uuid(value: Any) -> str | None:
    return value[:64] if isinstance(value, str) else None


def _refused(sent: Sequence[Mapping[str, Any]], errors: Mapping[str, Any],
             data: Mapping[str, Any]) -> BatchAnswer:
    refused: dict[str, str] = {}
    duplicates: set[str] = set()
    for key, fields in errors.items():
        index = key.removeprefix("statement_")
        if not index.isdigit() or int(index) >= len(sent) or not isinstance(fields, dict):
            raise TdbUnavailable(f"{WHAT} answered 422: {_message(data)}")
        puid = str(sent[int(index)]["puid"])
        messages = {name: _first(value) for name, value in fields.items()}
        if set(messages) == {"puid"} and _DUPLICATE in messages["puid"].lower():
            duplicates.add(puid)
        else:
            refused[puid] = "; ".join(f"{name}: {text}" for name, text in
                                      sorted(messages.items()))[:1000]
    if not refused and not duplicates:
        raise TdbUnavailable(f"{WHAT} answered 422: {_message(data)}")
    return BatchAnswer(refused=refused, duplicates=frozenset(duplicates))


def _first(value: Any) -> str:
    if isinstance(value, list) and value:
        value = value[0]
    return " ".join(str(value).split())[:300]


def _message(data: Mapping[str, Any]) -> str:
    message = data.get("message")
    return _first(message) if message else "no message"
