"""Authentication, scopes and rate limits of every route."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from http_support import Headers, TestClient, bearer, make_app

from rempart.app import App, create_http_app
from rempart.store.tokens import SCOPES

PUBLIC = {"/healthz", "/livez", "/readyz", "/docs", "/openapi.json", "/docs/oauth2-redirect",
          "/redoc", "/api/v1/notices/status", "/api/v1/notices/appeal"}  # + POST /api/v1/notices
# Route → the scope it needs.
SCOPE_OF = {
    ("POST", "/api/v1/hash"): "hash",
    ("POST", "/api/v1/match"): "match",
    ("POST", "/api/v1/text/classify"): "match",
    ("GET", "/api/v1/banks"): "banks:read",
    ("POST", "/api/v1/banks"): "banks:write",
    ("GET", "/api/v1/banks/{name}"): "banks:read",
    ("DELETE", "/api/v1/banks/{name}"): "banks:write",
    ("POST", "/api/v1/banks/{name}/signals"): "banks:write",
    ("POST", "/api/v1/banks/{name}/media"): "banks:write",
    ("GET", "/api/v1/banks/{name}/entries/{entry_id}"): "banks:read",
    ("DELETE", "/api/v1/banks/{name}/entries/{entry_id}"): "banks:write",
    ("POST", "/api/v1/banks/{name}/import"): "banks:write",
    ("GET", "/api/v1/banks/{name}/export"): "banks:read",
    ("POST", "/api/v1/tokens"): "admin",
    ("GET", "/api/v1/tokens"): "admin",
    ("DELETE", "/api/v1/tokens/{token_id}"): "admin",
    ("GET", "/metrics"): "metrics",
    ("GET", "/api/v1/notices"): "notices",
    ("GET", "/api/v1/notices/{case_number}"): "notices",
    ("POST", "/api/v1/notices/{case_number}/assign"): "notices",
    ("POST", "/api/v1/notices/{case_number}/decision"): "notices",
    ("POST", "/api/v1/notices/{case_number}/appeal-decision"): "notices",
    ("GET", "/api/v1/statements"): "notices",
    ("GET", "/api/v1/decisions"): "notices",
    ("GET", "/api/v1/appeals"): "notices",
    ("GET", "/api/v1/audit"): "audit",
    ("GET", "/api/v1/cases"): "cases",
    ("GET", "/api/v1/cases/{item_id}"): "cases",
    ("GET", "/api/v1/scans"): "findings",
    ("GET", "/api/v1/scans/{scan_id}"): "findings",
    ("GET", "/api/v1/scans/{scan_id}/findings"): "findings",
    ("GET", "/api/v1/contents/{content_group}/sightings"): "findings",
    ("POST", "/api/v1/evidence"): "findings",
}


# A person decides these, in the console: every token is refused, even with the scope.
PERSON_ONLY = {("POST", "/api/v1/notices/{case_number}/decision"),
               ("POST", "/api/v1/notices/{case_number}/appeal-decision")}


def _routes(client: TestClient) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [(m.upper(), p) for p, ops in paths.items() for m in ops
            if p not in PUBLIC and (m, p) != ("post", "/api/v1/notices")]


def _url(path: str) -> str:
    return (path.replace("{name}", "demo").replace("{entry_id}", "1")
            .replace("{token_id}", "999").replace("{item_id}", "1").replace("{scan_id}", "nope")
            .replace("{content_group}", "0" * 32))


def test_every_route_is_known_and_needs_a_token(sqlite_client: TestClient) -> None:
    routes = _routes(sqlite_client)
    assert set(routes) == set(SCOPE_OF)
    for method, path in routes:
        for headers in ({}, bearer("rmp_not-a-token"), {"Authorization": "Basic eDp5"}):
            r = sqlite_client.request(method, _url(path), headers=headers)
            assert r.status_code == 401, (method, path, headers, r.text)
            assert r.headers["www-authenticate"] == "Bearer"


def test_public_routes(sqlite_client: TestClient) -> None:
    assert sqlite_client.get("/healthz").json()["status"] == "ok"
    assert sqlite_client.get("/livez").json() == {"status": "alive"}
    assert sqlite_client.get("/readyz").json()["status"] == "ready"
    assert sqlite_client.get("/openapi.json").json()["info"]["title"] == "Rempart"
    assert sqlite_client.get("/docs").status_code == 200


@pytest.mark.parametrize("scope", SCOPES[:-1])
def test_a_missing_scope_is_forbidden(
    sqlite_client: TestClient, auth: Callable[..., Headers], scope: str
) -> None:
    headers = auth(scope)
    for (method, path), needed in SCOPE_OF.items():
        r = sqlite_client.request(method, _url(path), headers=headers)
        if needed == scope and (method, path) in PERSON_ONLY:
            assert r.json()["code"] == "person_required", (method, path)
        elif needed == scope:
            assert r.status_code != 403, (method, path)
        else:
            assert r.status_code == 403, (method, path, r.text)


def test_admin_has_every_scope(sqlite_client: TestClient, auth: Callable[..., Headers]) -> None:
    headers = auth("admin")
    for method, path in SCOPE_OF:
        r = sqlite_client.request(method, _url(path), headers=headers)
        if (method, path) in PERSON_ONLY:
            assert r.json()["code"] == "person_required"
        else:
            assert r.status_code not in (401, 403), (method, path)


def test_rate_limit_per_token(sqlite_client: TestClient, auth: Callable[..., Headers]) -> None:
    slow = auth("banks:read", rate=0.001, burst=2)
    other = auth("banks:read")
    assert sqlite_client.get("/api/v1/banks", headers=slow).status_code == 200
    assert sqlite_client.get("/api/v1/banks", headers=slow).status_code == 200
    r = sqlite_client.get("/api/v1/banks", headers=slow)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert sqlite_client.get("/api/v1/banks", headers=other).status_code == 200


def test_tokens_through_the_api(sqlite_client: TestClient, auth: Callable[..., Headers]) -> None:
    admin = auth("admin")
    r = sqlite_client.post("/api/v1/tokens", json={"name": "platform", "scopes": ["match"]},
                           headers=admin)
    assert r.status_code == 201
    created = r.json()
    assert created["secret"].startswith("rmp_")
    assert created["token"]["scopes"] == ["match"]
    listed = sqlite_client.get("/api/v1/tokens", headers=admin).json()
    assert "secret" not in str(listed) and created["secret"] not in str(listed)
    new = bearer(created["secret"])
    assert sqlite_client.post("/api/v1/match", json={"md5": "0" * 32}, headers=new).status_code \
        == 200
    assert sqlite_client.get("/api/v1/banks", headers=new).status_code == 403
    tid = created["token"]["id"]
    assert sqlite_client.delete(f"/api/v1/tokens/{tid}", headers=admin).status_code == 204
    assert sqlite_client.post("/api/v1/match", json={"md5": "0" * 32}, headers=new).status_code \
        == 401
    assert sqlite_client.delete(f"/api/v1/tokens/{tid}", headers=admin).status_code == 404
    bad = sqlite_client.post("/api/v1/tokens", json={"name": "x", "scopes": ["root"]},
                             headers=admin)
    assert bad.status_code == 422 and "'root'" in bad.json()["detail"][0]["msg"]


def test_secrets_are_stored_hashed(sqlite_app: App) -> None:
    token, secret = sqlite_app.tokens.create("t", ["match"])
    with sqlite_app.store.engine.connect() as conn:
        dump = "\n".join(str(tuple(r)) for r in conn.exec_driver_sql("SELECT * FROM api_tokens"))
    assert secret not in dump
    assert sqlite_app.tokens.find(secret) == token


def test_two_apps_share_limits(sqlite_url: str) -> None:
    """A token's bucket lives in the database: a second process finds it spent."""
    first, second = make_app(sqlite_url, rate_burst=1), make_app(sqlite_url, rate_burst=1)
    try:
        _, secret = first.tokens.create("shared", ["banks:read"], rate_per_second=0.001)
        with TestClient(create_http_app(first)) as a, TestClient(create_http_app(second)) as b:
            assert a.get("/api/v1/banks", headers=bearer(secret)).status_code == 200
            assert a.get("/api/v1/banks", headers=bearer(secret)).status_code == 429
            assert b.get("/api/v1/banks", headers=bearer(secret)).status_code == 429
    finally:
        first.close()
        second.close()
