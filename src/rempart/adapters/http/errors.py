"""Domain and request errors translated once into HTTP statuses.

Bodies are ``{"detail": message, "code": short_name}`` (FastAPI's ``detail`` plus a code).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from rempart.services.errors import (
    BankExists,
    BankImportError,
    BankNotEmpty,
    BankNotFound,
    EntryNotFound,
    InvalidArgument,
    InvalidSignal,
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


_STATUS: tuple[tuple[type[RempartError], int, str], ...] = (
    (BankNotFound, 404, "bank_not_found"),
    (EntryNotFound, 404, "entry_not_found"),
    (TokenNotFound, 404, "token_not_found"),
    (BankExists, 409, "bank_exists"),
    (BankNotEmpty, 409, "bank_not_empty"),
    (InvalidSignal, 422, "invalid_signal"),
    (BankImportError, 422, "invalid_import"),
    (InvalidArgument, 422, "invalid_argument"),
)


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


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(RempartError, _domain)
    app.add_exception_handler(PayloadTooLarge, _too_large)
    app.add_exception_handler(MalformedRequest, _malformed)
    app.add_exception_handler(RequestValidationError, _validation)
