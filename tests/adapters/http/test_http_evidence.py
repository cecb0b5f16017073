"""POST /api/v1/evidence: the ZIP of chosen findings for a ``findings`` token (audited with
the token's name), 422 for unknown ids or a bad body, 403 without the scope."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

from http_support import Headers, TestClient

from evidence_support import seed_case_and_findings
from rempart.app import App
from rempart.store.audit import AuditFilter, SqlAuditLog


def test_evidence_api(sqlite_app: App, sqlite_client: TestClient,
                      auth: Callable[..., Headers]) -> None:
    seeded = seed_case_and_findings(sqlite_app)
    headers = auth("findings")
    ids = [seeded.ids["second"], seeded.ids["first"]]
    got = sqlite_client.post("/api/v1/evidence", json={"finding_ids": ids, "language": "en"},
                             headers=headers)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    assert got.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        package = json.loads(archive.read("package.json"))
    assert package["audience"]["requested_by"] == "token:test" and package["language"] == "en"
    assert [e["finding_id"] for e in package["timeline"]] == sorted(ids)
    audit = SqlAuditLog(sqlite_app.store.engine).list_audit(
        AuditFilter(action="evidence.findings"), 10, 0).items
    assert [(a.entry.actor_type, a.entry.actor_id) for a in audit] == [("token", "token:test")]

    unknown = sqlite_client.post("/api/v1/evidence", json={"finding_ids": [999_999]},
                                 headers=headers)
    assert unknown.status_code == 422 and "999999" in unknown.json()["detail"]
    bad: list[dict[str, object]] = [{"finding_ids": []}, {"finding_ids": [1], "language": "de"},
                                    {"x": 1}]
    for body in bad:
        assert sqlite_client.post("/api/v1/evidence", json=body,
                                  headers=headers).status_code == 422
    refused = sqlite_client.post("/api/v1/evidence", json={"finding_ids": ids},
                                 headers=auth("match"))
    assert refused.status_code == 403
