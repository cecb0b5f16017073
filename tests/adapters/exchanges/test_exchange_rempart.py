"""One Rempart follows another's bank through its change feed (``--kind rempart``): over
real HTTP on loopback, withdrawals included; a feed token reads its one bank; a hostile feed
cannot hold the fetch."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from rempart.adapters.exchanges import source_for
from rempart.adapters.exchanges.rempart_feed import RempartFeedSource
from rempart.app import App, build, create_http_app
from rempart.bench.synthetic_images import photo_bytes
from rempart.config import Settings
from rempart.core.banks import Provenance
from rempart.core.exchanges import FetchLimits
from rempart.core.media_signals import hash_bytes
from rempart.services import banks as bank_svc
from rempart.services.exchanges import exchange_service
from rempart.services.matching import MatchService
from rempart.store import open_store
from rempart.store.sql import SqlBankStore

PDQ = "0123456789abcdef" * 4


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[tuple[App, str]]:
    """A first Rempart (a helpline) served on 127.0.0.1; yields it and its base URL."""
    app = build(Settings(database_url=f"sqlite:///{tmp_path / 'helpline.sqlite3'}"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_http_app(app), lifespan="off",
                                           log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield app, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.close()


@pytest.fixture
def follower(tmp_path: Path) -> Iterator[SqlBankStore]:
    store = open_store(f"sqlite:///{tmp_path / 'bots.sqlite3'}")
    yield store
    store.close()


def test_a_second_rempart_follows_a_bank_and_its_withdrawals(
        publisher: tuple[App, str], follower: SqlBankStore) -> None:
    app, base = publisher
    bank_svc.create_bank(app.store, "shared")
    bank_svc.create_bank(app.store, "private")
    bank_svc.add_signal(app.store, "private", "pdq", PDQ)
    photo = photo_bytes(21, (800, 600))
    (added,) = bank_svc.add_media(app.store, "shared", [(Path("a.jpg"), hash_bytes(photo))],
                                  Provenance(source="helpline", case_id="c-7"))
    _, secret = app.exchanges.publish("shared", "bots")

    service = exchange_service(follower, FetchLimits(page_size=5))
    service.add("helpline", "rempart", "helpline", url=f"{base}/api/v1/feeds/shared")
    env = {"REMPART_EXCHANGE_TOKEN": secret}
    report = service.fetch("helpline", source_for(service.get("helpline"), env))
    assert report.failed is None and report.pages > 1
    entries = list(bank_svc.list_entries(follower, "helpline"))
    kinds = sorted(e.signal_type for e in entries)
    assert kinds == ["md5", "pdq", "sha256"]  # rotations, region crops and ORB stay home
    assert all(e.provenance.case_id is None and e.provenance.source == "helpline"
               for e in entries)  # no provenance crosses
    assert PDQ not in {e.value for e in entries}  # nothing of the other bank
    matching = MatchService(follower)
    matching.load()
    (match,) = matching.match_bytes(photo).matches
    assert match.bank == "helpline" and match.action == "review"

    bank_svc.remove_entry(app.store, "shared", added.entry_ids[0], "withdrawn", whole_item=True)
    report = service.fetch("helpline", source_for(service.get("helpline"), env))
    assert report.withdrawn == 3
    matching.refresh()
    assert matching.match_bytes(photo).matches == ()

    again = service.fetch("helpline", source_for(service.get("helpline"), env))
    assert (again.pages, again.added, again.withdrawn) == (1, 0, 0)  # from the checkpoint


def test_a_feed_token_reads_its_one_bank(publisher: tuple[App, str],
                                         follower: SqlBankStore) -> None:
    app, base = publisher
    for name in ("shared", "private"):
        bank_svc.create_bank(app.store, name)
        bank_svc.add_signal(app.store, name, "pdq", PDQ)
    token_id, secret = app.exchanges.publish("shared", "bots")
    with httpx.Client(base_url=base) as client:
        def get(bank: str, token: str | None) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return client.get(f"/api/v1/feeds/{bank}/changes", headers=headers)

        assert get("shared", secret).status_code == 200
        assert get("shared", None).status_code == 401
        other, unknown = get("private", secret), get("nowhere", secret)
        assert other.status_code == unknown.status_code == 404
        assert other.json() == unknown.json()  # says nothing of which banks exist
        assert get("shared", secret + "x").status_code == 401
        assert get("shared", "rmp_an-api-token").status_code == 401
        assert app.exchanges.revoke(token_id)
        assert get("shared", secret).status_code == 401
        paths = client.get("/openapi.json").json()["paths"]
        assert not any(p.startswith("/api/v1/feeds") for p in paths)

    service = exchange_service(follower)
    service.add("spy", "rempart", "spy", url=f"{base}/api/v1/feeds/private")
    _, secret = app.exchanges.publish("shared", "bots")
    report = service.fetch("spy", source_for(service.get("spy"),
                                             {"REMPART_EXCHANGE_TOKEN": secret}))
    assert report.failed is not None and "404" in report.failed
    assert list(bank_svc.list_entries(follower, "spy")) == []


def _fetch_from(handler: Any, store: SqlBankStore, **limits: Any) -> Any:
    service = exchange_service(store, FetchLimits(**limits))
    if service.store.get_exchange("x") is None:
        service.add("x", "rempart", "x", url="https://peer.example/api/v1/feeds/x")
    source = RempartFeedSource("https://peer.example/api/v1/feeds/x", "t0ken",
                               transport=httpx.MockTransport(handler))
    return service.fetch("x", source)


def test_a_hostile_feed_cannot_hold_the_fetch(follower: SqlBankStore) -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        since = int(request.url.params["since"])
        return httpx.Response(200, json={"changes": [], "next": since + 1, "more": True})

    report = _fetch_from(endless, follower, max_pages=7)
    assert report.pages == 7 and report.more and report.failed is None

    def stuck(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"changes": [], "next": 0, "more": True})

    assert "did not advance" in (_fetch_from(stuck, follower).failed or "")

    def huge(request: httpx.Request) -> httpx.Response:
        def body() -> Iterator[bytes]:
            yield b'{"changes": ['
            while True:
                yield b'{"id": 1},' * 10_000

        return httpx.Response(200, content=body())

    report = _fetch_from(huge, follower, max_page_bytes=2_000_000)
    assert "more than 2000000 bytes" in (report.failed or "")

    def mixed(request: httpx.Request) -> httpx.Response:
        good = {"id": 1, "signal_type": "pdq", "signal_value": PDQ, "status": "active"}
        bad = [{"id": "x"}, "nope", {"id": 2, "signal_type": "pdq", "signal_value": "zz",
                                     "status": "active"}]
        return httpx.Response(200, json={"changes": [*bad, good], "next": 9, "more": False})

    report = _fetch_from(mixed, follower)
    assert report.added == 1 and report.error_count == 3 and report.failed is None
