"""Fuzz the API's multipart reader for a bounded time (see ``fuzz_multipart.py``).

Attacker: any client sending a multipart body (``/api/v1/match``, ``/api/v1/hash``,
``/api/v1/banks/{name}/media``). Asset: the server's memory and its answers: a malformed body
is a 400, never a crash, and never more memory than the body itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.runner import run_fuzzer
from rempart.adapters.http.errors import MalformedRequest
from rempart.adapters.http.uploads import MAX_HEADER_BYTES, MultipartReader

_SEEDS = {
    "form": b"\x05\x00XyZ\x10\x00\x01\xff\xd8\xff\xe0 not quite a jpeg",
    "raw": (b"\x03\x00abc\x00\x10\x00--abc\r\nContent-Disposition: form-data; name=\"f\"; "
            b"filename=\"x\"\r\n\r\ndata\r\n--abc--\r\n"),
}


def test_multipart_reader_survives_fuzzing(tmp_path: Path) -> None:
    for name, seed in _SEEDS.items():
        (tmp_path / name).write_bytes(seed)
    run_fuzzer(Path(__file__).with_name("fuzz_multipart.py"), seconds=15,
               corpus=tmp_path)


def test_what_the_fuzzer_found_is_a_400() -> None:
    """Found by the harness: a boundary over python-multipart's 256 bytes raised its own error
    (a 500 on ``/api/v1/match``); a part's headers are capped too."""
    with pytest.raises(MalformedRequest, match="boundary"):
        MultipartReader(b"b" * 264)
    reader = MultipartReader(b"XyZ")
    header = b"X-%d: " + b"v" * 3000 + b"\r\n"
    with pytest.raises(MalformedRequest, match="headers"):
        reader.write(b"--XyZ\r\n" + b"".join(header % i for i in range(8)))
    assert reader.held() <= MAX_HEADER_BYTES
