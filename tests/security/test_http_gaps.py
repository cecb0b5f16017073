"""Attacks on the gaps left after issue #13, played end to end against the real app.

- A partner holding a ``banks:read`` token exports a victims' bank to read case numbers and
  the ``minor`` label.
- An anonymous client floods ``POST /api/v1/notices`` (no proof of work, huge bodies).
- A deployment of several processes: a challenge issued by one must be accepted by another.
- The database host drops packets: ``/readyz`` must answer 503, not hang.
- An anonymous visitor posts huge forms to the console and the public pages.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import FastAPI
from http_support import Headers, TestClient, bearer
from test_http_access import Counting, stream
from web_support import WebClient, add_users

from rempart.adapters.http.public_routes import PUBLIC_BODY_BYTES
from rempart.adapters.web.session import FORM_BODY_BYTES
from rempart.app import App, build, create_http_app
from rempart.config import NoticeSettings, Settings, WebSettings
from rempart.services import banks as bank_service
from rempart.services.proof_of_work import solve

API = "/api/v1"
MIB = 1024 * 1024
CASE = "VIC-2026-000042"
PARTNER_CASE = "PARTNER-7"
VICTIM_PDQ = "0" * 64
PARTNER_PDQ = "f" * 64
NOTICE = {"category": "ncii", "explanation": "my picture, shared without my consent",
          "message_link": "https://t.me/c/1/2", "good_faith": True}
BITS = 8  # the proof's cost, low: these tests are about who must prove, not how hard


def _app(url: str, **notices: Any) -> App:
    return build(Settings(database_url=url, web=WebSettings(report_pow_bits=BITS),
                          notices=NoticeSettings(**notices)))


def _token(app: App, *scopes: str) -> Headers:
    return bearer(app.tokens.create("t", scopes, None, None)[1])


@pytest.fixture
def served(db_url: str) -> Iterator[tuple[App, Counting, TestClient]]:
    """An app on each backend, its body-byte counter and a client (lifespan run)."""
    app = _app(db_url)
    counting = Counting(create_http_app(app))
    with TestClient(cast(FastAPI, counting)) as client:
        yield app, counting, client
    app.close()


# --- 1: a partner's export carries no victim -----------------------------------------------------


def _victims_bank(app: App, client: TestClient) -> None:
    admin = _token(app, "admin")
    assert client.post(f"{API}/banks", json={"name": "victims", "kind": "victim"},
                       headers=admin).status_code == 201
    r = client.post(f"{API}/banks/victims/signals", headers=admin, json={"signals": [
        {"signal_type": "pdq", "signal_value": VICTIM_PDQ, "source": "victim-portal",
         "case_id": CASE, "labels": ["victim", "minor"], "content_group": "group-of-the-case"},
        {"signal_type": "pdq", "signal_value": PARTNER_PDQ, "source": "partner-x",
         "case_id": PARTNER_CASE, "labels": ["ncii"], "metadata": {"batch": "b7"}},
    ]})
    assert r.status_code == 201, r.text


def _export(client: TestClient, headers: Headers, fmt: str) -> str:
    r = client.get(f"{API}/banks/victims/export", params={"format": fmt}, headers=headers)
    assert r.status_code == 200, r.text
    text: str = r.text
    return text


def test_an_integrators_export_carries_no_provenance(
    served: tuple[App, Counting, TestClient],
) -> None:
    app, _, client = served
    _victims_bank(app, client)
    partner = _token(app, "banks:read")
    for fmt in ("csv", "jsonl", "txt"):
        text = _export(client, partner, fmt)
        assert VICTIM_PDQ in text and PARTNER_PDQ in text  # the signals, all of them
        for secret in (CASE, "minor", "victim-portal", "group-of-the-case", PARTNER_CASE,
                       "partner-x", "ncii", "b7"):
            assert secret not in text, (fmt, secret)
    rows = list(csv.DictReader(io.StringIO(_export(client, partner, "csv"))))
    assert [r["case_id"] for r in rows] == ["", ""] and rows[0]["signal_value"] == VICTIM_PDQ
    records = [json.loads(line) for line in _export(client, partner, "jsonl").splitlines()]
    assert all("case_id" not in r and "labels" not in r for r in records)


def test_a_victims_case_number_never_leaves_in_an_export(
    served: tuple[App, Counting, TestClient],
) -> None:
    app, _, client = served
    _victims_bank(app, client)
    moderator = _token(app, "banks:read", "cases")
    records = {r["signal_value"]: r for r in map(
        json.loads, _export(client, moderator, "jsonl").splitlines())}
    victim, partner = records[VICTIM_PDQ], records[PARTNER_PDQ]
    assert victim["case_id"] is None  # her key to her case
    assert victim["labels"] == ["victim", "minor"] and victim["source"] == "victim-portal"
    assert partner["case_id"] == PARTNER_CASE and partner["metadata"] == {"batch": "b7"}
    assert CASE not in _export(client, moderator, "csv")
    out = io.StringIO()  # `rempart bank export` (the operator's own) follows the same rule
    assert bank_service.export_entries(app.store, "victims", out, "jsonl") == 2
    assert CASE not in out.getvalue() and PARTNER_CASE in out.getvalue()
    # Reading one entry as a moderator still shows its case (not an export).
    entry = client.get(f"{API}/banks/victims/entries/1", headers=moderator).json()
    assert entry["case_id"] == CASE


# --- 2: anonymous notices prove work and are read within bounds --------------------------------


def _proof(client: TestClient) -> Headers:
    r = client.get("/report/challenge")
    challenge, bits = r.json()["challenge"], r.json()["bits"]
    assert bits == BITS
    return {"X-Proof-Challenge": challenge, "X-Proof-Nonce": solve(challenge, bits)}


def test_an_anonymous_notice_needs_a_proof_of_work(
    served: tuple[App, Counting, TestClient],
) -> None:
    app, counting, client = served
    for headers in ({}, {"X-Proof-Challenge": "1.8.9999999999.forged", "X-Proof-Nonce": "1"}):
        r = client.post(f"{API}/notices", content=stream(3 * MIB),
                        headers={**headers, "Content-Type": "application/json"})
        assert r.status_code == 403 and r.json()["code"] == "proof_needed", r.text
        assert counting.read == 0  # refused before a byte of the body
    proof = _proof(client)
    r = client.post(f"{API}/notices", json=NOTICE, headers=proof)
    assert r.status_code == 201, r.text
    replayed = client.post(f"{API}/notices", json=NOTICE, headers=proof)
    assert replayed.status_code == 403  # one use per challenge

    # A trusted flagger's token replaces the proof; another scope does not.
    assert client.post(f"{API}/notices", json=NOTICE,
                       headers=_token(app, "notices")).status_code == 201
    counting.read = 0
    r = client.post(f"{API}/notices", content=stream(3 * MIB),
                    headers={**_token(app, "match"), "Content-Type": "application/json"})
    assert r.status_code == 403 and counting.read == 0
    bad = client.post(f"{API}/notices", json={**NOTICE, "category": "gossip"},
                      headers=_proof(client))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][0] == "body"


def test_public_notice_bodies_are_bounded_while_streaming(
    served: tuple[App, Counting, TestClient],
) -> None:
    _, counting, client = served
    for path in ("/notices", "/notices/status", "/notices/appeal"):
        headers = _proof(client) if path == "/notices" else {}
        counting.read = 0
        declared = client.post(f"{API}{path}", content=stream(PUBLIC_BODY_BYTES + 1), headers={
            **headers, "Content-Type": "application/json",
            "Content-Length": str(PUBLIC_BODY_BYTES + 1)})
        assert declared.status_code == 413, (path, declared.text)
        assert counting.read == 0
        # The same proof still holds (not spent on a refused body), sent with a chunked one.
        chunked = client.post(f"{API}{path}", content=stream(3 * MIB),
                              headers={**headers, "Content-Type": "application/json"})
        assert chunked.status_code == 413, (path, chunked.text)
        assert counting.read <= PUBLIC_BODY_BYTES + 64 * 1024, path


def test_the_rate_limit_comes_before_the_body(sqlite_url: str) -> None:
    app = _app(sqlite_url, public_rate_per_minute=0.001, public_burst=1)
    counting = Counting(create_http_app(app))
    try:
        with TestClient(cast(FastAPI, counting)) as client:
            assert client.post(f"{API}/notices", json=NOTICE,
                               headers=_proof(client)).status_code == 201
            for path in ("/notices", "/notices/status", "/notices/appeal"):
                counting.read = 0
                r = client.post(f"{API}{path}", content=stream(MIB),
                                headers={"Content-Type": "application/json"})
                assert r.status_code == 429, (path, r.text)
                assert counting.read == 0
    finally:
        app.close()


# --- 3: one proof-of-work key per deployment ------------------------------------------------


def test_a_challenge_of_one_process_is_good_on_another(db_url: str) -> None:
    """Two processes of one deployment (no session secret configured): the challenge one
    issued is solved and spent on the other, once."""
    first, second = _app(db_url), _app(db_url)
    try:
        with WebClient(create_http_app(first)) as a, WebClient(create_http_app(second)) as b:
            for issuer, taker in ((a, b), (b, a)):
                r = issuer.get("/report/challenge").json()
                proof = {"X-Proof-Challenge": r["challenge"],
                         "X-Proof-Nonce": solve(r["challenge"], r["bits"])}
                taken = taker.post(f"{API}/notices", json=NOTICE, headers=proof)
                assert taken.status_code == 201, taken.text
                assert issuer.post(f"{API}/notices", json=NOTICE,
                                   headers=proof).status_code == 403  # spent everywhere
            page = a.get("/protect/challenge").json()  # the portal's too
            assert page["challenge"]
    finally:
        first.close()
        second.close()


# --- 4: /readyz does not hang on a database that does not answer --------------------------------

_READYZ = textwrap.dedent("""
    import json, sys
    from sqlalchemy import create_engine
    from http_support import TestClient, make_app
    from rempart.app import create_http_app

    app = make_app(sys.argv[1], refresh_seconds=3600)
    api = create_http_app(app)
    working = app.store.engine
    app.store.engine = create_engine(sys.argv[2])  # the database host, now unreachable
    try:
        with TestClient(api) as client:
            r = client.get("/readyz")
            print(json.dumps({"http": r.status_code, **r.json()}))
    finally:
        app.store.engine.dispose()
        app.store.engine = working
        app.close()
""")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a database host that
    drops packets looks the same to a client: it waits)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


@pytest.mark.parametrize("where", ["refused", "silent"])
def test_readyz_answers_503_when_the_database_does_not_answer(
    sqlite_url: str, silent_port: int, where: str,
) -> None:
    port = 1 if where == "refused" else silent_port
    unreachable = f"postgresql+psycopg://rempart@127.0.0.1:{port}/rempart"
    http_tests = str(Path(__file__).resolve().parent.parent / "adapters" / "http")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [http_tests, *filter(None, [os.environ.get("PYTHONPATH")])])}
    child = subprocess.run([sys.executable, "-c", _READYZ, sqlite_url, unreachable],
                           capture_output=True, text=True, env=env,
                           timeout=120)  # a hang guard, not a timing: it answers in seconds
    assert child.returncode == 0, child.stderr
    ready = json.loads(child.stdout.strip().splitlines()[-1])
    assert ready["http"] == 503 and ready["status"] == "unavailable"
    assert any("database" in reason for reason in ready["reasons"]), ready


# --- 5: no form is parsed for someone who may not post it -----------------------------------


@pytest.fixture
def web(sqlite_url: str) -> Iterator[tuple[App, Counting, WebClient]]:
    app = _app(sqlite_url)
    add_users(app)
    counting = Counting(create_http_app(app))
    with WebClient(cast(FastAPI, counting)) as client:
        yield app, counting, client
    app.close()


FORM = "application/x-www-form-urlencoded"


def test_an_anonymous_console_post_is_not_read(
    web: tuple[App, Counting, WebClient],
) -> None:
    _, counting, client = web
    for path in ("/console/review/1/decide", "/console/notices/RMP-2026-000001/decide",
                 "/console/users", "/console/evidence", "/console/banks/victims/entries/1",
                 "/console/bot/outbox/1/retry"):
        r = client.post(path, content=stream(3 * MIB), headers={"Content-Type": FORM})
        assert r.status_code == 303, (path, r.status_code)
        assert r.headers["location"].startswith("/console/login"), path
        assert counting.read == 0, path


def test_an_anonymous_form_without_a_csrf_cookie_is_not_read(
    web: tuple[App, Counting, WebClient],
) -> None:
    _, counting, client = web
    for path in ("/report", "/report/status", "/protect/status", "/protect/evidence",
                 "/console/login", "/console/logout"):
        client.client.cookies.clear()  # the 403 page hands out a cookie: a fresh visitor
        r = client.post(path, content=stream(3 * MIB), headers={"Content-Type": FORM})
        assert r.status_code == 403, (path, r.status_code)
        assert counting.read == 0, path


def test_public_forms_are_bounded_while_streaming(
    web: tuple[App, Counting, WebClient],
) -> None:
    _, counting, client = web
    client.csrf("/report")  # the anonymous CSRF cookie, as a browser holds it
    for path in ("/report", "/console/login"):
        counting.read = 0
        declared = client.post(path, content=stream(FORM_BODY_BYTES + 1), headers={
            "Content-Type": FORM, "Content-Length": str(FORM_BODY_BYTES + 1)})
        assert declared.status_code == 413, (path, declared.text)
        assert counting.read == 0
        chunked = client.post(path, content=stream(3 * MIB), headers={"Content-Type": FORM})
        assert chunked.status_code == 413, (path, chunked.text)
        assert counting.read <= FORM_BODY_BYTES + 64 * 1024, path
    # A form of normal size still goes through (wrong password: 401, not a refusal).
    assert client.form("/console/login", "/console/login",
                       {"username": "boss", "password": "wrong"}).status_code == 401
