"""The victim portal through the ASGI app: registration with a proof-of-work (valid, forged,
expired, reused), the cap of items, the CSRF/origin checks, the status page (a wrong secret is
answered exactly like an unknown case), withdrawal (the signals stop matching) and the minor
path (the child-protection bank)."""

from __future__ import annotations

import hashlib
import io
import re
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image
from web_support import WebClient

from rempart.adapters.web.protect import protect_state
from rempart.app import App, build, create_http_app
from rempart.bench.synthetic_images import photo_bytes
from rempart.config import Settings, WebSettings
from rempart.core.signals.pdq import pdq_dihedral
from rempart.services.banks import list_entries
from rempart.services.cases import CHILD_BANK, VICTIM_BANK
from rempart.services.errors import BankNotFound
from rempart.services.proof_of_work import solve

BITS = 8
CASE = re.compile(r'<dd id="case">([^<]+)</dd>')


@pytest.fixture
def portal(sqlite_url: str) -> Iterator[tuple[App, WebClient]]:
    app = build(Settings(database_url=sqlite_url, web=WebSettings(
        protect_pow_bits=BITS, protect_max_items=3, protect_burst=1000,
        protect_rate_per_minute=1000.0)))
    with WebClient(create_http_app(app)) as client:
        yield app, client
    app.close()


def _signals(seed: int) -> tuple[bytes, dict[str, Any]]:
    data = photo_bytes(seed, (320, 240), "PNG")
    with Image.open(io.BytesIO(data)) as im:
        rgb = np.asarray(im.convert("RGB"), np.uint8)
    first, variants = pdq_dihedral(rgb)
    return data, {"sha256": hashlib.sha256(data).hexdigest(), "pdq": first.hash,
                  "pdq_quality": first.quality,
                  "variants": {v.variant: v.hash for v in variants}}


def _csrf(client: WebClient) -> str:
    page = client.get("/protect")
    assert page.status_code == 200
    assert "blob:" in page.headers["content-security-policy"]
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def _challenge(client: WebClient) -> tuple[str, str]:
    got = client.get("/protect/challenge").json()
    assert got["bits"] == BITS
    return got["challenge"], solve(got["challenge"], got["bits"])


def _register(client: WebClient, items: list[dict[str, Any]], minor: bool = False,
              proof: tuple[str, str] | None = None, **headers: str) -> Any:
    token = _csrf(client)
    challenge, nonce = proof or _challenge(client)
    return client.post("/protect/register", json={
        "challenge": challenge, "nonce": nonce, "items": items, "minor": minor},
        headers={"X-CSRF-Token": token, **headers})


def _status(client: WebClient, case: str, secret: str, **extra: Any) -> Any:
    data = {"case_number": case, "secret": secret, "csrf_token": client.csrf("/protect/status"),
            **extra}
    return client.post("/protect/status", data=data)


def _banks_hit(app: App, data: bytes) -> set[str]:
    app.matching.refresh()
    return {m.bank for m in app.matching.match_bytes(data).matches}


def test_register_status_withdraw(portal: tuple[App, WebClient]) -> None:
    app, client = portal
    (d1, s1), (d2, s2) = _signals(1), _signals(2)
    r = _register(client, [s1, s2])
    assert r.status_code == 201, r.text
    case, secret = r.json()["case_number"], r.json()["secret"]
    assert re.match(r"^VIC-\d{4}-\d{6}$", case) and r.json()["items"] == 2
    assert _banks_hit(app, d1) == {VICTIM_BANK} and _banks_hit(app, d2) == {VICTIM_BANK}
    bank = app.store.get_bank(VICTIM_BANK)
    assert bank is not None and bank.kind.value == "victim" and bank.policy.value == "review"
    entries = list(list_entries(app.store, VICTIM_BANK))
    assert len(entries) == 2 * 9  # sha256 + PDQ + 7 variants, per image
    assert {e.provenance.case_id for e in entries} == {case}

    page = _status(client, case, secret)
    assert page.status_code == 200 and CASE.search(page.text).group(1) == case  # type: ignore[union-attr]
    assert '<dd id="registered">2</dd>' in page.text and '<dd id="matches">0</dd>' in page.text
    ids = re.findall(r'name="item" value="(\d+)"', page.text)
    assert len(ids) == 2

    # A wrong secret and an unknown case get the same answer, byte for byte.
    wrong = _status(client, case, secret + "x")
    unknown = _status(client, "VIC-2000-999999", secret)
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.text == unknown.text and case not in wrong.text

    done = _status(client, case, secret, action="withdraw", item=[ids[0]])
    assert '<dd id="active">1</dd>' in done.text, done.text
    assert _banks_hit(app, d1) == set() and _banks_hit(app, d2) == {VICTIM_BANK}

    closed = _status(client, case, secret, action="close")
    assert '<dd id="active">0</dd>' in closed.text and 'name="item"' not in closed.text
    assert _banks_hit(app, d2) == set()


def test_proof_of_work_rejections(portal: tuple[App, WebClient]) -> None:
    _, client = portal
    _, s1 = _signals(3)
    challenge, nonce = _challenge(client)
    wrong = next(str(n) for n in range(10_000) if str(n) != nonce and
                 hashlib.sha256((challenge + str(n)).encode()).digest()[0] != 0)
    r = _register(client, [s1], proof=(challenge, wrong))
    assert r.status_code == 400 and r.json()["reason"] == "wrong nonce"
    forged = challenge[:-1] + ("0" if challenge[-1] != "0" else "1")
    r = _register(client, [s1], proof=(forged, solve(forged, BITS)))
    assert r.status_code == 400 and r.json()["reason"] == "forged"
    old = protect_state_of(client).pow.issue(time.time() - 10_000)
    r = _register(client, [s1], proof=(old, solve(old, BITS)))
    assert r.status_code == 400 and r.json()["reason"] == "expired"
    assert _register(client, [s1], proof=(challenge, nonce)).status_code == 201
    r = _register(client, [s1], proof=(challenge, nonce))
    assert r.status_code == 400 and r.json()["reason"] == "already used"


def protect_state_of(client: WebClient) -> Any:
    class _Req:  # protect_state only reads request.app.state
        app = client.api
    client.get("/protect")
    return protect_state(_Req())  # type: ignore[arg-type]


def test_cap_csrf_origin_and_limits(portal: tuple[App, WebClient]) -> None:
    app, client = portal
    items = [_signals(10 + i)[1] for i in range(4)]
    r = _register(client, items)
    assert r.status_code == 422 and r.json() == {"error": "cap", "max_items": 3}
    with pytest.raises(BankNotFound):
        list(list_entries(app.store, VICTIM_BANK))  # nothing was stored
    proof = _challenge(client)
    r = client.post("/protect/register", json={"challenge": proof[0], "nonce": proof[1],
                                               "items": items[:1]},
                    headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403 and r.json()["error"] == "csrf"
    r = _register(client, items[:1], Origin="https://elsewhere.example")
    assert r.status_code == 403 and r.json()["error"] == "origin"
    r = _register(client, [{**items[0], "pdq": "zz"}])
    assert r.status_code == 422
    big = client.post("/protect/register", content=b"x" * 200_000,
                      headers={"X-CSRF-Token": _csrf(client),
                               "Content-Type": "application/json"})
    assert big.status_code == 413


def test_rate_limit(sqlite_url: str) -> None:
    app = build(Settings(database_url=sqlite_url, web=WebSettings(
        protect_pow_bits=BITS, protect_burst=2, protect_rate_per_minute=0.01)))
    with WebClient(create_http_app(app)) as client:
        _, s = _signals(20)
        assert _register(client, [s]).status_code == 201
        assert _register(client, [s]).status_code == 201
        assert _register(client, [s]).status_code == 429
    app.close()


def test_minor_path(portal: tuple[App, WebClient]) -> None:
    app, client = portal
    data, s = _signals(30)
    r = _register(client, [s], minor=True)
    assert r.status_code == 201 and r.json()["minor"] is True
    assert _banks_hit(app, data) == {CHILD_BANK}
    assert app.store.get_bank(VICTIM_BANK) is None
    entries = list(list_entries(app.store, CHILD_BANK))
    assert all({"minor", "escalate"} <= set(e.provenance.labels) for e in entries)
    assert all(e.provenance.metadata.get("escalation") == "immediate" for e in entries)
    page = _status(client, r.json()["case_number"], r.json()["secret"])
    for name in ("3018", "Point de Contact", "PHAROS", "Take It Down"):
        assert name in page.text


def test_public_pages_lead_to_the_portal(portal: tuple[App, WebClient]) -> None:
    _, web = portal
    for path in ("/report", "/report/status", "/protect"):
        page = web.get(path, params={"lang": "en"}).text
        assert 'href="/protect">Protect my images' in page
        assert 'href="/protect/status">Follow my case' in page
    assert "videos of at most 180 minutes" in web.get("/protect", params={"lang": "en"}).text
