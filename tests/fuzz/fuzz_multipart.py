"""Atheris harness: the in-memory multipart reader of the API (``adapters/http/uploads.py``).

Any boundary, any body, cut into chunks of any size: the reader either gives a form or raises
``MalformedRequest`` (a 400), never anything else; it holds no more than the body it was given
(plus the headers of one part), no more than ``MAX_PARTS`` parts and no text field over its cap.
"""

from __future__ import annotations

import contextlib
import logging
import sys

import atheris

# Only the reader and the parser under it are instrumented (fastapi, pydantic... are not).
with atheris.instrument_imports(include=["rempart.adapters.http.uploads", "python_multipart"]):
    from rempart.adapters.http.errors import MalformedRequest
    from rempart.adapters.http.uploads import (
        MAX_HEADER_BYTES,
        MAX_PARTS,
        TEXT_FIELD_MAX,
        MultipartReader,
    )

_TEMPLATE = (b"--%s\r\nContent-Disposition: form-data; name=\"bank\"\r\n\r\nvictims\r\n"
             b"--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
             b"Content-Type: image/jpeg\r\n\r\n%s\r\n--%s--\r\n")


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    # Repeats let short inputs make long boundaries, headers and fields.
    boundary = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 80)) * fdp.ConsumeIntInRange(1, 8)
    chunk = fdp.ConsumeIntInRange(1, 4096)
    templated = fdp.ConsumeBool()
    times = fdp.ConsumeIntInRange(1, 512)
    rest = fdp.ConsumeBytes(fdp.remaining_bytes()) * times
    body = _TEMPLATE % (boundary, boundary, rest, boundary) if templated else rest
    try:
        reader = MultipartReader(boundary)
        for start in range(0, len(body), chunk):
            reader.write(body[start:start + chunk])
            assert reader.held() <= len(body) + MAX_HEADER_BYTES, (reader.held(), len(body))
        form = reader.finish()
    except MalformedRequest:
        return
    assert 0 < len(form.parts) <= MAX_PARTS
    assert sum(len(p.data) for p in form.parts) <= len(body)
    for part in form.parts:
        assert part.filename is not None or len(part.data) <= TEXT_FIELD_MAX
        with contextlib.suppress(MalformedRequest):  # a text field that is not UTF-8
            form.values(part.name)


if __name__ == "__main__":
    logging.disable(logging.CRITICAL)  # python-multipart logs every malformed byte
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
