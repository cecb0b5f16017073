"""Request bodies read into memory under a byte cap; multipart parsed in memory.

Starlette's ``UploadFile`` spools parts over 1 MB to a temporary file: media would touch the
disk. Here the body is streamed into memory (413 past the cap, before reading further) and fed
to python-multipart's push parser, whose callbacks append into bytearrays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rempart.adapters.http.asgi import HttpMiddleware
from rempart.adapters.http.errors import MalformedRequest, PayloadTooLarge

MAX_PARTS = 32
TEXT_FIELD_MAX = 64 * 1024
MAX_BOUNDARY = 70  # RFC 2046
MAX_HEADER_BYTES = 8 * 1024
"""Header bytes of one part (python-multipart also caps each line and their number)."""


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


def check_declared(request: Request, limit: int) -> None:
    """PayloadTooLarge when the declared ``Content-Length`` is over ``limit`` (nothing read)."""
    check_length(request.headers.get("content-length"), limit)


def check_length(declared: str | bytes | None, limit: int) -> None:
    """PayloadTooLarge when a ``Content-Length`` value is over ``limit``; MalformedRequest
    when it is no number.

    >>> check_length(b"10", 100)
    >>> check_length("1000", 100)
    Traceback (most recent call last):
    ...
    rempart.adapters.http.errors.PayloadTooLarge: request body over the limit of 100 bytes
    """
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise MalformedRequest("invalid Content-Length") from None
        if size > limit:
            raise PayloadTooLarge(limit)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, in memory; PayloadTooLarge as soon as it passes ``limit``."""
    check_declared(request, limit)
    buf = bytearray()
    async for chunk in request.stream():
        buf += chunk
        if len(buf) > limit:
            raise PayloadTooLarge(limit)
    return bytes(buf)


class MultipartReader:
    """A ``multipart/form-data`` push parser collecting parts in memory (never on disk).

    Example::

        reader = MultipartReader(b"XyZ")
        reader.write(body)          # as many chunks as come
        form = reader.finish()      # MalformedRequest if the body is not a whole form
    """

    def __init__(self, boundary: bytes) -> None:
        if not 0 < len(boundary) <= MAX_BOUNDARY or b"\r" in boundary or b"\n" in boundary:
            raise MalformedRequest(f"the multipart boundary must be 1 to {MAX_BOUNDARY} bytes"
                                   " on one line")
        self.parts: list[Part] = []
        self._field = bytearray()
        self._value = bytearray()
        self._headers: dict[str, str] = {}
        self._header_bytes = 0
        self._current: Part | None = None
        self._ended = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_field,
                "on_header_value": self._on_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )

    def _on_field(self, data: bytes, start: int, end: int) -> None:
        self._check_headers(end - start)
        self._field.extend(data[start:end])

    def _on_value(self, data: bytes, start: int, end: int) -> None:
        self._check_headers(end - start)
        self._value.extend(data[start:end])

    def _check_headers(self, more: int) -> None:
        if self._header_bytes + len(self._field) + len(self._value) + more > MAX_HEADER_BYTES:
            raise MalformedRequest(f"a part's headers are over {MAX_HEADER_BYTES} bytes")

    def _on_header_end(self) -> None:
        self._header_bytes += len(self._field) + len(self._value)
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode("latin-1")
        self._field.clear()
        self._value.clear()

    def _on_part_begin(self) -> None:
        self._headers.clear()
        self._header_bytes = 0

    def _on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get("content-disposition", ""))
        if disposition.lower() != b"form-data" or b"name" not in options:
            raise MalformedRequest("a part lacks Content-Disposition: form-data; name=...")
        if len(self.parts) >= MAX_PARTS:
            raise MalformedRequest(f"more than {MAX_PARTS} parts")
        filename = options.get(b"filename")
        part = Part(
            options[b"name"].decode("utf-8", "replace"),
            filename.decode("utf-8", "replace") if filename is not None else None,
            self._headers.get("content-type"),
        )
        self.parts.append(part)
        self._current = part

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current
        if part is None:
            raise MalformedRequest("part data before its headers")
        part.data.extend(data[start:end])
        if part.filename is None and len(part.data) > TEXT_FIELD_MAX:
            raise MalformedRequest(f"field {part.name!r} is too long")

    def _on_part_end(self) -> None:
        self._current = None

    def _on_end(self) -> None:
        self._ended = True

    def held(self) -> int:
        """Bytes this reader holds: the parts' data and the headers being read."""
        return (sum(len(p.data) for p in self.parts) + len(self._field) + len(self._value)
                + self._header_bytes)

    def write(self, chunk: bytes) -> None:
        """Feed the next chunk of the body."""
        try:
            self._parser.write(chunk)
        except FormParserError as exc:
            raise MalformedRequest(f"malformed multipart body: {exc}") from None

    def finish(self) -> Form:
        """The form, once the whole body was written."""
        try:
            self._parser.finalize()
        except FormParserError as exc:
            raise MalformedRequest(f"malformed multipart body: {exc}") from None
        if not self._ended:
            raise MalformedRequest("truncated multipart body (no closing boundary)")
        if not self.parts:
            raise MalformedRequest("the multipart body has no parts")
        return Form(self.parts)


def parse_multipart(body: bytes, boundary: bytes) -> Form:
    """A whole ``multipart/form-data`` body already in memory, parsed."""
    reader = MultipartReader(boundary)
    reader.write(body)
    return reader.finish()


async def read_multipart(request: Request, limit: int) -> Form:
    """Parse a ``multipart/form-data`` body in memory (never on disk)."""
    ctype, params = content_type(request)
    boundary = params.get(b"boundary")
    if ctype != "multipart/form-data" or not boundary:
        raise MalformedRequest("expected multipart/form-data with a boundary")
    check_declared(request, limit)
    reader = MultipartReader(boundary)
    total = 0
    malformed: MalformedRequest | None = None
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(limit)
        if malformed is None:
            try:
                reader.write(chunk)
            except MalformedRequest as exc:  # the size is judged first: read on to the limit
                malformed = exc
    if malformed is not None:
        raise malformed
    return reader.finish()


def media_of(form: Form) -> bytes:
    """The bytes of the form's media part (``file``, or ``media``, or the first file)."""
    part = form.file("file", "media")
    if part is None:
        raise MalformedRequest("the multipart body has no file part (name it 'file')")
    data = bytes(part.data)
    part.data.clear()
    return data


def is_raw_media(ctype: str) -> bool:
    """Whether a body of this media type is the media itself."""
    return ctype == "application/octet-stream" or ctype.startswith(("image/", "video/"))


async def read_media(request: Request, limit: int) -> tuple[bytes, Form | None]:
    """Media bytes of a multipart upload (part ``file``) or of a raw body; never on disk.

    Returns the bytes and, for multipart, the form (for its other fields).
    """
    ctype, _ = content_type(request)
    if ctype == "multipart/form-data":
        form = await read_multipart(request, limit)
        return media_of(form), form
    if is_raw_media(ctype):
        return await read_body(request, limit), None
    raise MalformedRequest(
        "send the media as multipart/form-data (part 'file') or as a raw body"
        " (application/octet-stream, image/*, video/*)"
    )


def _media_body(**fields: object) -> dict[str, object]:
    """The OpenAPI request body of a media upload: multipart with ``file`` (and ``fields``),
    or the raw bytes."""
    return {"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}, **fields},
            "required": ["file"],
        }},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    }}}


MEDIA_BODY = _media_body(bank={"type": "array", "items": {"type": "string"}})
"""OpenAPI description of a media body with a bank filter (``/match``; the routes parse it
themselves, in memory)."""

UPLOAD_BODY = _media_body()
"""OpenAPI description of a media body alone (``/hash``, ``/banks/{name}/media``)."""


class BodyLimit(HttpMiddleware):
    """Pure ASGI middleware: 413 for any request body over ``limit`` (declared or streamed).

    Routes that read their body themselves apply their own, smaller caps as well; this one
    also covers the JSON bodies FastAPI parses for the other routes.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        super().__init__(app)
        self.limit = limit

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on while its body stays under the limit; answer 413 past it."""
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
