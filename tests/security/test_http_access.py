"""Attacks on the HTTP API (issue #13: 5b, 6, 7, 8), played end to end against the real app.

- An anonymous client sends huge bodies to make the server read them before the token check.
- An integrator holding a ``match`` token reads victims' case numbers and labels in answers.
- The database goes away: the server must stop answering "no match" from a stale memory.
- A token decides notices and appeals in a moderator's name.
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import cast

import httpx
import pytest
from fastapi import FastAPI
from http_support import Headers, TestClient, bearer, make_app, proof
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.types import Message, Receive, Scope, Send

from rempart.adapters.http.token_first import token_routes
from rempart.app import App, create_http_app
from rempart.bench.synthetic_images import photo_bytes

API = "/api/v1"
MIB = 1024 * 1024
VICTIM_PDQ = "0" * 64
NEAR = "0" * 63 + "1"
CASE = "RMP-C-2026-000042"
SECRET_WORDS = (CASE, "victim-portal", "minor", "group-of-the-case")


class Counting:
    """The app behind a ``receive`` that counts the body bytes the server pulls."""

    def __init__(self, api: FastAPI) -> None:
        self.api = api
        self.router = api.router  # what TestClient runs the lifespan of
        self.read = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            self.read += len(message.get("body", b""))
            return message

        await self.api(scope, counted, send)


async def stream(total: int, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    """``total`` bytes made chunk by chunk, only as the server reads them."""
    sent = 0
    while sent < total:
        n = min(chunk, total - sent)
        sent += n
        yield b"{" * n


@pytest.fixture
def served(sqlite_url: str) -> Iterator[tuple[App, Counting, TestClient]]:
    """An app on SQLite, its byte counter and a client (lifespan run)."""
    built = make_app(sqlite_url, max_json_bytes=4 * MIB, max_upload_bytes=8 * MIB)
    counting = Counting(create_http_app(built))
    with TestClient(cast(FastAPI, counting)) as client:
        yield built, counting, client
    built.close()


def _token(app: App, *scopes: str) -> Headers:
    return bearer(app.tokens.create("t", scopes, None, None)[1])


def _body_routes(api: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path, scope) of every API route taking a token and a body."""
    return [(method, re.sub(r"\{[^}]+\}", "x1", path), scope)
            for path, route, scope in token_routes(api)
            for method in sorted((route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"})]


# --- 5b: the token before the body ------------------------------------------------------------


def test_no_body_byte_is_read_before_the_token(
    served: tuple[App, Counting, TestClient],
) -> None:
    app, counting, client = served
    routes = _body_routes(counting.api)
    assert ("POST", f"{API}/match", "match") in routes
    assert ("POST", f"{API}/banks/x1/signals", "banks:write") in routes
    assert len(routes) >= 8
    wrong = _token(app, "metrics")
    for method, path, _scope in routes:
        for headers, status in (({}, 401), (bearer("rmp_guess"), 401), (wrong, 403)):
            for ctype in ("application/json", "multipart/form-data; boundary=x",
                          "application/octet-stream"):
                r = client.request(method, path, content=stream(3 * MIB),
                                   headers={**headers, "Content-Type": ctype})
                assert r.status_code == status, (method, path, r.text)
                assert counting.read == 0, (method, path)


def test_sixty_megabytes_without_a_token_cost_no_memory(
    served: tuple[App, Counting, TestClient],
) -> None:
    _, counting, client = served
    client.get("/livez")
    tracemalloc.start()
    try:
        for ctype in ("application/json", "image/jpeg"):
            r = client.post(f"{API}/match", content=stream(60 * MIB),
                            headers={"Content-Type": ctype, "Content-Length": str(60 * MIB)})
            assert r.status_code == 401
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counting.read == 0
    assert peak < 2 * MIB  # the body was 60 MB: before, the peak rose by ~120 MB


@pytest.mark.parametrize(("path", "ctype", "limit"), [
    (f"{API}/match", "application/json", 4 * MIB),
    (f"{API}/match?via=route", "application/json", 4 * MIB),
    (f"{API}/match", "image/jpeg", 8 * MIB),
    (f"{API}/match", "multipart/form-data; boundary=x", 8 * MIB),
    (f"{API}/hash", "image/jpeg", 8 * MIB),
    (f"{API}/banks/b1/signals", "application/json", 4 * MIB),
    (f"{API}/banks/b1/media", "image/jpeg", 8 * MIB),
])
def test_over_the_limit_is_refused_while_streaming(
    served: tuple[App, Counting, TestClient], path: str, ctype: str, limit: int,
) -> None:
    app, counting, client = served
    h = _token(app, "admin")
    assert client.post(f"{API}/banks", json={"name": "b1", "kind": "victim"},
                       headers=h).status_code == 201
    counting.read = 0
    declared = client.post(path, content=stream(limit + 1),
                           headers={**h, "Content-Type": ctype,
                                    "Content-Length": str(limit + 1)})
    assert declared.status_code == 413, declared.text
    assert counting.read == 0  # refused on the declared length, nothing read
    chunked = client.post(path, content=stream(3 * limit), headers={**h, "Content-Type": ctype})
    assert chunked.status_code == 413, chunked.text
    assert counting.read <= limit + 64 * 1024  # cut off at the limit, not read to the end


# --- 6: integrators see no victim ---------------------------------------------------------------


@pytest.fixture
def victim_bank(app: App, client: TestClient) -> tuple[App, TestClient, Headers]:
    """A victims' bank holding one registration as the portal makes it (case, source,
    labels) plus a photo banked the same way."""
    admin = _token(app, "admin")
    assert client.post(f"{API}/banks", json={"name": "victims", "kind": "victim"},
                       headers=admin).status_code == 201
    r = client.post(f"{API}/banks/victims/signals", headers=admin, json={"signals": [{
        "signal_type": "pdq", "signal_value": VICTIM_PDQ, "source": "victim-portal",
        "case_id": CASE, "labels": ["victim", "minor"], "content_group": "group-of-the-case",
    }]})
    assert r.status_code == 201, r.text
    r = client.post(f"{API}/banks/victims/media", content=photo_bytes(7), headers={
        **admin, "Content-Type": "image/jpeg"},
        params={"source": "victim-portal", "case_id": CASE, "label": ["victim", "minor"]})
    assert r.status_code == 201, r.text
    return app, client, admin


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    built = make_app(db_url)
    yield built
    built.close()


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_http_app(app)) as c:
        yield c


def _leaks(answer: httpx.Response) -> list[str]:
    return [w for w in SECRET_WORDS if w in answer.text]


def test_integrators_get_an_opaque_entry_and_no_victim_detail(
    victim_bank: tuple[App, TestClient, Headers],
) -> None:
    app, client, _ = victim_bank
    m = _token(app, "match")
    body = {"pdq": NEAR, "sha256": "ab" * 32}
    fast = client.post(f"{API}/match", json=body, headers=m)
    routed = client.post(f"{API}/match", json=body, headers=m, params={"via": "route"})
    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content  # the hot path and the route say the same bytes
    (match,) = fast.json()["matches"]
    assert _leaks(fast) == []
    assert set(match) <= {"bank", "entry", "signal", "distance", "policy", "action",
                          "bank_kind", "on_hold", "entry_variant", "detail"}
    assert match["bank"] == "victims" and match["distance"] == 1 and match["action"]
    assert isinstance(match["entry"], str) and len(match["entry"]) == 24

    photo = photo_bytes(7)
    uploads = [
        client.post(f"{API}/match", content=photo,
                    headers={**m, "Content-Type": "image/jpeg"}),
        client.post(f"{API}/match", headers=m,
                    files={"file": ("a.jpg", photo, "image/jpeg")}),
        client.post(f"{API}/match", content=photo, params={"via": "route"},
                    headers={**m, "Content-Type": "image/jpeg"}),
    ]
    for r in uploads:
        assert r.status_code == 200 and r.json()["matches"], r.text
        assert _leaks(r) == []
    assert uploads[0].content == uploads[2].content

    again = client.post(f"{API}/match", json=body, headers=_token(app, "match"))
    assert again.json()["matches"][0]["entry"] == match["entry"]  # stable for integrators

    bank_admin = _token(app, "banks:read", "banks:write")
    listed = client.get(f"{API}/banks/victims/entries/1", headers=bank_admin)
    assert listed.status_code == 200 and _leaks(listed) == []
    full_entry = client.get(f"{API}/banks/victims/entries/1",
                            headers=_token(app, "banks:read", "cases"))
    assert full_entry.json()["case_id"] == CASE

    moderator = client.post(f"{API}/match", json=body, headers=_token(app, "match", "cases"))
    (full,) = moderator.json()["matches"]
    assert full["case_id"] == CASE and "minor" in full["labels"]
    assert full["source"] == "victim-portal" and isinstance(full["entry"], int)
    assert moderator.content == client.post(f"{API}/match", json=body, params={"via": "r"},
                                            headers=_token(app, "admin")).content


# --- 7: fail closed --------------------------------------------------------------------------


class Outage:
    """Makes the test's database unreachable and brings it back."""

    def __init__(self, url: str, tmp_path: Path, admin_url: str | None) -> None:
        self.url = url
        self.tmp_path = tmp_path
        self.admin_url = admin_url

    def start(self, app: App) -> None:
        if self.admin_url is None:  # SQLite: the database's folder is gone
            (self.tmp_path / "db").rename(self.tmp_path / "gone")
        else:  # PostgreSQL: the database is renamed, its connections cut
            self._rename(make_url(self.url).database or "", "gone_" + self._name())
        app.store.engine.dispose()

    def end(self) -> None:
        if self.admin_url is None:
            (self.tmp_path / "gone").rename(self.tmp_path / "db")
        else:
            self._rename("gone_" + self._name(), self._name())

    def _name(self) -> str:
        return make_url(self.url).database or ""

    def _rename(self, old: str, new: str) -> None:
        assert self.admin_url is not None
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": old})
            conn.execute(text(f'ALTER DATABASE "{old}" RENAME TO "{new}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def outage(request: pytest.FixtureRequest, tmp_path: Path) -> Outage:
    if request.param == "sqlite":
        (tmp_path / "db").mkdir()
        return Outage(f"sqlite:///{tmp_path / 'db' / 'rempart.sqlite3'}", tmp_path, None)
    url: str = request.getfixturevalue("postgres_url")
    admin: str = request.getfixturevalue("postgres_admin_url")
    return Outage(url, tmp_path, admin)


def _match_calls(client: TestClient, m: Headers) -> list[httpx.Response]:
    photo = photo_bytes(3)
    return [
        client.post(f"{API}/match", json={"pdq": "f" * 64}, headers=m),
        client.post(f"{API}/match", json={"pdq": "f" * 64}, headers=m, params={"via": "r"}),
        client.post(f"{API}/match", content=photo, headers={**m, "Content-Type": "image/jpeg"}),
    ]


def test_no_answer_from_a_stale_memory(outage: Outage) -> None:
    # The follower's thread sleeps for the whole test: each read of the feed is a step().
    app = make_app(outage.url, refresh_seconds=3600, token_cache_seconds=3600)
    app.follower.bell = None  # no LISTEN thread on PostgreSQL either: only these steps read
    try:
        with TestClient(create_http_app(app)) as client:
            _fail_closed(app, client, outage)
    finally:
        app.close()


def _fail_closed(app: App, client: TestClient, outage: Outage) -> None:
    m = _token(app, "match")
    assert [r.status_code for r in _match_calls(client, m)] == [200, 200, 200]
    assert client.get("/readyz").status_code == 200
    app.follower.step()

    outage.start(app)
    app.follower.step()  # the feed cannot be read
    assert app.follower.failures == 1
    for r in _match_calls(client, m):
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "unavailable" and r.headers["retry-after"] == "1"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert any("database" in reason for reason in ready.json()["reasons"])
    assert client.get("/healthz").json()["status"] == "degraded"
    assert client.get("/livez").status_code == 200

    outage.end()
    app.follower.step()
    assert [r.status_code for r in _match_calls(client, m)] == [200, 200, 200]
    assert client.get("/readyz").json()["status"] == "ready"

    # A follower that stopped reading (stuck, dead): its last read grows old.
    app.follower.last_ok -= app.settings.http.feed_stale_seconds + 1
    assert [r.status_code for r in _match_calls(client, m)] == [503, 503, 503]
    stale = client.get("/readyz").json()
    assert stale["status"] == "unavailable" and "not read" in stale["reasons"][0]
    app.follower.step()
    assert client.get("/readyz").status_code == 200


# --- 8: a token does not speak for a person ------------------------------------------------------


def test_a_token_cannot_decide_in_a_moderators_name(sqlite_url: str) -> None:
    app = make_app(sqlite_url)
    try:
        with TestClient(create_http_app(app)) as client:
            r = client.post(f"{API}/notices", headers=proof(client), json={
                "category": "ncii", "explanation": "my photo", "message_link":
                "https://t.me/c/1/2"})
            case = r.json()["case_number"]
            for scopes in (("notices",), ("admin",)):
                h = _token(app, *scopes)
                for path, body in (
                    ("decision", {"decided_by": "mod-a", "action": "no_action",
                                  "summary": "x"}),
                    ("appeal-decision", {"decided_by": "mod-b", "outcome": "upheld",
                                         "reason": "x"}),
                ):
                    r = client.post(f"{API}/notices/{case}/{path}", json=body, headers=h)
                    assert r.status_code == 403 and r.json()["code"] == "person_required"
            detail = client.get(f"{API}/notices/{case}", headers=_token(app, "notices")).json()
            assert detail["state"] == "received" and detail["decisions"] == []
            audit = client.get(f"{API}/audit", headers=_token(app, "admin"),
                               params={"object_id": case}).json()
            assert [e["action"] for e in audit["items"]] == ["notice.submit"]
            schema = client.get("/openapi.json").json()
            for path in ("decision", "appeal-decision"):
                op = schema["paths"][f"{API}/notices/{{case_number}}/{path}"]["post"]
                assert "requestBody" not in op and "403" in op["responses"]
            assert "DecisionIn" not in schema["components"]["schemas"]
    finally:
        app.close()
