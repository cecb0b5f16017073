"""NCMEC into a bank, against an NCMEC-shaped server on loopback read by
python-threatexchange's own client: fill (image PDQ, video MD5), resume mid-paging with the
same window, deleted entries withdrawn by entry id."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from exchange_support import NCMEC_PASSWORD, NCMEC_USER, FakeNCMEC, serve_ncmec
from rempart.adapters.exchanges import source_for
from rempart.core.exchanges import FetchLimits
from rempart.services import banks as bank_svc
from rempart.services.exchanges import exchange_service
from rempart.store import open_store
from rempart.store.sql import SqlBankStore

pytest.importorskip("threatexchange.exchanges.clients.ncmec.hash_api")
ENV = {"TX_NCMEC_CREDENTIALS": f"{NCMEC_USER}:{NCMEC_PASSWORD}"}
PDQ = ["%064x" % (0x7654321 * (i + 1)) for i in range(6)]
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.fixture
def fake() -> Iterator[FakeNCMEC]:
    with serve_ncmec() as f:
        yield f


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlBankStore]:
    s = open_store(sqlite_url)
    yield s
    s.close()


def test_entries_fill_a_bank_then_deletions_withdraw_them(
        store: SqlBankStore, fake: FakeNCMEC, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.add("i1", "image", {"md5": "a" * 32, "sha1": "b" * 40, "pdq": PDQ[0]})
    fake.add("i2", "image", {"pdq": PDQ[1]})
    fake.add("v1", "video", {"md5": MD5})
    fake.add("i3", "image", {"pdq": "nothex"})
    service = exchange_service(store, FetchLimits(max_pages=1))
    service.add("ncmec", "ncmec", "ncmec", url=fake.url)
    report = service.fetch("ncmec", source_for(service.get("ncmec"), ENV))
    assert report.more and report.pages == 1 and report.added == 2
    checkpoint = service.get("ncmec").checkpoint
    assert checkpoint is not None and checkpoint["next"]

    service.limits = FetchLimits()
    report = service.fetch("ncmec", source_for(service.get("ncmec"), ENV))
    assert report.failed is None and report.added == 1 and report.error_count == 1
    assert "start=2" in fake.calls[1]  # resumed inside the same window
    entries = list(bank_svc.list_entries(store, "ncmec"))
    assert {(e.signal_type, e.value) for e in entries} == {
        ("pdq", PDQ[0]), ("pdq", PDQ[1]), ("md5", MD5)}  # image md5 and sha1: not banked
    assert {e.provenance.external_id for e in entries} == {"42-i1", "42-i2", "42-v1"}
    assert all(e.provenance.labels == ("A1",) for e in entries)

    fake.entries = []
    fake.add("i1", "image", {}, deleted=True)
    report = service.fetch("ncmec", source_for(service.get("ncmec"), ENV))
    assert report.withdrawn == 1
    assert {e.value for e in bank_svc.list_entries(store, "ncmec")} == {PDQ[1], MD5}
    assert NCMEC_PASSWORD not in caplog.text


def test_wrong_credentials_fail_cleanly(store: SqlBankStore, fake: FakeNCMEC) -> None:
    service = exchange_service(store)
    service.add("ncmec", "ncmec", "ncmec", url=fake.url)
    report = service.fetch("ncmec", source_for(service.get("ncmec"),
                                               {"TX_NCMEC_CREDENTIALS": "esp-user:nope"}))
    assert report.failed == "NCMEC answered HTTP 401"
