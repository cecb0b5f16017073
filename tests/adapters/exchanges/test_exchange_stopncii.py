"""StopNCII into a bank, against a StopNCII-shaped server on loopback read by
python-threatexchange's own client: fill, resume, withdrawals, bad records, hostile servers,
credentials never stored nor logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from exchange_support import FETCH_KEY, SUBSCRIPTION_KEY, FakeStopNCII, serve
from rempart.adapters.exchanges import source_for
from rempart.bench.synthetic_images import photo_bytes
from rempart.core.banks import BankKind, BankPolicy
from rempart.core.exchanges import FetchLimits
from rempart.core.media_signals import hash_bytes
from rempart.services import banks as bank_svc
from rempart.services.exchanges import ExchangeService, ExchangeSourceError, exchange_service
from rempart.services.matching import MatchService
from rempart.store import open_store
from rempart.store.sql import SqlBankStore

pytest.importorskip("threatexchange.exchanges.clients.stopncii.api")
ENV = {"TX_STOPNCII_KEYS": f"{FETCH_KEY},{SUBSCRIPTION_KEY}"}
PDQ = ["%064x" % (0x1234567 * (i + 1)) for i in range(10)]
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.fixture
def fake() -> Iterator[FakeStopNCII]:
    with serve() as f:
        yield f


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlBankStore]:
    s = open_store(sqlite_url)
    yield s
    s.close()


def _service(store: SqlBankStore, fake: FakeStopNCII, **limits: Any) -> ExchangeService:
    service = exchange_service(store, FetchLimits(**limits))
    if service.store.get_exchange("sncii") is None:
        service.add("sncii", "stopncii", "stopncii", url=fake.url)
    return service


def _fetch(service: ExchangeService, env: dict[str, str] = ENV) -> Any:
    return service.fetch("sncii", source_for(service.get("sncii"), env))


def _values(store: SqlBankStore) -> set[str]:
    return {e.value for e in bank_svc.list_entries(store, "stopncii")}


def test_fetch_fills_a_review_bank_with_provenance_then_resumes(db_url: str) -> None:
    store = open_store(db_url)
    try:
        with serve() as fake:
            for i in range(5):
                fake.add("ImagePDQ", PDQ[i], ts=100 + i)
            fake.add("VideoMD5", MD5, ts=105)
            fake.add("URL", "https://example.org/x", ts=106)
            service = _service(store, fake, page_size=2)
            report = _fetch(service)
            assert (report.pages, report.added, report.skipped, report.failed) == (4, 6, 1, None)
            bank = bank_svc.get_bank(store, "stopncii")
            assert bank.policy is BankPolicy.REVIEW  # third-party signals: review, not block
            entry = next(e for e in bank_svc.list_entries(store, "stopncii")
                         if e.signal_type == "md5")
            assert entry.provenance.source == "sncii"
            assert entry.provenance.external_id == f"VideoMD5:{MD5}"
            assert service.get("sncii").checkpoint == {"update_time": 107, "next_page": ""}

            fake.calls.clear()
            fake.add("ImagePDQ", PDQ[6], ts=200)
            report = _fetch(service)
            assert report.added == 1 and report.pages == 1
            assert fake.calls[0]["startTimestamp"] == "107"  # from the checkpoint
            assert len(_values(store)) == 7
    finally:
        store.close()


def test_a_withdrawal_at_the_source_stops_a_match_within_one_fetch(
        store: SqlBankStore, fake: FakeStopNCII) -> None:
    photo = photo_bytes(11, (800, 600))
    pdq = hash_bytes(photo).pdq
    assert pdq is not None
    fake.add("ImagePDQ", pdq.hash, ts=100)
    fake.add("ImagePDQ", PDQ[1], ts=100)
    service = _service(store, fake)
    _fetch(service)
    matching = MatchService(store)
    matching.load()
    (match,) = matching.match_bytes(photo).matches
    assert match.bank == "stopncii" and match.action == "review"

    fake.add("ImagePDQ", pdq.hash, ts=150, status="Withdrawn")
    fake.add("ImagePDQ", PDQ[1], ts=150, status="Active", cases={"c1": "Deleted"})
    report = _fetch(service)
    assert report.withdrawn == 2
    matching.refresh()
    assert matching.match_bytes(photo).matches == ()
    assert _values(store) == set()


def test_a_bad_record_is_reported_and_the_rest_goes_on(
        store: SqlBankStore, fake: FakeStopNCII) -> None:
    fake.add("ImagePDQ", PDQ[0], ts=100)
    fake.add("ImagePDQ", "not-a-pdq-hash", ts=101)
    fake.add("Bogus", PDQ[2], ts=102)  # python-threatexchange's parsing drops it
    fake.add("ImagePDQ", PDQ[3], ts=103)
    report = _fetch(_service(store, fake))
    assert report.added == 2 and report.failed is None and report.error_count == 2
    assert any("not-a-pdq-hash" in e and "invalid pdq" in e for e in report.errors)
    assert any("1 record(s) of this page unreadable" in e for e in report.errors)
    assert _values(store) == {PDQ[0], PDQ[3]}


def test_a_crash_between_pages_resumes_after_the_last_page_stored(
        store: SqlBankStore, fake: FakeStopNCII) -> None:
    for i in range(6):
        fake.add("ImagePDQ", PDQ[i], ts=100 + i)
    service = _service(store, fake, page_size=2)
    original = service.store.apply_page
    pages = 0

    def crash_on_the_second_page(*args: Any, **kw: Any) -> Any:
        nonlocal pages
        pages += 1
        if pages == 2:
            raise RuntimeError("power cut")
        return original(*args, **kw)

    service.store.apply_page = crash_on_the_second_page  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        _fetch(service)
    assert _values(store) == {PDQ[0], PDQ[1]}  # the first page and its checkpoint, together
    assert service.get("sncii").checkpoint == {"update_time": 10, "next_page": "2"}
    service.store.apply_page = original  # type: ignore[method-assign]
    fake.calls.clear()
    report = _fetch(service)
    assert fake.calls[0]["nextPageToken"] == "2" and report.added == 4
    assert _values(store) == set(PDQ[:6])


@pytest.mark.parametrize("mode, limits, message", [
    ("huge", {"max_page_bytes": 1_000_000}, "more than 1000000 bytes"),
    ("drip", {"max_seconds": 1.0, "timeout_seconds": 5.0}, "time is up"),
    ("redirect", {}, "redirect"),
])
def test_a_hostile_server_cannot_hold_the_fetch(
        store: SqlBankStore, fake: FakeStopNCII, mode: str, limits: dict[str, Any],
        message: str) -> None:
    fake.add("ImagePDQ", PDQ[0], ts=100)
    service = _service(store, fake, **limits)
    fake.mode = mode
    report = _fetch(service)
    assert report.failed is not None and message in report.failed
    assert service.get("sncii").last_error == report.failed
    assert _values(store) == set()


def test_endless_pagination_stops_at_the_page_limit(
        store: SqlBankStore, fake: FakeStopNCII) -> None:
    service = _service(store, fake, max_pages=5)
    fake.mode = "endless"
    report = _fetch(service)
    assert report.pages == 5 and report.more and report.failed is None
    assert len(fake.calls) == 5


def test_credentials_come_from_the_environment_never_stored_nor_logged(
        store: SqlBankStore, fake: FakeStopNCII, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.add("ImagePDQ", PDQ[0], ts=100)
    fake.add("ImagePDQ", "zz", ts=101)
    service = _service(store, fake)
    with pytest.raises(ExchangeSourceError, match="TX_STOPNCII_KEYS is not set"):
        source_for(service.get("sncii"), {})
    with pytest.raises(ExchangeSourceError) as bad:
        source_for(service.get("sncii"), {"TX_STOPNCII_KEYS": FETCH_KEY})
    assert FETCH_KEY not in str(bad.value)
    wrong = _fetch(service, {"TX_STOPNCII_KEYS": f"{FETCH_KEY},{SUBSCRIPTION_KEY}x"})
    assert wrong.failed is not None and "401" in wrong.failed
    report = _fetch(service)
    assert report.added == 1
    assert caplog.records  # something was logged, with no key in it
    for secret in (FETCH_KEY, SUBSCRIPTION_KEY):
        assert secret not in caplog.text and secret not in repr(source_for(
            service.get("sncii"), ENV))
        assert secret not in str(report.to_json()) and secret not in str(wrong.to_json())
    with store.engine.connect() as conn:
        dump = str([tuple(r) for table in ("exchanges", "banks", "bank_entries")
                    for r in conn.execute(text(f"SELECT * FROM {table}"))])
    assert FETCH_KEY not in dump and SUBSCRIPTION_KEY not in dump


def test_an_exchange_url_never_carries_credentials(store: SqlBankStore) -> None:
    from rempart.services.errors import InvalidArgument

    service = exchange_service(store)
    with pytest.raises(InvalidArgument, match="never carries credentials"):
        service.add("x", "stopncii", "x", url="https://key:secret@api.example.org/v1")
    bank_svc.create_bank(store, "victims", kind=BankKind.VICTIM)
    with pytest.raises(InvalidArgument, match="victim bank"):
        service.add("y", "stopncii", "victims")


def test_a_removed_bank_stops_the_fetch_cleanly(store: SqlBankStore, fake: FakeStopNCII) -> None:
    fake.add("ImagePDQ", PDQ[0], ts=100)
    service = _service(store, fake)
    bank_svc.remove_bank(store, "stopncii", force=True)
    report = _fetch(service)
    assert report.failed is not None and "was removed" in report.failed
    assert service.get("sncii").last_error == report.failed


def test_a_signal_a_moderator_rejected_is_not_brought_back(store: SqlBankStore,
                                                           fake: FakeStopNCII) -> None:
    from rempart.core.banks import moderator_withdrawal

    fake.add("ImagePDQ", PDQ[0], ts=100)
    fake.add("ImagePDQ", PDQ[1], ts=101)
    service = _service(store, fake)
    _fetch(service)
    rejected = next(e for e in bank_svc.list_entries(store, "stopncii") if e.value == PDQ[0])
    store.remove_entries([rejected.id], moderator_withdrawal("mod-a", "review 7"))
    fake.add("ImagePDQ", PDQ[0], ts=200)  # the source sends it again (an update)
    fake.add("ImagePDQ", PDQ[1], ts=201, status="Withdrawn")  # withdrawn at the source…
    _fetch(service)
    assert _values(store) == set()
    fake.add("ImagePDQ", PDQ[1], ts=300)  # …then back at the source: it comes back
    _fetch(service)
    assert _values(store) == {PDQ[1]}  # the rejected one stays out
