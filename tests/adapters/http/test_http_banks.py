"""Banks and entries over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from http_support import Headers, TestClient

from rempart.app import App

API = "/api/v1"


def random_pdq(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def test_bank_lifecycle(client: TestClient, auth: Callable[..., Headers]) -> None:
    w, r = auth("banks:write", "banks:read"), auth("banks:read")
    created = client.post(f"{API}/banks", json={"name": "victims", "kind": "victim"}, headers=w)
    assert created.status_code == 201, created.text
    assert created.json()["policy"] == "review"
    again = client.post(f"{API}/banks", json={"name": "victims"}, headers=w)
    assert again.status_code == 409 and again.json()["code"] == "bank_exists"
    bad = client.post(f"{API}/banks", json={"name": "no spaces"}, headers=w)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "name"]
    assert [b["name"] for b in client.get(f"{API}/banks", headers=r).json()] == ["victims"]
    assert client.get(f"{API}/banks/victims", headers=r).json()["entries"]["active"] == 0
    missing = client.get(f"{API}/banks/nope", headers=r)
    assert missing.status_code == 404 and missing.json()["code"] == "bank_not_found"
    assert client.post(f"{API}/banks/nope/signals", json={"signals": []}, headers=w).status_code \
        == 404


def test_bulk_add_match_and_withdraw(client: TestClient, auth: Callable[..., Headers]) -> None:
    w, m = auth("banks:write", "banks:read"), auth("match", "cases")  # entry numbers
    client.post(f"{API}/banks", json={"name": "partner", "kind": "partner"}, headers=w)
    rng = random.Random(7)
    hashes = [random_pdq(rng) for _ in range(5000)]
    body = {"signals": [{"signal_type": "pdq", "signal_value": h, "labels": ["test"]}
                        for h in hashes], "source": "unit"}
    added = client.post(f"{API}/banks/partner/signals", json=body, headers=w)
    assert added.status_code == 201, added.text
    out = added.json()
    assert out["added"] == 5000 and len(out["ids"]) == 5000 and out["duplicates"] == 0
    again = client.post(f"{API}/banks/partner/signals", json=body, headers=w).json()
    assert again["added"] == 0 and again["duplicates"] == 5000
    # A near copy (4 bits flipped) of the 1234th hash matches at once, with its provenance.
    target = int(hashes[1234], 16) ^ 0b1111
    r = client.post(f"{API}/match", json={"pdq": f"{target:064x}"}, headers=m)
    assert r.status_code == 200, r.text
    (match,) = r.json()["matches"]
    assert match["entry"] == out["ids"][1234] and match["distance"] == 4
    assert match["bank"] == "partner" and match["labels"] == ["test"]
    entry = client.get(f"{API}/banks/partner/entries/{match['entry']}", headers=w).json()
    assert entry["signal_value"] == hashes[1234] and "source" not in entry  # moderators only
    entry = client.get(f"{API}/banks/partner/entries/{match['entry']}",
                       headers=auth("banks:read", "cases")).json()
    assert entry["source"] == "unit"
    # Withdrawn: it stops matching with the very next request.
    gone = client.delete(f"{API}/banks/partner/entries/{match['entry']}",
                         params={"reason": "withdrawn"}, headers=w)
    assert gone.json() == {"removed": 1}
    assert client.post(f"{API}/match", json={"pdq": f"{target:064x}"}, headers=m).json()[
        "matches"] == []
    assert client.delete(f"{API}/banks/partner/entries/99999999", headers=w).status_code == 404
    # All or nothing: one bad row rejects the request, naming it.
    bad = {"signals": [{"signal_type": "pdq", "signal_value": random_pdq(rng)},
                       {"signal_type": "pdq", "signal_value": "xyz"}]}
    r = client.post(f"{API}/banks/partner/signals", json=bad, headers=w)
    assert r.status_code == 422 and r.json()["detail"].startswith("signals[1]: invalid pdq")
    counts = client.get(f"{API}/banks/partner", headers=w).json()["entries"]
    assert counts == {"active": 4999, "on_hold": 0, "removed": 1}


def test_import_export_and_delete(client: TestClient, auth: Callable[..., Headers]) -> None:
    w, m = auth("banks:write", "banks:read"), auth("match")
    client.post(f"{API}/banks", json={"name": "hotline"}, headers=w)
    rng = random.Random(3)
    rows = [random_pdq(rng) for _ in range(300)]
    csv_body = "signal_type,signal_value,labels\n" + "".join(f"pdq,{h},csam\n" for h in rows)
    r = client.post(f"{API}/banks/hotline/import", params={"format": "csv"}, content=csv_body,
                    headers={**w, "Content-Type": "text/csv"})
    assert r.status_code == 201 and r.json()["added"] == 300, r.text
    tomb = f'{{"signal_type":"pdq","signal_value":"{rows[0]}","removed":true}}\n'
    r = client.post(f"{API}/banks/hotline/import", params={"format": "jsonl"}, content=tomb,
                    headers={**w, "Content-Type": "application/x-ndjson"})
    assert r.json()["removed"] == 1
    assert client.post(f"{API}/match", json={"pdq": rows[0]}, headers=m).json()["matches"] == []
    bad = client.post(f"{API}/banks/hotline/import", content="pdq,nothex\n", headers=w)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("line 1:")
    exported = client.get(f"{API}/banks/hotline/export", params={"format": "jsonl",
                                                                 "include_removed": True},
                          headers=w)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    lines = exported.text.splitlines()
    assert len(lines) == 300 and sum('"removed":true' in x for x in lines) == 1
    csv_out = client.get(f"{API}/banks/hotline/export", headers=w).text.splitlines()
    assert csv_out[0].startswith("signal_type,signal_value") and len(csv_out) == 300
    assert client.get(f"{API}/banks/nope/export", headers=w).status_code == 404
    refused = client.delete(f"{API}/banks/hotline", headers=w)
    assert refused.status_code == 409 and refused.json()["code"] == "bank_not_empty"
    deleted = client.delete(f"{API}/banks/hotline", params={"force": True}, headers=w)
    assert deleted.json() == {"name": "hotline", "removed_entries": 299}
    assert client.post(f"{API}/match", json={"pdq": rows[5]}, headers=m).json()["matches"] == []
    assert client.get(f"{API}/banks/hotline", headers=w).status_code == 404


def test_malformed_bodies(client: TestClient, auth: Callable[..., Headers]) -> None:
    w = auth("banks:write")
    r = client.post(f"{API}/banks", content=b'{"name": ', headers={**w,
                    "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "malformed"
    r = client.post(f"{API}/banks", json={"kind": "victim"}, headers=w)
    assert r.status_code == 422
    r = client.post(f"{API}/banks/x/import", content=b"\xff\xfe\x00bad", headers=w)
    assert r.status_code in (400, 404)


def test_bulk_body_errors_are_framework_shaped(
    sqlite_client: TestClient, auth: Callable[..., Headers]
) -> None:
    w = auth("banks:write")
    sqlite_client.post(f"{API}/banks", json={"name": "bulk"}, headers=w)
    h = {**w, "Content-Type": "application/json"}
    r = sqlite_client.post(f"{API}/banks/bulk/signals", content=b'{"signals": [', headers=h)
    assert r.status_code == 400, r.text  # malformed JSON: as on every JSON route
    r = sqlite_client.post(f"{API}/banks/bulk/signals", json={"signals": [{"x": 1}]}, headers=w)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:3] == ["body", "signals", 0]
    r = sqlite_client.post(f"{API}/banks/bulk/signals", json={"nope": []}, headers=w)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "signals"]
    many = {"source": "feed", "signals": [{"signal_type": "md5", "signal_value": f"{i:032x}"}
                                          for i in range(1234)]}
    r = sqlite_client.post(f"{API}/banks/bulk/signals", json=many, headers=w)
    assert r.status_code == 201 and r.json()["added"] == 1234


def test_big_bulk_adds_are_written_by_a_background_task(
    app: App, client: TestClient, auth: Callable[..., Headers], monkeypatch: Any
) -> None:
    from rempart.adapters.http.bank_ingest import INGEST_TASK

    tasks = app.runtime.tasks
    real = tasks.submit
    children: list[int] = []

    def spy(task: str, *args: Any) -> Any:
        assert task == INGEST_TASK
        children.append(len(args[-1]))
        return real(task, *args)

    monkeypatch.setattr(tasks, "submit", spy)
    w, m = auth("banks:write", "banks:read"), auth("match", "cases")  # entry numbers
    client.post(f"{API}/banks", json={"name": "feed"}, headers=w)
    rng = random.Random(11)
    hashes = [random_pdq(rng) for _ in range(3000)]
    big = {"signals": [{"signal_type": "pdq", "signal_value": h} for h in hashes]}
    r = client.post(f"{API}/banks/feed/signals", json=big, headers=w)
    assert r.status_code == 201 and r.json()["added"] == 3000 and len(children) == 1
    # Matchable as soon as the answer is back: the parent applied the change feed.
    hit = client.post(f"{API}/match", json={"pdq": hashes[2999]}, headers=m).json()["matches"]
    assert hit[0]["entry"] == r.json()["ids"][2999]
    # The child's errors come back as the same answers.
    big["signals"][2500]["signal_value"] = "xyz"
    bad = client.post(f"{API}/banks/feed/signals", json=big, headers=w)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("signals[2500]: invalid")
    missing = client.post(f"{API}/banks/nope/signals", json=big, headers=w)
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    small = client.post(f"{API}/banks/feed/signals", json={"signals": big["signals"][:3]},
                        headers=w)
    assert small.status_code == 201 and len(children) == 3  # small ones stay in-process
    counts = client.get(f"{API}/banks/feed", headers=w).json()["entries"]
    assert counts["active"] == 3000


def test_only_a_database_other_processes_can_open_is_shared() -> None:
    from rempart.adapters.http.bank_ingest import shared_database

    assert shared_database("sqlite:////tmp/x.sqlite3") and shared_database("sqlite:///rel.db")
    assert shared_database("postgresql://u@h/db")
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"):
        assert not shared_database(url), url


def test_export_gives_each_items_primary_signal_unless_derived_asked(
        client: TestClient, auth: Callable[..., Headers]) -> None:
    from rempart.bench.synthetic_images import photo_bytes

    w = auth("banks:write", "banks:read")
    client.post(f"{API}/banks", json={"name": "photos"}, headers=w)
    added = client.post(f"{API}/banks/photos/media", files={"file": ("a.png", photo_bytes(3))},
                        headers=w)
    assert added.status_code == 201, added.text
    plain = client.get(f"{API}/banks/photos/export", params={"format": "jsonl"}, headers=w)
    records = [json.loads(x) for x in plain.text.splitlines()]
    assert [r["signal_type"] for r in records] == ["pdq"]  # the photo's own PDQ only
    full = client.get(f"{API}/banks/photos/export", params={"format": "jsonl", "derived": True},
                      headers=w)
    labelled = [json.loads(x) for x in full.text.splitlines()]
    assert len(labelled) > 10 and sum(not r.get("derived") for r in labelled) == 1
