"""Hashing and matching uploads and signals over HTTP; media never touch the disk."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from typing import Any

import numpy as np
from http_support import Headers, TestClient, make_app
from PIL import Image

from rempart.app import create_http_app
from rempart.bench.edits import apply_edit
from rempart.bench.synthetic_images import make_photo, photo_bytes

API = "/api/v1"


def jpeg(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=85)
    return buf.getvalue()


def big_png(seed: int) -> bytes:
    """A photo with noise, saved as PNG: well over 1 MB (Starlette would spool it to disk)."""
    rgb = np.asarray(make_photo(seed, (1024, 768)), np.int16)
    noise = np.random.default_rng(seed).integers(-12, 12, rgb.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(rgb + noise, 0, 255).astype(np.uint8)).save(buf, "PNG")
    data = buf.getvalue()
    assert len(data) > 1_100_000
    return data


def upload(data: bytes, **fields: Any) -> dict[str, Any]:
    return {"files": {"file": ("upload.jpg", data, "image/jpeg")}, "data": fields}


def test_bank_an_upload_then_match_a_cropped_copy(
    client: TestClient, auth: Callable[..., Headers]
) -> None:
    w, m = auth("banks:write", "banks:read"), auth("match", "cases")  # labels: moderators'
    client.post(f"{API}/banks", json={"name": "victims", "kind": "victim"}, headers=w)
    original = photo_bytes(11, (800, 600))
    banked = client.post(f"{API}/banks/victims/media", params={"label": "ncii"},
                         **upload(original), headers=w)
    assert banked.status_code == 201, banked.text
    assert len(banked.json()["entry_ids"]) > 3
    cropped = jpeg(apply_edit("crop_sides", make_photo(11, (800, 600)), random.Random(3)))
    r = client.post(f"{API}/match", **upload(cropped), headers=m)
    assert r.status_code == 200, r.text
    (match,) = r.json()["matches"]
    assert match["bank"] == "victims" and match["labels"] == ["ncii"]
    assert match["action"] == "review"
    assert client.post(f"{API}/match", **upload(photo_bytes(12, (800, 600))),
                       headers=m).json()["matches"] == []
    # Bank filter: by query parameter or form field; an unknown bank is an error, not silence.
    assert client.post(f"{API}/match", params={"bank": "victims"}, **upload(cropped),
                       headers=m).json()["matches"]
    r = client.post(f"{API}/match", **upload(cropped, bank="nope"), headers=m)
    assert r.status_code == 404
    # The raw body works too.
    raw = client.post(f"{API}/match", content=cropped,
                      headers={**m, "Content-Type": "application/octet-stream"})
    assert raw.json()["matches"][0]["bank"] == "victims"


def test_hash_then_bank_signals_then_match_signals(
    client: TestClient, auth: Callable[..., Headers]
) -> None:
    w, m, h = auth("banks:write"), auth("match"), auth("hash")
    client.post(f"{API}/banks", json={"name": "mod"}, headers=w)
    record = client.post(f"{API}/hash", **upload(photo_bytes(21, (640, 480))), headers=h).json()
    assert record["kind"] == "image" and len(record["pdq"]["hash"]) == 64
    assert record["error"] is None and record["orb"]
    # A platform sends hashes only: bank the signals of the record.
    signals = [{"signal_type": "pdq", "signal_value": record["pdq"]["hash"]},
               {"signal_type": "sha256", "signal_value": record["sha256"]}]
    assert client.post(f"{API}/banks/mod/signals", json={"signals": signals},
                       headers=w).status_code == 201
    # The hash record posted as is matches (orb is ignored: it needs the pixels).
    r = client.post(f"{API}/match", json=record, headers=m).json()
    assert r["ignored"] == ["orb"]
    assert r["matches"][0]["signal"] == "sha256" and r["matches"][0]["distance"] == 0
    only_pdq = client.post(f"{API}/match", json={"pdq": record["pdq"]["hash"]}, headers=m)
    assert only_pdq.json()["matches"][0]["signal"] == "pdq"
    variants = {"pdq_variants": [v["hash"] for v in record["pdq_variants"][:3]]}
    assert client.post(f"{API}/match", json=variants, headers=m).status_code == 200


def test_bad_queries(sqlite_client: TestClient, auth: Callable[..., Headers]) -> None:
    m = auth("match", "hash")
    bad_pdq = sqlite_client.post(f"{API}/match", json={"pdq": "abc"}, headers=m)
    assert bad_pdq.status_code == 422 and bad_pdq.json()["detail"][0]["loc"][0] == "pdq"
    assert sqlite_client.post(f"{API}/match", json={}, headers=m).status_code == 422
    assert sqlite_client.post(f"{API}/match", json={"vpdq": "garbage"}, headers=m).status_code \
        == 422
    r = sqlite_client.post(f"{API}/match", content=b"{not json",
                           headers={**m, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "malformed"
    broken = (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
              b"\r\nabc")
    for route in ("/match", "/hash"):
        r = sqlite_client.post(f"{API}{route}", content=broken,
                               headers={**m, "Content-Type": "multipart/form-data; boundary=XyZ"})
        assert r.status_code == 400, (route, r.text)
        r = sqlite_client.post(f"{API}{route}", content=b"x",
                               headers={**m, "Content-Type": "multipart/form-data"})
        assert r.status_code == 400
        r = sqlite_client.post(f"{API}{route}", files={}, data={"bank": "x"}, headers=m)
        assert r.status_code == 400
        r = sqlite_client.post(f"{API}{route}", content=b"x",
                               headers={**m, "Content-Type": "text/html"})
        assert r.status_code == 400
    not_media = sqlite_client.post(f"{API}/match", **upload(b"hello world"), headers=m).json()
    assert not_media["matches"] == [] and not_media["error"].startswith("unsupported")


def test_uploads_never_touch_the_disk(
    sqlite_client: TestClient, auth: Callable[..., Headers], no_disk_writes: Any
) -> None:
    h = auth("match", "hash")
    data = big_png(5)
    sqlite_client.post(f"{API}/match", **upload(photo_bytes(1)), headers=h)  # warm up imports
    with no_disk_writes():
        r = sqlite_client.post(f"{API}/match", **upload(data), headers=h)
        assert r.status_code == 200 and r.json()["kind"] == "image"
        r = sqlite_client.post(f"{API}/hash", **upload(data), headers=h)
        assert r.status_code == 200 and r.json()["size"] == len(data)


def test_oversized_upload_is_refused_without_writing(
    sqlite_url: str, no_disk_writes: Any
) -> None:
    small = make_app(sqlite_url, max_upload_bytes=1_000_000)
    try:
        _, secret = small.tokens.create("t", ["match", "hash"])
        headers = {"Authorization": f"Bearer {secret}"}
        data = big_png(6)
        with TestClient(create_http_app(small)) as client, no_disk_writes():
            for route in ("/match", "/hash"):
                r = client.post(f"{API}{route}", **upload(data), headers=headers)
                assert r.status_code == 413 and r.json()["code"] == "too_large"
                r = client.post(f"{API}{route}", content=data,
                                headers={**headers, "Content-Type": "image/png"})
                assert r.status_code == 413
    finally:
        small.close()


def test_every_body_is_capped(sqlite_url: str) -> None:
    small = make_app(sqlite_url, max_upload_bytes=10_000, max_json_bytes=10_000)
    try:
        _, secret = small.tokens.create("t", ["admin"])
        headers = {"Authorization": f"Bearer {secret}"}
        signals = {"signals": [{"signal_type": "pdq", "signal_value": "a" * 64}] * 500}
        with TestClient(create_http_app(small)) as client:
            client.post(f"{API}/banks", json={"name": "b"}, headers=headers)
            r = client.post(f"{API}/banks/b/signals", json=signals, headers=headers)
            assert r.status_code == 413 and r.json()["code"] == "too_large"

            async def chunks() -> Any:  # no Content-Length: counted as it streams
                for _ in range(20):
                    yield b" " * 1000

            r = client.post(f"{API}/banks", content=chunks(),
                            headers={**headers, "Content-Type": "application/json"})
            assert r.status_code == 413
    finally:
        small.close()
