"""A hostile or overloaded homeserver cannot hold a matrix_policy fetch: pages are bounded in
number and size, a rate limit is waited out, the token never shows (the flow against a real
Synapse is in tests/adapters/matrix_bot/test_matrix_policy_room.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rempart.adapters.exchanges.matrix_policy import MatrixPolicySource
from rempart.core.exchanges import FetchLimits, FetchReport
from rempart.core.policy_room import POLICY_EVENT_TYPE, policy_content, room_url, state_key
from rempart.services.exchanges import exchange_service
from rempart.store import open_store
from rempart.store.sql import SqlBankStore

HS = "https://hs.example"
ROOM = "!policies:hs.example"
TOKEN = "syt_secret-token"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlBankStore]:
    s = open_store(f"sqlite:///{tmp_path / 'f.sqlite3'}")
    yield s
    s.close()


def _policy(i: int, sender: str = "@pub:hs.example") -> dict[str, Any]:
    value = f"{i:064x}"
    return {"type": POLICY_EVENT_TYPE, "event_id": f"$e{i}", "sender": sender,
            "state_key": state_key("pdq", value),
            "content": policy_content("pdq", value, (), "block")}


def _fetch(store: SqlBankStore, messages: Any, **limits: Any) -> FetchReport:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        path = request.url.path
        if "/join/" in path:
            return httpx.Response(200, json={"room_id": ROOM})
        if "/state/m.room.power_levels" in path:
            return httpx.Response(200, json={"type": "m.room.power_levels", "content": {
                "users": {"@pub:hs.example": 100}, "state_default": 50}})
        if "/state/m.room.create" in path:
            return httpx.Response(200, json={"type": "m.room.create", "sender": "@pub:hs.example",
                                             "content": {"room_version": "10"}})
        if path.endswith("/messages"):
            return messages(request)  # type: ignore[no-any-return]
        return httpx.Response(404, json={"errcode": "M_NOT_FOUND"})

    service = exchange_service(store, FetchLimits(**limits))
    if service.store.get_exchange("p") is None:
        service.add("p", "matrix_policy", "p", url=HS, room=ROOM)
    source = MatrixPolicySource(room_url(HS, ROOM), TOKEN, transport=httpx.MockTransport(handler))
    assert TOKEN not in repr(source)
    return service.fetch("p", source)


def test_endless_pages_stop_at_the_limit_and_resume(store: SqlBankStore) -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("from", "0"))
        assert int(request.url.params["limit"]) == 3
        return httpx.Response(200, json={"chunk": [_policy(n * 3 + i) for i in range(3)],
                                         "end": str(n + 1)})

    report = _fetch(store, endless, max_pages=4, page_size=3)
    assert (report.pages, report.added, report.more, report.failed) == (4, 12, True, None)
    report = _fetch(store, endless, max_pages=2, page_size=3)
    assert report.added == 6  # from the checkpoint, not from the start


def test_a_huge_page_is_refused_and_a_rate_limit_waited_out(store: SqlBankStore) -> None:
    def huge(request: httpx.Request) -> httpx.Response:
        def body() -> Iterator[bytes]:
            yield b'{"chunk": ['
            while True:
                yield b'{"type": "x"},' * 10_000

        return httpx.Response(200, content=body())

    report = _fetch(store, huge, max_page_bytes=1_000_000)
    assert "more than 1000000 bytes" in (report.failed or "")
    assert TOKEN not in (report.failed or "")

    calls: list[int] = []

    def limited(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, json={"errcode": "M_LIMIT_EXCEEDED",
                                             "retry_after_ms": 10})
        return httpx.Response(200, json={"chunk": [_policy(1), "junk",
                                                   _policy(2, "@eve:hs.example")]})

    report = _fetch(store, limited)
    assert (report.failed, report.added, report.error_count) == (None, 1, 1), report
    assert "@eve:hs.example may not publish" in report.errors[0]


def test_refusals_are_one_line_without_the_token(store: SqlBankStore) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"errcode": "M_FORBIDDEN", "error": TOKEN})

    report = _fetch(store, refused)
    assert "HTTP 403 M_FORBIDDEN" in (report.failed or "") and TOKEN not in (report.failed or "")
