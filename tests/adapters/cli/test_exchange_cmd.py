"""`rempart exchange ...` end to end through Typer's CliRunner: a StopNCII-shaped server on
loopback, a SQLite database, credentials in the environment only."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner, Result

from exchange_support import FETCH_KEY, SUBSCRIPTION_KEY, FakeStopNCII, serve
from rempart.adapters.cli.main import app_for

PDQ = "0123456789abcdef" * 4
Run = Callable[..., Result]


@pytest.fixture
def fake() -> Iterator[FakeStopNCII]:
    with serve() as f:
        yield f


@pytest.fixture
def run(sqlite_url: str) -> Run:
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        argv = ["exchange", *args, "--db", sqlite_url]
        return runner.invoke(app_for(argv), argv, env=env)

    return invoke


def _ok(result: Result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def test_add_list_fetch_remove(run: Run, fake: FakeStopNCII, sqlite_url: str) -> None:
    pytest.importorskip("threatexchange.exchanges.clients.stopncii.api")
    fake.add("ImagePDQ", PDQ, ts=100)
    out = _ok(run("add", "sncii", "--kind", "stopncii", "--bank", "stopncii", "--url",
                  fake.url))
    assert "filling bank stopncii" in out and "TX_STOPNCII_KEYS" in out
    assert run("add", "sncii", "--kind", "stopncii", "--bank", "other").exit_code == 1
    assert run("add", "x", "--kind", "nope", "--bank", "x").exit_code == 2

    missing = run("fetch", "sncii", env={"TX_STOPNCII_KEYS": ""})
    assert missing.exit_code == 1 and "TX_STOPNCII_KEYS is not set" in missing.stderr
    keys = {"TX_STOPNCII_KEYS": f"{FETCH_KEY},{SUBSCRIPTION_KEY}"}
    (report,) = map(json.loads, _ok(run("fetch", "--jsonl", env=keys)).splitlines())
    assert report["added"] == 1 and report["failed"] is None
    assert "0 added" in _ok(run("fetch", "sncii", env=keys))  # from the checkpoint
    no_key = run("feedback", "sncii", env=keys)
    assert no_key.exit_code == 1 and "TX_STOPNCII_FEEDBACK_KEY" in no_key.stderr
    sent = _ok(run("feedback", "sncii", env={**keys, "TX_STOPNCII_FEEDBACK_KEY": "k"}))
    assert "0 decisions queued, 0 sent" in sent

    (listed,) = map(json.loads, _ok(run("list", "--jsonl")).splitlines())
    assert listed["bank"] == "stopncii" and listed["added"] == 1 and listed["url"] == fake.url
    assert FETCH_KEY not in json.dumps(listed)
    assert "stopncii" in _ok(run("list"))

    assert "bank stopncii and its entries stay" in _ok(run("remove", "sncii"))
    assert run("remove", "sncii").exit_code == 1
    assert _ok(run("list", "--jsonl")) == ""


def test_publish_and_revoke_a_feed_token(run: Run, sqlite_url: str) -> None:
    from rempart.services import banks as bank_svc
    from rempart.store import open_store

    store = open_store(sqlite_url)
    bank_svc.create_bank(store, "shared")
    store.close()
    result = run("publish", "shared", "--follower", "bots")
    secret = _ok(result).strip()
    assert secret.startswith("rfeed_") and "shown once" in result.stderr
    assert run("publish", "nowhere", "--follower", "bots").exit_code == 1
    assert "revoked feed token 1" in _ok(run("revoke", "1"))
    assert run("revoke", "1").exit_code == 1


def test_a_rempart_exchange_needs_its_feed_url(run: Run) -> None:
    result = run("add", "peer", "--kind", "rempart", "--bank", "peer")
    assert result.exit_code == 1 and "needs --url" in result.stderr
