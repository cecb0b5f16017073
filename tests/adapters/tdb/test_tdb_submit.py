"""Statements of reasons to a Transparency-Database-shaped server on loopback, through the
outbox service and the HTTP client, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from rempart.adapters.tdb import TdbClient, tdb_client_for
from rempart.services.notices import NoticeService
from rempart.services.transparency import StatementService, TdbUnavailable, statement_service
from rempart.services.transparency.statements import MAX_ATTEMPTS
from rempart.store.sql import open_store
from tdb_support import (
    TOKEN,
    VICTIM_EMAIL,
    VICTIM_NAME,
    FakeTdb,
    decide_notices,
    notice_service,
    serve,
)


@pytest.fixture
def fake() -> Iterator[FakeTdb]:
    with serve() as f:
        yield f


@pytest.fixture
def notices(db_url: str) -> Iterator[NoticeService]:
    service = notice_service(db_url)
    yield service
    service.audit_log.engine.dispose()  # type: ignore[attr-defined]  # shared engine


@pytest.fixture
def service(db_url: str, notices: NoticeService) -> Iterator[StatementService]:
    store = open_store(db_url)
    yield statement_service(store)
    store.close()


def _dump(url: str) -> str:
    engine = create_engine(url)
    out = []
    with engine.connect() as conn:
        tables = ("tdb_submissions", "deployment_secrets", "audit_events", "decisions")
        for table in tables:
            out += [repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}"))]
    engine.dispose()
    return "\n".join(out)


def test_a_batch_is_accepted_and_recorded_once(
        fake: FakeTdb, notices: NoticeService, service: StatementService, db_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    decide_notices(notices, 150)
    report = service.submit(TdbClient(fake.url, TOKEN))
    assert report.queued == 150
    assert [(b.size, b.accepted, b.refused) for b in report.batches] == [(100, 100, 0),
                                                                         (50, 50, 0)]
    assert len(fake.stored) == 150 and report.outbox["submitted"] == 150
    assert [r["path"] for r in fake.requests] == ["/api/v1/statements"] * 2
    sent = fake.requests[0]["body"]["statements"][0]
    assert sent["automated_detection"] == "No" and sent["puid"].startswith("rmp-")
    assert sent["category"] == "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN"
    assert sent["category_specification"] == ["KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"]
    # The puid reveals neither the case number nor a count.
    assert "RMP" not in json.dumps(fake.requests) and len({*fake.stored}) == 150

    again = service.submit(TdbClient(fake.url, TOKEN))  # nothing new: nothing sent
    assert again.queued == 0 and again.batches == [] and len(fake.requests) == 2

    # The token is in no log (DEBUG included) and nowhere in the database; no personal data
    # or media in what was sent.
    assert TOKEN not in caplog.text and TOKEN not in _dump(db_url)
    wire = json.dumps([r["body"] for r in fake.requests])
    for private in (VICTIM_EMAIL, VICTIM_NAME, "t.me", "7370242911", "pdq", "sha256"):
        assert private not in wire
    assert all(r["headers"]["Authorization"] == f"Bearer {TOKEN}" for r in fake.requests)


def test_the_puid_is_stable_and_a_duplicate_counts_as_submitted(
        fake: FakeTdb, notices: NoticeService, service: StatementService, db_url: str) -> None:
    decide_notices(notices, 3)
    fake.mode = "error500"
    failed = service.submit(TdbClient(fake.url, TOKEN))
    assert failed.batches[0].unsent == 3 and "HTTP 500" in (failed.batches[0].error or "")
    first_puids = [s["puid"] for s in fake.requests[0]["body"]["statements"]]
    # The server had stored one of them before failing (say, a lost answer).
    fake.mode = "normal"
    fake.stored[first_puids[1]] = {"puid": first_puids[1], "uuid": "u"}
    report = service.submit(TdbClient(fake.url, TOKEN))
    retried = [s["puid"] for s in fake.requests[1]["body"]["statements"]]
    assert retried == first_puids  # the same puids, tried again
    assert report.batches[0].accepted == 2 and report.batches[0].duplicates == 1
    assert report.outbox == {"submitted": 3, "pending": 0, "given_up": 0}


def test_a_refused_statement_is_reported_and_the_rest_goes_on(
        fake: FakeTdb, notices: NoticeService, service: StatementService) -> None:
    decide_notices(notices, 5)
    service.queue(100)
    (victim,) = [p.puid for p in service.outbox.pending(100, MAX_ATTEMPTS)][2:3]
    fake.reject[victim] = "territorial_scope"
    report = service.submit(TdbClient(fake.url, TOKEN))
    (batch,) = report.batches
    assert (batch.accepted, batch.refused) == (4, 1)
    assert batch.refusals == [f"{victim}: territorial_scope: The selected value is invalid."]
    assert victim not in fake.stored and len(fake.stored) == 4
    state = service.outbox_state()
    assert state["counts"]["pending"] == 1
    assert state["failures"][0]["error"].startswith("refused: territorial_scope")
    # Fixed on the server's side (or ours): the next run sends it, and only it.
    fake.reject.clear()
    later = service.submit(TdbClient(fake.url, TOKEN))
    assert later.batches[0].accepted == 1 and victim in fake.stored


def test_personal_data_in_a_statement_is_never_sent(
        fake: FakeTdb, notices: NoticeService, service: StatementService) -> None:
    decide_notices(notices, 1, decision_facts=f"Reported by {VICTIM_NAME}, moderator checked.")
    decide_notices(notices, 1, illegal_content_explanation="Write to me at x.y@example.net")
    decide_notices(notices, 1, source_identity=VICTIM_EMAIL)  # dropped, the rest is fine
    report = service.submit(TdbClient(fake.url, TOKEN))
    (batch,) = report.batches
    assert (batch.accepted, batch.refused) == (1, 2)
    assert any("quotes the notice's contact" in r for r in batch.refusals)
    assert any("e-mail address" in r for r in batch.refusals)
    wire = json.dumps([r["body"] for r in fake.requests])
    assert VICTIM_NAME not in wire and VICTIM_EMAIL not in wire and "example.net" not in wire


@pytest.mark.parametrize("mode,message", [
    ("error500", "HTTP 500"), ("slow", "unreachable: ReadTimeout"),
    ("redirect", "redirect (302): refused"), ("garbage", "invalid JSON"),
    ("token", "refused the token (HTTP 401): check REMPART_TDB_TOKEN"),
])
def test_failures_keep_statements_for_the_next_run(
        fake: FakeTdb, notices: NoticeService, service: StatementService, mode: str,
        message: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    decide_notices(notices, 2)
    token = "wrong-token-s3cr3t" if mode == "token" else TOKEN
    fake.mode = "normal" if mode == "token" else mode
    report = service.submit(TdbClient(fake.url, token, timeout=0.5))
    (batch,) = report.batches
    assert batch.unsent == 2 and message in (batch.error or "")
    assert report.outbox == {"submitted": 0, "pending": 2, "given_up": 0}
    assert token not in caplog.text and token not in repr(TdbClient(fake.url, token))
    for _ in range(MAX_ATTEMPTS - 1):
        service.submit(TdbClient(fake.url, token, timeout=0.5))
    assert service.outbox_state()["counts"]["given_up"] == 2  # five tries, then a person


def test_the_token_comes_from_the_environment_only() -> None:
    with pytest.raises(TdbUnavailable, match="REMPART_TDB_TOKEN is not set"):
        tdb_client_for({}, "https://transparency.dsa.ec.europa.eu")
    with pytest.raises(TdbUnavailable, match="must not carry credentials"):
        tdb_client_for({"REMPART_TDB_TOKEN": "t"}, "https://user:pw@tdb.example")
    with pytest.raises(TdbUnavailable, match="must be https"):
        tdb_client_for({"REMPART_TDB_TOKEN": "t"}, "http://tdb.example")
    client = tdb_client_for({"REMPART_TDB_TOKEN": TOKEN}, "https://tdb.example/")
    assert client.url == "https://tdb.example" and TOKEN not in repr(client)


def test_one_statement_goes_to_the_single_endpoint(
        fake: FakeTdb, notices: NoticeService, service: StatementService) -> None:
    decide_notices(notices, 1)
    report = service.submit(TdbClient(fake.url, TOKEN))
    assert report.batches[0].accepted == 1
    assert fake.requests[0]["path"] == "/api/v1/statement"
    (stored,) = fake.stored.values()
    puid = stored["puid"]
    # A lost answer: the database has it; the single endpoint's duplicate answer counts.
    client = TdbClient(fake.url, TOKEN)
    answer = client.send([{k: v for k, v in stored.items() if k not in ("uuid", "created_at")}])
    assert answer.duplicates == frozenset({puid}) and not answer.refused
