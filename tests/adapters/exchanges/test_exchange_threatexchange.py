"""ThreatExchange (``fb_threatexchange``) into a bank, against a Graph-API-shaped
``threat_updates`` endpoint (httpx MockTransport): fill, page by cursor, resume, withdraw by
``should_delete``; the token travels in a header, never in a URL or a log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rempart.adapters.exchanges import source_for
from rempart.adapters.exchanges.threatexchange import ThreatExchangeSource
from rempart.core.exchanges import FetchLimits
from rempart.services import banks as bank_svc
from rempart.services.exchanges import exchange_service
from rempart.store import open_store
from rempart.store.sql import SqlBankStore

TOKEN = "1234567890|app-secret-s3cr3t-0004"
GROUP_URL = "https://graph.example/v26.0/987654"
PDQ = ["%064x" % (0x3456789 * (i + 1)) for i in range(5)]


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlBankStore]:
    s = open_store(sqlite_url)
    yield s
    s.close()


class FakeGraph:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != f"OAuth {TOKEN}":
            return httpx.Response(401, json={"error": {"message": "bad token"}})
        assert request.url.path == "/v26.0/987654/threat_updates/"
        start = int(request.url.params["start_time"])
        after = int(request.url.params.get("after") or 0)
        limit = int(request.url.params["limit"])
        live = [u for u in self.updates if u["last_updated"] >= start]
        page = live[after:after + limit]
        body: dict[str, Any] = {"data": page}
        if after + limit < len(live):
            body["paging"] = {"cursors": {"after": str(after + limit)},
                              "next": f"https://graph.example/next?access_token=x&after="
                                      f"{after + limit}"}
        return httpx.Response(200, json=body)

    def add(self, id_: str, kind: str, value: str, ts: int, delete: bool = False) -> None:
        self.updates.append({"id": id_, "indicator": value, "type": kind, "last_updated": ts,
                             "should_delete": delete, "tags": ["ncii"]})


def test_threat_updates_fill_resume_and_withdraw(
        store: SqlBankStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    graph = FakeGraph()
    for i in range(3):
        graph.add(f"d{i}", "HASH_PDQ", PDQ[i], ts=100 + i)
    graph.add("u1", "URI", "https://example.org", ts=103)
    service = exchange_service(store, FetchLimits(page_size=2))
    service.add("te", "fb_threatexchange", "te", url=GROUP_URL)
    source = ThreatExchangeSource(GROUP_URL, TOKEN, transport=httpx.MockTransport(graph))
    report = service.fetch("te", source)
    assert (report.pages, report.added, report.skipped, report.failed) == (2, 3, 1, None)
    entries = list(bank_svc.list_entries(store, "te"))
    assert {e.provenance.external_id for e in entries} == {"d0", "d1", "d2"}
    assert all(e.provenance.labels == ("ncii",) for e in entries)

    graph.add("d0", "HASH_PDQ", PDQ[0], ts=10**10, delete=True)
    graph.add("d4", "HASH_VIDEO_MD5", "d41d8cd98f00b204e9800998ecf8427e", ts=10**10)
    report = service.fetch("te", source)
    assert report.withdrawn == 1 and report.added == 1
    assert {e.value for e in bank_svc.list_entries(store, "te")} == {
        PDQ[1], PDQ[2], "d41d8cd98f00b204e9800998ecf8427e"}
    assert all("access_token" not in str(r.url) and TOKEN not in str(r.url)
               for r in graph.requests)
    assert TOKEN not in caplog.text and "1234567890" not in caplog.text


def test_the_kind_needs_the_group_url_and_the_token(store: SqlBankStore) -> None:
    from rempart.services.errors import InvalidArgument

    service = exchange_service(store)
    with pytest.raises(InvalidArgument, match="privacy group"):
        service.add("te", "fb_threatexchange", "te")
    service.add("te", "fb_threatexchange", "te", url=GROUP_URL)
    assert repr(source_for(service.get("te"), {"TX_ACCESS_TOKEN": TOKEN})).count(TOKEN) == 0
