"""Text classification, /healthz and /metrics over HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable

from http_support import Headers, TestClient

API = "/api/v1"


def test_classify_one_and_many(sqlite_client: TestClient, auth: Callable[..., Headers]) -> None:
    m = auth("match")
    text = "Qui a des nudes de la meuf du 93 ?"
    one = sqlite_client.post(f"{API}/text/classify", json={"text": text}, headers=m)
    assert one.status_code == 200
    assert one.json()["verdict"]["labels"] == ["ncii_request"]
    many = sqlite_client.post(f"{API}/text/classify",
                              json={"texts": ["échange nudes d'ex", "bonjour à tous"]}, headers=m)
    labels = [v["labels"] for v in many.json()["verdicts"]]
    assert labels == [["ncii_share"], []]
    for body in ({}, {"text": "a", "texts": ["b"]}, {"texts": "not a list"}):
        assert sqlite_client.post(f"{API}/text/classify", json=body, headers=m).status_code == 422


PROM_LINE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? [0-9.e+-]+|\+Inf$')


def test_metrics_text_format(sqlite_client: TestClient, auth: Callable[..., Headers]) -> None:
    m, w = auth("match"), auth("banks:write")
    sqlite_client.post(f"{API}/banks", json={"name": "mod"}, headers=w)
    pdq = "a" * 64
    sqlite_client.post(f"{API}/banks/mod/signals",
                       json={"signals": [{"signal_type": "pdq", "signal_value": pdq}]}, headers=w)
    for _ in range(3):
        assert sqlite_client.post(f"{API}/match", json={"pdq": pdq}, headers=m).json()["matches"]
    assert sqlite_client.get("/metrics", headers=m).status_code == 403
    r = sqlite_client.get("/metrics", headers=auth("metrics"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    for line in lines:
        assert line.startswith(("# HELP ", "# TYPE ")) or PROM_LINE.match(line), line
    text = r.text
    assert 'rempart_http_requests_total{route="/api/v1/match",method="POST",status="200"} 3' in text
    assert 'rempart_matches_total{bank="mod"} 3' in text
    assert 'rempart_index_signals{signal_type="pdq"} 1' in text
    assert "rempart_change_feed_lag_changes 0" in text
    prefix = 'rempart_http_request_duration_seconds_bucket{route="/api/v1/match"'
    buckets = [int(x.rsplit(" ", 1)[1]) for x in lines if x.startswith(prefix)]
    assert buckets == sorted(buckets) and buckets[-1] == 3
    assert 'route="unmatched"' not in text
    sqlite_client.get("/no/such/path")
    assert 'route="unmatched"' in sqlite_client.get("/metrics", headers=auth("metrics")).text


def test_healthz(sqlite_client: TestClient) -> None:
    body = sqlite_client.get("/healthz").json()
    assert body == {"status": "ok", "indexed": 0, "seq": body["seq"]}
