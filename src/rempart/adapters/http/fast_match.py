"""The hot path of the API: ``POST /api/v1/match`` answered below the framework.

Most calls a platform makes at upload time are ``POST /api/v1/match`` with a PDQ hash or
with the upload itself. This ASGI layer answers them with the same checks and the same
functions as the FastAPI route (token, scope and rate limit checked by
:class:`~rempart.adapters.http.token_first.TokenFirst` before the body is read; the matching's
trust by ``health.untrusted``; JSON parsed by
:class:`SignalsIn` and checked by ``to_query``; multipart parsed in memory by
``parse_multipart``; ``match_signals``, ``match_upload`` and ``answer``), without
FastAPI's routing, dependency resolution and response machinery, which cost more than the
index lookup itself. Everything else — a bank filter, any error — is handed to the FastAPI
route untouched (the body is replayed), so errors have one definition.

It runs behind ``TokenFirst``, before the framework's own middleware stack (see ``RempartAPI``
in ``api.py``). Nothing is read of a body whose route would refuse it anyway: without a
checked token, while matching cannot be trusted, or past a declared ``Content-Length`` over the
limit, the request goes straight to the route.

Example::

    fast = FastMatch(fastapi_app, fastapi_app.state)
    await fast(scope, receive, send)      # answers, or calls fastapi_app
"""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Any

from pydantic import ValidationError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rempart.adapters.http.deps import API_PREFIX, TOKEN_KEY, Backend
from rempart.adapters.http.errors import MalformedRequest
from rempart.adapters.http.health import untrusted
from rempart.adapters.http.matching import (
    EntryIds,
    answer,
    match_signals,
    match_upload,
    to_query,
    view_of,
)
from rempart.adapters.http.metrics import Metrics
from rempart.adapters.http.schemas import SignalsIn
from rempart.adapters.http.uploads import is_raw_media, media_of, parse_multipart
from rempart.core.tokens import ApiToken
from rempart.services.errors import InvalidSignal

PATH = f"{API_PREFIX}/match"
_JSON = ("application/json",)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class FastMatch:
    """Pure ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != PATH
            or scope.get("query_string")
        ):
            await self.app(scope, receive, send)
            return
        raw_type, params = parse_options_header(_header(scope, b"content-type") or b"")
        ctype = raw_type.decode("latin-1").lower()
        boundary = params.get(b"boundary") if ctype == "multipart/form-data" else None
        if ctype not in _JSON and boundary is None and not is_raw_media(ctype):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        backend: Backend = self.state.backend
        token: ApiToken | None = scope.get(TOKEN_KEY)
        limits = backend.settings.http
        limit = limits.max_json_bytes if ctype in _JSON else limits.max_upload_bytes
        if token is None or untrusted(backend) is not None or _declared(scope) > limit:
            await self.app(scope, receive, send)  # the route refuses it, unread
            return
        ids = view_of(token, self.state.entry_ids)
        body, complete = await _read(receive, limit)
        if not complete:
            answer = None
        elif ctype in _JSON:
            answer = await self._answer(body, ids, token)
        else:
            answer = await self._upload(body, boundary, ids, token)
        if answer is None:
            await self.app(scope, _replay(body, complete, receive), send)
            return
        await send({
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(answer)).encode()),
            ],
        })
        await send({"type": "http.response.body", "body": answer})
        metrics: Metrics = self.state.metrics
        metrics.observe(PATH, "POST", 200, time.perf_counter() - start)

    async def _answer(self, body: bytes, ids: EntryIds | None,
                      token: ApiToken) -> bytes | None:
        """The answer's bytes, or None when the route must decide."""
        try:
            signals = SignalsIn.model_validate_json(body)
            if signals.banks:
                return None
            query, ignored = to_query(signals)
        except (ValidationError, InvalidSignal):
            return None  # the route gives the error
        try:
            report = await match_signals(self.state.backend, query, None, token)
        except Exception:  # the store down while describing a match: the route answers it
            return None
        out = answer(report, ignored, self.state.metrics, ids)
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode()

    async def _upload(
        self, body: bytes, boundary: bytes | None, ids: EntryIds | None, token: ApiToken
    ) -> bytes | None:
        """The answer to an upload with no bank filter, or None when the route must decide."""
        try:
            if boundary is None:
                data = body
            else:
                form = parse_multipart(body, boundary)
                if form.values("bank"):
                    return None
                data = media_of(form)
        except MalformedRequest:
            return None
        backend: Backend = self.state.backend
        try:
            report = await run_in_threadpool(partial(match_upload, backend), data, None, token)
        except Exception:  # the route answers (and logs) it as it answers every error
            return None
        finally:
            del data
        out = answer(report, [], self.state.metrics, ids)
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode()


def _declared(scope: Scope) -> int:
    """The declared Content-Length (0 when absent or unreadable: the route judges it)."""
    value = _header(scope, b"content-length")
    return int(value) if value is not None and value.isdigit() else 0


async def _read(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body up to ``limit`` bytes; ``complete`` is False when it goes on beyond."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), False
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    """A ``receive`` that gives back what was read, then carries on with the real one."""
    pending = [body]

    async def replay() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": not complete}
        return await receive()

    return replay
