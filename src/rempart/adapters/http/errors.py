"""Domain and request errors translated once into HTTP statuses, and their OpenAPI description.

Every error body is ``{"detail": message, "code": short_name}`` (FastAPI's ``detail`` plus a
code); a 422 for fields that fail validation lists them in ``detail`` instead of a message.
Routes document what they really answer with :func:`responses`.

Example::

    @router.get("/banks/{name}", responses=responses(404))
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from rempart.services.errors import (
    BankExists,
    BankImportError,
    BankNotEmpty,
    BankNotFound,
    EntryNotFound,
    InvalidArgument,
    InvalidSignal,
    PersonRequired,
    RempartError,
)


class PayloadTooLarge(Exception):
    """A request body over its limit (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over the limit of {limit} bytes")
        self.limit = limit


class MalformedRequest(Exception):
    """A body that cannot be parsed: bad multipart, bad JSON, bad encoding (400)."""


class TokenNotFound(RempartError):
    """No live API token has this id."""


class ErrorOut(BaseModel):
    """An error: a message for people, a short code for programs."""

    detail: str
    code: str


class FieldErrorOut(BaseModel):
    """One field that failed validation: where (``["query", "limit"]``), what, and why."""

    loc: list[str | int]
    msg: str
    type: str


class InvalidOut(BaseModel):
    """A 422: the fields that failed validation (``code`` ``invalid_request``), or a message
    saying why a well-formed value cannot be used (``invalid_signal``, ``invalid_argument``...)."""

    detail: list[FieldErrorOut] | str
    code: str


MODELS: tuple[type[BaseModel], ...] = (ErrorOut, FieldErrorOut, InvalidOut)
"""Models referenced by :func:`responses` (added to the OpenAPI components by ``api.py``)."""

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                                "schema": {"type": "integer"}}}
_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed body: not JSON, not multipart, not UTF-8, or no media part.",
    401: "Missing, unknown or revoked bearer token.",
    403: "The token lacks the route's scope.",
    404: "Not found.",
    409: "Conflicts with the current state.",
    413: "Body over the size limit (checked while it streams).",
    422: "Well-formed but invalid: fields (listed in `detail`) or values that cannot be used.",
    429: "Rate limited: try again after `Retry-After` seconds.",
    503: "The database (or the shared rate-limit store) is unavailable: try again later.",
}


def responses(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for these error statuses (JSON :class:`ErrorOut`, 422
    :class:`InvalidOut`); ``described`` overrides a description, keyed ``s404=...``."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        model = "InvalidOut" if status == 422 else "ErrorOut"
        entry: dict[str, Any] = {
            "description": described.get(f"s{status}", _DESCRIPTIONS[status]),
            "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{model}"}}},
        }
        if status in (429, 503):
            entry["headers"] = _RETRY_AFTER
        out[status] = entry
    return out


TOKEN_ERRORS = responses(401, 403, 429, 503)
"""What any route taking a token may answer before it runs (the token store is the database)."""
BODY_ERRORS = responses(400, 413, 422)
"""What any route reading a body may answer."""

_STATUS: tuple[tuple[type[RempartError], int, str], ...] = (
    (BankNotFound, 404, "bank_not_found"),
    (EntryNotFound, 404, "entry_not_found"),
    (TokenNotFound, 404, "token_not_found"),
    (BankExists, 409, "bank_exists"),
    (BankNotEmpty, 409, "bank_not_empty"),
    (PersonRequired, 403, "person_required"),
    (InvalidSignal, 422, "invalid_signal"),
    (BankImportError, 422, "invalid_import"),
    (InvalidArgument, 422, "invalid_argument"),
)
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large",
               422: "invalid_argument", 429: "rate_limited", 503: "unavailable"}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": message, "code": code}, status_code=status)


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    for cls, status, code in _STATUS:
        if isinstance(exc, cls):
            return _error(status, code, str(exc))
    return _error(400, "rejected", str(exc))


async def _too_large(_: Request, exc: Exception) -> JSONResponse:
    return _error(413, "too_large", str(exc))


async def _malformed(_: Request, exc: Exception) -> JSONResponse:
    return _error(400, "malformed", str(exc))


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return _error(400, "malformed", "invalid JSON body")
    detail = [{k: e[k] for k in ("loc", "msg", "type") if k in e} for e in errors]
    return JSONResponse({"detail": detail, "code": "invalid_request"}, status_code=422)


async def _http(_: Request, exc: Exception) -> Response:
    """An ``HTTPException`` in the common shape; a ``{"message", "code"}`` detail is spread."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    detail: Any = exc.detail
    code = _HTTP_CODES.get(exc.status_code, "error")
    if isinstance(detail, dict) and "message" in detail:
        detail, code = detail["message"], str(detail.get("code", code))
    if not isinstance(detail, str):
        detail = str(detail)
    return JSONResponse({"detail": detail, "code": code}, status_code=exc.status_code,
                        headers=headers)


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(RempartError, _domain)
    app.add_exception_handler(PayloadTooLarge, _too_large)
    app.add_exception_handler(MalformedRequest, _malformed)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
