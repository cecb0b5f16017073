"""Request bodies read into memory under a byte cap; multipart parsed in memory.

Starlette's ``UploadFile`` spools parts over 1 MB to a temporary file: media would touch the
disk. Here the body is streamed into memory (413 past the cap, before reading further) and fed
to python-multipart's push parser, whose callbacks append into bytearrays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rempart.adapters.http.errors import MalformedRequest, PayloadTooLarge

MAX_PARTS = 32
_TEXT_FIELD_MAX = 64 * 1024


@dataclass
class Part:
    """One multipart part: its field name, file name (if a file) and bytes."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytearray = field(default_factory=bytearray)


@dataclass
class Form:
    """A parsed multipart body."""

    parts: list[Part]

    def file(self, *names: str) -> Part | None:
        """The first file part named one of ``names`` (or the first file part at all)."""
        files = [p for p in self.parts if p.filename is not None]
        for p in files:
            if p.name in names:
                return p
        return files[0] if files else None

    def values(self, name: str) -> list[str]:
        """Text values of the non-file fields called ``name``."""
        out = []
        for p in self.parts:
            if p.filename is None and p.name == name:
                try:
                    out.append(p.data.decode())
                except UnicodeDecodeError:
                    raise MalformedRequest(f"field {name!r} is not UTF-8") from None
        return out


def content_type(request: Request) -> tuple[str, dict[bytes, bytes]]:
    """The media type (lowercase) and parameters of the request."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    return ctype.decode("latin-1").lower(), params


def _check_declared(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise MalformedRequest("invalid Content-Length") from None
        if size > limit:
            raise PayloadTooLarge(limit)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, in memory; PayloadTooLarge as soon as it passes ``limit``."""
    _check_declared(request, limit)
    buf = bytearray()
    async for chunk in request.stream():
        buf += chunk
        if len(buf) > limit:
            raise PayloadTooLarge(limit)
    return bytes(buf)


async def read_multipart(request: Request, limit: int) -> Form:
    """Parse a ``multipart/form-data`` body in memory (never on disk)."""
    ctype, params = content_type(request)
    boundary = params.get(b"boundary")
    if ctype != "multipart/form-data" or not boundary:
        raise MalformedRequest("expected multipart/form-data with a boundary")
    _check_declared(request, limit)
    parts: list[Part] = []
    header_field = bytearray()
    header_value = bytearray()
    headers: dict[str, str] = {}
    current: list[Part | None] = [None]
    ended: list[bool] = []

    def on_part_begin() -> None:
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers[header_field.decode("latin-1").lower()] = header_value.decode("latin-1")
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        disposition, options = parse_options_header(headers.get("content-disposition", ""))
        if disposition.lower() != b"form-data" or b"name" not in options:
            raise MalformedRequest("a part lacks Content-Disposition: form-data; name=...")
        if len(parts) >= MAX_PARTS:
            raise MalformedRequest(f"more than {MAX_PARTS} parts")
        filename = options.get(b"filename")
        part = Part(
            options[b"name"].decode("utf-8", "replace"),
            filename.decode("utf-8", "replace") if filename is not None else None,
            headers.get("content-type"),
        )
        parts.append(part)
        current[0] = part

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = current[0]
        if part is None:
            raise MalformedRequest("part data before its headers")
        part.data.extend(data[start:end])
        if part.filename is None and len(part.data) > _TEXT_FIELD_MAX:
            raise MalformedRequest(f"field {part.name!r} is too long")

    def on_part_end() -> None:
        current[0] = None

    def on_end() -> None:
        ended.append(True)

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_end": on_end,
        },
    )
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise PayloadTooLarge(limit)
            parser.write(chunk)
        parser.finalize()
    except (PayloadTooLarge, MalformedRequest):
        raise
    except Exception as exc:  # python-multipart raises its own errors on malformed input
        raise MalformedRequest(f"malformed multipart body: {exc}") from None
    if not ended:
        raise MalformedRequest("truncated multipart body (no closing boundary)")
    if not parts:
        raise MalformedRequest("the multipart body has no parts")
    return Form(parts)


async def read_media(request: Request, limit: int) -> tuple[bytes, Form | None]:
    """Media bytes of a multipart upload (part ``file``) or of a raw body; never on disk.

    Returns the bytes and, for multipart, the form (for its other fields).
    """
    ctype, _ = content_type(request)
    if ctype == "multipart/form-data":
        form = await read_multipart(request, limit)
        part = form.file("file", "media")
        if part is None:
            raise MalformedRequest("the multipart body has no file part (name it 'file')")
        data = bytes(part.data)
        part.data.clear()
        return data, form
    if ctype == "application/octet-stream" or ctype.startswith(("image/", "video/")):
        return await read_body(request, limit), None
    raise MalformedRequest(
        "send the media as multipart/form-data (part 'file') or as a raw body"
        " (application/octet-stream, image/*, video/*)"
    )


MEDIA_BODY: dict[str, object] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "bank": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["file"],
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
"""OpenAPI description of a media body (the routes parse it themselves, in memory)."""


class BodyLimit:
    """Pure ASGI middleware: 413 for any request body over ``limit`` (declared or streamed).

    Routes that read their body themselves apply their own, smaller caps as well; this one
    also covers the JSON bodies FastAPI parses for the other routes.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _refuse(send, self.limit)
                return
        seen = 0
        refused = False

        async def counted() -> Message:
            # Past the limit: answer 413 now and tell the app the client went away (FastAPI
            # turns exceptions raised while it reads a body into a 400).
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    refused = True
                    await _refuse(send, self.limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, guarded)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": str(PayloadTooLarge(limit)), "code": "too_large"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
