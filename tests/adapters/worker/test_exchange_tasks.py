"""Exchanges on the beat: every exchange fetched (one failing does not stop the others), the
Transparency Database only when asked for."""

from __future__ import annotations

import pytest

from exchange_support import FETCH_KEY, SUBSCRIPTION_KEY, serve
from rempart.adapters.worker.exchange_tasks import EXCHANGES, STATEMENTS
from rempart.app import build, worker_celery
from rempart.config import ScheduleSettings, Settings
from rempart.services import banks as bank_svc

pytest.importorskip("threatexchange.exchanges.clients.stopncii.api")
PDQ = "0123456789abcdef" * 4


def test_the_beat_fetches_exchanges_hourly_and_statements_only_when_asked() -> None:
    beat = worker_celery(Settings()).conf.beat_schedule
    assert beat["exchanges"] == {"task": EXCHANGES, "schedule": 3600.0}
    assert "statements" not in beat and "purge" in beat
    asked = worker_celery(Settings(schedule=ScheduleSettings(exchanges_seconds=0,
                                                             statements_seconds=900)))
    assert "exchanges" not in asked.conf.beat_schedule
    assert asked.conf.beat_schedule["statements"]["schedule"] == 900


def test_every_exchange_is_fetched_and_a_failing_one_is_reported(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TX_STOPNCII_KEYS", f"{FETCH_KEY},{SUBSCRIPTION_KEY}")
    monkeypatch.delenv("TX_NCMEC_CREDENTIALS", raising=False)
    settings = Settings(database_url=sqlite_url)
    app = build(settings)
    try:
        with serve() as fake:
            fake.add("ImagePDQ", PDQ, ts=100)
            app.exchanges.add("ncmec", "ncmec", "ncmec-bank")  # no credentials here
            app.exchanges.add("sncii", "stopncii", "stopncii", url=fake.url)
            done = worker_celery(settings, app).tasks[EXCHANGES].delay().get()
        by_name = {d["exchange"]: d for d in done}
        assert by_name["ncmec"]["failed"] and "TX_NCMEC_CREDENTIALS" in by_name["ncmec"]["failed"]
        assert by_name["sncii"]["fetch"]["added"] == 1 and "failed" not in by_name["sncii"]
        assert [e.value for e in bank_svc.list_entries(app.store, "stopncii")] == [PDQ]
        assert FETCH_KEY not in repr(done)
    finally:
        app.close()


def test_statements_without_a_token_fail_plainly(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REMPART_TDB_TOKEN", raising=False)
    settings = Settings(database_url=sqlite_url)
    app = build(settings)
    try:
        with pytest.raises(Exception, match="REMPART_TDB_TOKEN"):
            worker_celery(settings, app).tasks[STATEMENTS].delay().get()
    finally:
        app.close()
