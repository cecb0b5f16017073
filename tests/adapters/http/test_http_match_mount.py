"""``POST /api/v1/match``: one handler, documented by its route, answered in front of the
framework with the body limit, the metrics and the rate limit applied once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, cast

import pytest
from fastapi import FastAPI
from http_support import Headers, TestClient, bearer, make_app
from sqlalchemy.exc import OperationalError
from starlette.types import Receive, Scope, Send

from rempart.adapters.http.match_mount import MatchMount
from rempart.app import App, create_http_app
from rempart.bench.synthetic_images import photo_bytes

API = "/api/v1"
NOTHING = "f" * 64
BROKEN_MULTIPART = {
    "content": b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nab",
    "headers": {"Content-Type": "multipart/form-data; boundary=XyZ"},
}


def _counts(client: TestClient, headers: Headers) -> dict[str, int]:
    """``/api/v1/match`` requests counted by the metrics, by status."""
    text = client.get("/metrics", headers=headers).text
    found = re.findall(r'rempart_http_requests_total\{route="/api/v1/match",method="POST",'
                       r'status="(\d+)"\} (\d+)', text)
    return {status: int(n) for status, n in found}


async def _chunks(total: int, size: int = 4096) -> AsyncIterator[bytes]:
    """A body without ``Content-Length``: judged as it streams."""
    for _ in range(total // size):
        yield b" " * size


class Spies:
    """Calls reaching the service: what was hashed, what was matched."""

    def __init__(self, app: App, monkeypatch: pytest.MonkeyPatch) -> None:
        self.hashed: list[int] = []
        self.queried = 0
        service = app.matching
        match_bytes, match_query = service.match_bytes, service.match_query

        def hashed(data: bytes, *args: Any, **kwargs: Any) -> Any:
            self.hashed.append(len(data))
            return match_bytes(data, *args, **kwargs)

        def queried(*args: Any, **kwargs: Any) -> Any:
            self.queried += 1
            return match_query(*args, **kwargs)

        monkeypatch.setattr(service, "match_bytes", hashed)
        monkeypatch.setattr(service, "match_query", queried)


@pytest.fixture
def small(sqlite_url: str) -> Iterator[App]:
    """An app with small body limits: JSON 10 kB, uploads 50 kB."""
    built = make_app(sqlite_url, max_json_bytes=10_000, max_upload_bytes=50_000)
    yield built
    built.close()


def test_documented_in_openapi(sqlite_client: TestClient) -> None:
    operation = sqlite_client.get("/openapi.json").json()["paths"][f"{API}/match"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/json", "multipart/form-data", "application/octet-stream"}
    assert {"200", "400", "401", "403", "404", "413", "422", "429", "503"} <= set(
        operation["responses"])
    assert [p["name"] for p in operation["parameters"]] == ["bank"]
    assert "JSON signals" in operation["description"]


def test_oversized_bodies_are_refused_before_any_hashing(
    small: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    spies = Spies(small, monkeypatch)
    secret = small.tokens.create("t", ["match", "metrics"], None, None)[1]
    m = bearer(secret)
    json_type = {**m, "Content-Type": "application/json"}
    image = {**m, "Content-Type": "image/jpeg"}
    with TestClient(create_http_app(small)) as client:
        calls: list[dict[str, Any]] = [
            {"content": b" " * 20_000, "headers": json_type},  # declared, over the JSON limit
            {"content": _chunks(20_000), "headers": json_type},  # streamed
            {"content": b"x" * 60_000, "headers": image},  # declared, over the upload limit
            {"content": _chunks(60_000), "headers": image},  # streamed
            {"files": {"file": ("x.jpg", b"x" * 60_000)}, "headers": m},  # multipart
        ]
        for kwargs in calls:
            r = client.post(f"{API}/match", **kwargs)
            assert r.status_code == 413 and r.json()["code"] == "too_large", r.text
        assert spies.hashed == [] and spies.queried == 0
        assert _counts(client, m) == {"413": len(calls)}


def test_one_request_counted_once_whatever_its_answer(
    sqlite_client: TestClient, auth: Callable[..., Headers]
) -> None:
    m = auth("match")
    calls: list[tuple[Headers, dict[str, Any]]] = [
        (m, {"json": {"pdq": NOTHING}}),  # 200
        (m, {"files": {"file": ("x.jpg", photo_bytes(3))}}),  # 200
        ({}, {"json": {"pdq": NOTHING}}),  # 401
        (auth("banks:read"), {"json": {"pdq": NOTHING}}),  # 403
        (m, {"json": {"pdq": "xyz"}}),  # 422
        (m, {"json": {"pdq": NOTHING, "banks": ["missing"]}}),  # 404
        (m, BROKEN_MULTIPART),  # 400
    ]
    for headers, kwargs in calls:
        kwargs = dict(kwargs)
        headers = {**headers, **kwargs.pop("headers", {})}
        sqlite_client.post(f"{API}/match", headers=headers, **kwargs)
    assert _counts(sqlite_client, auth("metrics")) == {
        "200": 2, "401": 1, "403": 1, "422": 1, "404": 1, "400": 1}


def test_rate_limit_taken_once_per_request_even_when_it_fails_midway(
    sqlite_app: App, sqlite_client: TestClient, auth: Callable[..., Headers],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guard = sqlite_client.api.state.guard
    checks: list[str] = []
    check = guard.check

    async def counted(authorization: str | None, scope: str) -> Any:
        checks.append(scope)
        return await check(authorization, scope)

    monkeypatch.setattr(guard, "check", counted)
    m = auth("match", rate=0.001, burst=5)
    hashed: list[int] = []

    def store_down(data: bytes, *args: Any, **kwargs: Any) -> Any:
        hashed.append(len(data))
        raise OperationalError("SELECT 1", {}, Exception("the database is gone"))

    photo = photo_bytes(4)
    with monkeypatch.context() as patch:
        patch.setattr(sqlite_app.matching, "match_bytes", store_down)
        r = sqlite_client.post(f"{API}/match", files={"file": ("x.jpg", photo)}, headers=m)
        assert r.status_code == 503
        assert hashed == [len(photo)]  # hashed once, not again after the failure
        patch.setattr(sqlite_app.matching, "match_bytes",
                      lambda *a, **k: (_ for _ in ()).throw(RuntimeError("bug")))
        with pytest.raises(RuntimeError):  # a 500, raised on to the server as well
            sqlite_client.post(f"{API}/match", content=photo,
                               headers={**m, "Content-Type": "image/jpeg"})
    codes = [
        sqlite_client.post(f"{API}/match", json={"pdq": NOTHING, "banks": ["nope"]},
                           headers=m).status_code,
        sqlite_client.post(f"{API}/match", content=BROKEN_MULTIPART["content"],
                           headers={**m, **BROKEN_MULTIPART["headers"]}).status_code,
        sqlite_client.post(f"{API}/match", json={"pdq": NOTHING}, headers=m).status_code,
        sqlite_client.post(f"{API}/match", json={"pdq": NOTHING}, headers=m).status_code,
    ]
    assert codes == [404, 400, 200, 429]  # five taken by the first five requests
    assert checks == ["match"] * 6


def test_rate_limit_holds(sqlite_client: TestClient, auth: Callable[..., Headers]) -> None:
    m = auth("match", rate=0.001, burst=3)
    codes = [sqlite_client.post(f"{API}/match", json={"pdq": NOTHING}, headers=m).status_code
             for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.parametrize(("headers", "kwargs", "status", "code"), [
    ({}, {"json": {"pdq": NOTHING}}, 401, "unauthorized"),
    ({"Authorization": "Bearer nope"}, {"json": {"pdq": NOTHING}}, 401, "unauthorized"),
    ("banks:read", {"json": {"pdq": NOTHING}}, 403, "forbidden"),
    ("match", {"json": {"pdq": "xyz"}}, 422, "invalid_request"),
    ("match", {"json": {}}, 422, "invalid_signal"),
    ("match", {"json": {"pdq": NOTHING, "banks": ["missing"]}}, 404, "bank_not_found"),
    ("match", {"content": b'{"pdq": ', "headers": {"Content-Type": "application/json"}},
     400, "malformed"),
    ("match", {"files": {"file": ("x.jpg", b"abc")}, "data": {"bank": "missing"}}, 404,
     "bank_not_found"),
    ("match", {"files": {}, "data": {"bank": "x"}}, 400, "malformed"),
    ("match", BROKEN_MULTIPART, 400, "malformed"),
    ("match", {"content": b"x", "headers": {"Content-Type": "text/html"}}, 400, "malformed"),
])
def test_errors(
    sqlite_client: TestClient, auth: Callable[..., Headers],
    headers: Headers | str, kwargs: dict[str, Any], status: int, code: str,
) -> None:
    h = auth(headers) if isinstance(headers, str) else headers
    kwargs = dict(kwargs)
    r = sqlite_client.post(f"{API}/match", headers={**h, **kwargs.pop("headers", {})},
                           **kwargs)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text


def test_other_methods_are_not_allowed(
    sqlite_client: TestClient, auth: Callable[..., Headers]
) -> None:
    assert sqlite_client.get(f"{API}/match", headers=auth("match")).status_code == 405


def test_uploads_and_filters(client: TestClient, auth: Callable[..., Headers]) -> None:
    w, m = auth("banks:write"), auth("match")
    for name in ("b1", "b2"):
        client.post(f"{API}/banks", json={"name": name, "kind": "victim"}, headers=w)
    original = photo_bytes(31, (800, 600))
    assert client.post(f"{API}/banks/b1/media", files={"file": ("a.jpg", original)},
                       headers=w).status_code == 201
    for data in (original, photo_bytes(32, (640, 480)), b"not an image at all"):
        multipart = client.post(f"{API}/match", files={"file": ("x.jpg", data, "image/jpeg")},
                                headers=m)
        raw = client.post(f"{API}/match", content=data,
                          headers={**m, "Content-Type": "image/jpeg"})
        assert multipart.status_code == raw.status_code == 200
        assert multipart.content == raw.content
    matched = client.post(f"{API}/match", files={"file": ("x.jpg", original)}, headers=m)
    assert matched.json()["matches"][0]["bank"] == "b1"
    for filtered in (
        client.post(f"{API}/match", files={"file": ("x.jpg", original)}, data={"bank": "b2"},
                    headers=m),
        client.post(f"{API}/match", files={"file": ("x.jpg", original)},
                    params={"bank": "b2"}, headers=m),
    ):
        assert filtered.status_code == 200 and filtered.json()["matches"] == []
    text = client.get("/metrics", headers=auth("metrics")).text
    assert 'rempart_matches_total{bank="b1"} 3' in text  # counted once per answer


class _Framework:
    """The application without its front layers (TokenFirst, MatchMount): the router alone
    routes ``/match``."""

    def __init__(self, api: FastAPI) -> None:
        self.api = api
        self.router = api.router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await FastAPI.__call__(self.api, scope, receive, send)


def test_the_route_answers_as_the_mount(sqlite_app: App, auth: Callable[..., Headers]) -> None:
    m = auth("match", "banks:write")
    with TestClient(create_http_app(sqlite_app)) as mounted:
        mounted.post(f"{API}/banks", json={"name": "b1", "kind": "victim"}, headers=m)
        mounted.post(f"{API}/banks/b1/signals", headers=m,
                     json={"signals": [{"signal_type": "pdq", "signal_value": "0" * 64}]})
        expected = mounted.post(f"{API}/match", json={"pdq": "0" * 63 + "1"}, headers=m)
    framework = cast(FastAPI, _Framework(create_http_app(sqlite_app)))
    with TestClient(framework) as routed:
        r = routed.post(f"{API}/match", json={"pdq": "0" * 63 + "1"}, headers=m)
        assert (r.status_code, r.content) == (200, expected.content)
        assert expected.json()["matches"][0]["bank"] == "b1"
        assert routed.post(f"{API}/match", json={"pdq": NOTHING}).status_code == 401


def _raw_post(client: TestClient, headers: list[tuple[bytes, bytes]],
              messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages the application sends for a ``POST /api/v1/match`` made of ``messages``
    (straight ASGI: what an HTTP client cannot send, such as a disconnect midway)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": f"{API}/match",
             "raw_path": f"{API}/match".encode(), "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    pending = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    client.portal.call(client.api, scope, receive, send)
    return sent


def test_raw_bodies_are_judged_as_routed_ones(
    sqlite_client: TestClient, auth: Callable[..., Headers]
) -> None:
    token = auth("match")["Authorization"].encode()
    body = b'{"pdq": "' + NOTHING.encode() + b'"}'

    def status(ctype: bytes, length: bytes | None, *messages: dict[str, Any]) -> int:
        headers = [(b"authorization", token), (b"content-type", ctype)]
        if length is not None:
            headers.append((b"content-length", length))
        return int(_raw_post(sqlite_client, headers, list(messages))[0]["status"])

    whole = {"type": "http.request", "body": body}
    assert status(b"Application/JSON; charset=utf-8", None, whole) == 200
    assert status(b"application/json", b"not a number", whole) == 400
    # The client left midway: the application's handler answers (nobody reads it), no error.
    assert status(b"application/json", None, {**whole, "body": body[:5], "more_body": True},
                  {"type": "http.disconnect"}) == 400
    assert _counts(sqlite_client, auth("metrics")) == {"200": 1, "400": 2}


def test_other_scopes_go_to_the_framework(sqlite_client: TestClient) -> None:
    seen: list[str] = []

    async def framework(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing(*_: Any) -> Any:
        return None

    mount = MatchMount(framework, sqlite_client.api)
    for scope in ({"type": "lifespan"}, {"type": "websocket", "path": f"{API}/match"}):
        sqlite_client.portal.call(mount, scope, nothing, nothing)
    assert seen == ["lifespan", "websocket"]
