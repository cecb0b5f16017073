"""Attacks on the limits (issue #13, 9), end to end against the real app and database.

- An anonymous visitor floods the public routes through several server processes, or from
  many made-up addresses in ``X-Forwarded-For``.
- Someone guesses a moderator's password from many addresses.
- A bot sends reports without doing the proof of work, or replays one.
- A visitor says "minor" again and again on one case to flood the urgent queue.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
import pytest
from http_support import TestClient, proof
from sqlalchemy import func, select
from web_support import PASSWORD, WebClient, add_users

from rempart.app import App, build, create_http_app
from rempart.config import HttpSettings, Settings, WebSettings
from rempart.services.case_status import case_marker
from rempart.services.proof_of_work import solve
from rempart.services.rate_limits import SharedLimiter
from rempart.store.limits import RedisRateStore
from rempart.store.notice_models import audit_events, notices

Client = TypeVar("Client", TestClient, WebClient)
NOTICE = {"category": "ncii", "explanation": "my picture, shared without my consent",
          "message_link": "https://t.me/c/1/2", "good_faith": True}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _app(url: str, users: bool = True, **web: Any) -> App:
    app = build(Settings(database_url=url, http=HttpSettings(trusted_proxies=["10.0.0.0/8"]),
                         web=WebSettings(**web)))
    if users:
        add_users(app)
    return app


@contextmanager
def from_peer(client: Client, peer: str) -> Iterator[Client]:
    """``client`` whose requests come from the TCP peer ``peer`` (an address of the test)."""
    original = client.client
    client.client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=client.api, client=(peer, 40000)),
        base_url="http://testserver")
    try:
        yield client
    finally:
        client.portal.call(client.client.aclose)
        client.client = original


def _notice(client: TestClient, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/api/v1/notices", json=NOTICE,
                       headers={**headers, **proof(client)}).status_code


def _count(app: App, query: Any) -> int:
    with app.store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_two_servers_share_one_limit(db_url: str) -> None:
    """Spreading a flood over the processes of a deployment gains nothing."""
    first, second = _app(db_url), _app(db_url, users=False)
    try:
        with TestClient(create_http_app(first)) as a, TestClient(create_http_app(second)) as b:
            with from_peer(a, "198.51.100.7") as a, from_peer(b, "198.51.100.7") as b:
                assert [_notice(a) for _ in range(5)] == [201] * 5  # the burst
                assert _notice(b) == 429
                assert _notice(a) == 429
            with from_peer(b, "198.51.100.8") as b:
                assert _notice(b) == 201  # another address has its own bucket
    finally:
        first.close()
        second.close()


def test_two_servers_share_one_limit_in_redis(sqlite_url: str) -> None:
    """The same with REMPART_REDIS_URL: the buckets live in Redis."""
    import redis

    url = os.environ.get("REMPART_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis unreachable at {url}: {e} (CI=true: Redis tests must run)")
        pytest.skip(f"Redis unreachable at {url}: {e}")
    settings = Settings(database_url=sqlite_url, redis_url=url)
    first, second = build(settings), build(settings)
    peer = f"2001:db8::{uuid.uuid4().hex[:4]}"  # a fresh key: Redis outlives the test
    try:
        assert isinstance(first.limits, RedisRateStore)
        with TestClient(create_http_app(first)) as a, TestClient(create_http_app(second)) as b, \
                from_peer(a, peer) as a, from_peer(b, peer) as b:
            assert [_notice(a) for _ in range(5)] == [201] * 5
            assert _notice(b) == 429
    finally:
        first.close()
        second.close()


def test_made_up_forwarded_for_is_ignored(sqlite_url: str) -> None:
    """A client not behind a trusted proxy cannot pick a new key per request."""
    app = _app(sqlite_url)
    try:
        with TestClient(create_http_app(app)) as c, from_peer(c, "203.0.113.9") as c:
            codes = [_notice(c, f"192.0.2.{n}") for n in range(8)]
        assert codes == [201] * 5 + [429] * 3
    finally:
        app.close()


def test_forwarded_for_through_a_trusted_proxy(sqlite_url: str) -> None:
    """Behind the configured proxy, the client is the first untrusted hop from the right; what
    the client wrote left of it is ignored."""
    app = _app(sqlite_url)
    try:
        with TestClient(create_http_app(app)) as c, from_peer(c, "10.0.0.2") as c:
            assert [_notice(c, "198.51.100.7") for _ in range(5)] == [201] * 5
            assert _notice(c, "198.51.100.7") == 429
            assert _notice(c, "192.0.2.1, 198.51.100.7") == 429  # prepended spoof
            assert _notice(c, "192.0.2.1, 198.51.100.7, 10.0.0.3") == 429  # two proxies
            assert _notice(c, "198.51.100.8") == 201  # a real other client
    finally:
        app.close()


def test_no_wipe_when_many_addresses_are_seen(sqlite_url: str) -> None:
    """The old table was cleared at 100k addresses, which freed every flooder; buckets now
    leave only by expiring."""
    app = _app(sqlite_url)
    try:
        limiter = SharedLimiter(app.limits, "notice", per_minute=1, burst=1,
                                clock=lambda: 1000.0)
        assert limiter.wait("198.51.100.7") == 0
        for n in range(2000):
            limiter.wait(f"10.{n // 250}.{n % 250}.1")
        assert limiter.wait("198.51.100.7") > 0
    finally:
        app.close()


def _login(web: WebClient, user: str, password: str) -> httpx.Response:
    token = CSRF.search(web.get("/console/login").text)
    assert token
    return web.post("/console/login", data={"username": user, "password": password,
                                            "csrf_token": token.group(1)})


def test_login_brute_force_locks_the_account(sqlite_url: str) -> None:
    app = _app(sqlite_url, login_max_failures=5, login_burst=100,
               login_rate_per_minute=100.0)
    try:
        with WebClient(create_http_app(app)) as web:
            answers = []
            for n in range(5):  # from five addresses: the per-address limit does not help
                with from_peer(web, f"198.51.100.{n}") as w:
                    answers.append(_login(w, "mod-a", f"guess number {n}!"))
            assert {r.status_code for r in answers} == {401}
            with from_peer(web, "198.51.100.9") as w:
                locked = _login(w, "mod-a", PASSWORD)  # the right password, too late
                unknown = _login(w, "nobody", PASSWORD)
                wrong = _login(w, "mod-b", "not the password")
            # No user enumeration: locked, unknown and wrong look the same.
            assert locked.status_code == unknown.status_code == wrong.status_code == 401
            assert _alert(locked) == _alert(unknown) == _alert(wrong)

            with from_peer(web, "198.51.100.10") as w:
                assert w.login("boss").status_code == 303
                page = w.get("/console/users/mod-a")
                assert 'id="locked"' in page.text
                assert w.form("/console/users/mod-a/unlock", "/console/users/mod-a",
                              {}).status_code == 200
            with from_peer(web, "198.51.100.11") as w:
                assert _login(w, "mod-a", PASSWORD).status_code == 303
        actions = [a for (a,) in _rows(app, select(audit_events.c.action).where(
            audit_events.c.object_id == "mod-a").order_by(audit_events.c.id))]
        assert actions.count("user.login_failed") == 5
        assert actions.count("user.lockout") == 1 and actions.count("user.unlock") == 1
        assert not [a for (a,) in _rows(app, select(audit_events.c.object_id).where(
            audit_events.c.action == "user.login_failed")) if a == "nobody"]
    finally:
        app.close()


def test_login_guesses_per_address_are_limited(sqlite_url: str) -> None:
    app = _app(sqlite_url, login_burst=3, login_rate_per_minute=1.0)
    try:
        with WebClient(create_http_app(app)) as web, from_peer(web, "198.51.100.7") as w:
            codes = [_login(w, f"user{n}", "guess guess guess").status_code for n in range(5)]
        assert codes == [401, 401, 401, 429, 429]
    finally:
        app.close()


def _alert(page: httpx.Response) -> str:
    found = re.search(r'role="alert">([^<]*)<', page.text)
    assert found
    return found.group(1)


def _rows(app: App, query: Any) -> list[Any]:
    with app.store.engine.connect() as conn:
        return list(conn.execute(query).all())


def test_report_needs_a_proof_of_work(sqlite_url: str) -> None:
    app = _app(sqlite_url, report_pow_bits=8)
    form = {"category": "ncii", "explanation": "x", "message_link": "https://t.me/c/1/2",
            "good_faith": "on"}
    try:
        with WebClient(create_http_app(app)) as web:
            token = CSRF.search(web.get("/report").text)
            assert token
            data = {**form, "csrf_token": token.group(1)}
            assert web.post("/report", data=data).status_code == 400  # none
            got = web.get("/report/challenge").json()
            forged = got["challenge"].rsplit(".", 1)[0] + ".0" * 16
            assert web.post("/report", data={**data, "pow_challenge": forged,
                                             "pow_nonce": "1"}).status_code == 400
            nonce = solve(got["challenge"], got["bits"])
            proof = {"pow_challenge": got["challenge"], "pow_nonce": nonce}
            assert web.post("/report", data={**data, **proof}).status_code == 201
            assert web.post("/report", data={**data, **proof}).status_code == 400  # replayed
        assert _count(app, select(func.count()).select_from(notices)) == 1
    finally:
        app.close()


def test_one_escalation_per_minor_case(sqlite_url: str) -> None:
    app = _app(sqlite_url, protect_pow_bits=4)
    try:
        with WebClient(create_http_app(app)) as web:
            token = CSRF.search(web.get("/protect").text)
            assert token
            headers = {"X-CSRF-Token": token.group(1)}

            def proof() -> dict[str, str]:
                got = web.get("/protect/challenge").json()
                return {"challenge": got["challenge"],
                        "nonce": solve(got["challenge"], got["bits"])}

            def item(n: int) -> dict[str, str]:
                return {"sha256": hashlib.sha256(f"item {n}".encode()).hexdigest()}

            r = web.post("/protect/register", headers=headers,
                         json={**proof(), "items": [item(0)], "minor": True})
            assert r.status_code == 201, r.text
            case, secret = r.json()["case_number"], r.json()["secret"]
            for n in range(1, 4):
                r = web.post("/protect/add", headers=headers, json={
                    **proof(), "items": [item(n)], "case_number": case, "secret": secret})
                assert r.status_code == 201, r.text
        filed = _count(app, select(func.count()).select_from(notices).where(
            notices.c.location_text == case_marker(case), notices.c.escalated.is_(True)))
        assert filed == 1
    finally:
        app.close()
