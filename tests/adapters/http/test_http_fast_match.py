"""The hot path of ``POST /api/v1/match`` answers exactly as the route does, or leaves it be."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from http_support import Headers, TestClient, bearer, make_app

from rempart.adapters.http import fast_match
from rempart.adapters.http.matching import match_signals
from rempart.app import create_http_app

API = "/api/v1"
NOTHING = "f" * 64
ROUTE = {"params": {"via": "route"}}  # any query string sends the call to the FastAPI route


@pytest.fixture
def fast_answers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per call the hot path answered itself: True when something matched."""
    calls: list[bool] = []

    async def spy(*args: Any) -> Any:
        report = await match_signals(*args)
        calls.append(bool(report.matches))
        return report

    monkeypatch.setattr(fast_match, "match_signals", spy)
    return calls


def _bank(client: TestClient, headers: Headers, value: str) -> None:
    client.post(f"{API}/banks", json={"name": "b1", "kind": "victim"}, headers=headers)
    r = client.post(f"{API}/banks/b1/signals",
                    json={"signals": [{"signal_type": "pdq", "signal_value": value}]},
                    headers=headers)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("body", [
    {"pdq": NOTHING},
    {"pdq": {"hash": NOTHING, "quality": 80}, "md5": "0" * 32},
    {"pdq": NOTHING, "orb": "ignored"},
    {"sha256": "a" * 64, "pdq_variants": [NOTHING, {"variant": "trim", "hash": "e" * 64}]},
])
def test_same_answer_as_the_route(
    client: TestClient, auth: Callable[..., Headers], fast_answers: list[bool],
    body: dict[str, Any],
) -> None:
    m = auth("match")
    fast = client.post(f"{API}/match", json=body, headers=m)
    assert fast_answers == [False]
    routed = client.post(f"{API}/match", json=body, headers=m, **ROUTE)
    assert fast_answers == [False]  # the route does not go through the hot path
    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content
    assert fast.headers["content-type"] == routed.headers["content-type"]


def test_a_match_is_described_as_by_the_route(
    client: TestClient, auth: Callable[..., Headers], fast_answers: list[bool],
) -> None:
    _bank(client, auth("banks:write"), "0" * 64)
    m = auth("match")
    body = {"pdq": "0" * 63 + "1", "sha256": "ab" * 32}  # with a fingerprint: hits recorded
    r = client.post(f"{API}/match", json=body, headers=m)
    assert fast_answers == [True]
    (match,) = r.json()["matches"]
    assert match["bank"] == "b1" and match["distance"] == 1
    assert r.content == client.post(f"{API}/match", json=body, headers=m, **ROUTE).content
    text = client.get("/metrics", headers=auth("metrics")).text
    assert 'rempart_matches_total{bank="b1"} 2' in text


@pytest.mark.parametrize(("headers", "body", "status"), [
    ({}, {"pdq": NOTHING}, 401),
    ({"Authorization": "Bearer nope"}, {"pdq": NOTHING}, 401),
    ("banks:read", {"pdq": NOTHING}, 403),
    ("match", {"pdq": "xyz"}, 422),
    ("match", {}, 422),
    ("match", {"pdq": NOTHING, "banks": ["missing"]}, 404),
])
def test_errors_are_the_routes(
    sqlite_client: TestClient, auth: Callable[..., Headers], fast_answers: list[bool],
    headers: Headers | str, body: dict[str, Any], status: int,
) -> None:
    h = auth(headers) if isinstance(headers, str) else headers
    r = sqlite_client.post(f"{API}/match", json=body, headers=h)
    assert r.status_code == status, r.text
    assert fast_answers == []
    same = sqlite_client.post(f"{API}/match", json=body, headers=h, **ROUTE)
    assert (same.status_code, same.json()) == (status, r.json())


def test_malformed_and_oversized_bodies(sqlite_url: str, fast_answers: list[bool]) -> None:
    app = make_app(sqlite_url, max_json_bytes=1_000_000)
    _, secret = app.tokens.create("t", ["match"], None, None)
    m = {**bearer(secret), "Content-Type": "application/json"}
    with TestClient(create_http_app(app)) as client:
        _malformed_and_oversized(client, m, fast_answers)
    app.close()


def _malformed_and_oversized(
    sqlite_client: TestClient, m: Headers, fast_answers: list[bool]
) -> None:
    r = sqlite_client.post(f"{API}/match", content=b'{"pdq": ', headers=m)
    assert r.status_code == 400
    assert r.json() == sqlite_client.post(f"{API}/match", content=b'{"pdq": ', headers=m,
                                          **ROUTE).json()
    big = json.dumps({"pdq": NOTHING, "pad": "x" * 2_000_000}).encode()
    r = sqlite_client.post(f"{API}/match", content=big, headers=m)
    assert r.status_code == 413
    assert fast_answers == []


def test_rate_limit_holds_on_the_hot_path(
    sqlite_client: TestClient, auth: Callable[..., Headers]
) -> None:
    m = auth("match", rate=0.001, burst=3)
    codes = [sqlite_client.post(f"{API}/match", json={"pdq": NOTHING}, headers=m).status_code
             for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_counted_in_metrics(sqlite_client: TestClient, auth: Callable[..., Headers]) -> None:
    m = auth("match")
    for _ in range(3):
        sqlite_client.post(f"{API}/match", json={"pdq": NOTHING}, headers=m)
    text = sqlite_client.get("/metrics", headers=auth("metrics")).text
    line = 'rempart_http_requests_total{route="/api/v1/match",method="POST",status="200"} 3'
    assert line in text


def test_a_body_over_the_limit_is_replayed_whole() -> None:
    import asyncio

    chunks = [b"a" * 600, b"b" * 600, b"c" * 10]

    async def scenario() -> bytes:
        pending = [{"type": "http.request", "body": c, "more_body": i < 2}
                   for i, c in enumerate(chunks)]

        async def receive() -> dict[str, Any]:
            return pending.pop(0)

        body, complete = await fast_match._read(receive, 1000)
        assert not complete and body == chunks[0] + chunks[1]
        replay = fast_match._replay(body, complete, receive)
        out = b""
        while True:
            message = await replay()
            out += message["body"]
            if not message["more_body"]:
                return out

    assert asyncio.run(scenario()) == b"".join(chunks)


@pytest.fixture
def fast_uploads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the uploads the hot path hashed itself."""
    calls: list[int] = []
    real = fast_match.run_in_threadpool

    async def spy(fn: Any, data: bytes, *args: Any) -> Any:
        calls.append(len(data))
        return await real(fn, data, *args)

    monkeypatch.setattr(fast_match, "run_in_threadpool", spy)
    return calls


def test_uploads_answered_as_by_the_route(
    client: TestClient, auth: Callable[..., Headers], fast_uploads: list[int],
) -> None:
    from rempart.bench.synthetic_images import photo_bytes

    w, m = auth("banks:write"), auth("match")
    client.post(f"{API}/banks", json={"name": "b1", "kind": "victim"}, headers=w)
    original = photo_bytes(31, (800, 600))
    banked = client.post(f"{API}/banks/b1/media", files={"file": ("a.jpg", original)}, headers=w)
    assert banked.status_code == 201 and fast_uploads == []
    for data in (original, photo_bytes(32, (640, 480)), b"not an image at all"):
        fast = client.post(f"{API}/match", files={"file": ("x.jpg", data, "image/jpeg")},
                           headers=m)
        raw = client.post(f"{API}/match", content=data,
                          headers={**m, "Content-Type": "image/jpeg"})
        routed = client.post(f"{API}/match", files={"file": ("x.jpg", data, "image/jpeg")},
                             headers=m, **ROUTE)
        assert fast.status_code == raw.status_code == routed.status_code == 200
        assert fast.content == raw.content == routed.content
    other = len(photo_bytes(32, (640, 480)))
    assert fast_uploads == [len(original), len(original), other, other, 19, 19]
    matched = client.post(f"{API}/match", files={"file": ("x.jpg", original)}, headers=m).json()
    assert matched["matches"][0]["bank"] == "b1"


@pytest.mark.parametrize(("headers", "kwargs", "status"), [
    ({}, {"files": {"file": ("x.jpg", b"abc")}}, 401),
    ("banks:read", {"files": {"file": ("x.jpg", b"abc")}}, 403),
    ("match", {"files": {"file": ("x.jpg", b"abc")}, "data": {"bank": "missing"}}, 404),
    ("match", {"files": {}, "data": {"bank": "x"}}, 400),
    ("match", {"content": b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nab",
               "headers": {"Content-Type": "multipart/form-data; boundary=XyZ"}}, 400),
])
def test_upload_errors_are_the_routes(
    sqlite_client: TestClient, auth: Callable[..., Headers], fast_uploads: list[int],
    headers: Headers | str, kwargs: dict[str, Any], status: int,
) -> None:
    h = auth(headers) if isinstance(headers, str) else headers
    kwargs = dict(kwargs)
    h = {**h, **kwargs.pop("headers", {})}
    r = sqlite_client.post(f"{API}/match", headers=h, **kwargs)
    assert r.status_code == status, r.text
    assert fast_uploads == []
    same = sqlite_client.post(f"{API}/match", headers=h, **kwargs, **ROUTE)
    assert (same.status_code, same.json()) == (status, r.json())


def test_an_oversized_upload_is_refused_by_the_route(
    sqlite_url: str, fast_uploads: list[int]
) -> None:
    app = make_app(sqlite_url, max_upload_bytes=100_000)
    _, secret = app.tokens.create("t", ["match"], None, None)
    with TestClient(create_http_app(app)) as client:
        r = client.post(f"{API}/match", files={"file": ("x.jpg", b"x" * 200_000)},
                        headers=bearer(secret))
        assert r.status_code == 413
    assert fast_uploads == []
    app.close()
