"""Scan findings over HTTP: scans, findings filtered and paged, sightings of a banked item."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from http_support import Headers, TestClient
from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.bench.synthetic_export import make_export
from rempart.bench.synthetic_images import photo_bytes

BANKED = photo_bytes(21, (320, 240))


def _scan(tmp_path: Path, url: str) -> None:
    runner = CliRunner()
    original = tmp_path / "banked.jpg"
    original.write_bytes(BANKED)
    app = build_app()
    assert runner.invoke(app, ["bank", "create", "victims", "--db", url]).exit_code == 0
    assert runner.invoke(app, ["bank", "add", "victims", str(original), "--db", url]).exit_code == 0
    export = make_export(tmp_path / "export", messages=60, photos=10, banked=[BANKED],
                         copies_per_banked=2, seed=5)
    result = runner.invoke(app, ["scan", str(export.root), "--db", url, "--workers", "1"])
    assert result.exit_code == 0, result.output


def test_findings_api(tmp_path: Path, sqlite_url: str, sqlite_client: TestClient,
                      auth: Callable[..., Headers]) -> None:
    _scan(tmp_path, sqlite_url)
    headers = auth("findings")
    scans = sqlite_client.get("/api/v1/scans", headers=headers).json()
    assert len(scans) == 1 and scans[0]["status"] == "completed"
    scan_id = scans[0]["id"]
    assert sqlite_client.get(f"/api/v1/scans/{scan_id}", headers=headers).json()["id"] == scan_id
    every = sqlite_client.get(f"/api/v1/scans/{scan_id}/findings", headers=headers).json()
    assert every["total"] >= 2
    matched = sqlite_client.get(f"/api/v1/scans/{scan_id}/findings",
                                params={"has_match": True, "bank": "victims", "limit": 1},
                                headers=headers).json()
    assert matched["total"] >= 2 and len(matched["items"]) == 1
    assert matched["items"][0]["matches"][0]["bank"] == "victims"
    second = sqlite_client.get(f"/api/v1/scans/{scan_id}/findings",
                               params={"has_match": True, "offset": 1, "limit": 1},
                               headers=headers).json()
    assert second["items"] and second["items"][0] != matched["items"][0]
    group = matched["items"][0]["matches"][0]["content_group"]
    seen = sqlite_client.get(f"/api/v1/contents/{group}/sightings", headers=headers).json()
    assert len(seen) >= 2 and {s["scan_id"] for s in seen} == {scan_id}
    assert sqlite_client.get("/api/v1/scans/nope", headers=headers).status_code == 404
    assert sqlite_client.get("/api/v1/scans", headers=auth("match")).status_code == 403
