"""The pre-delivery check against a real Synapse running synapse-http-antispam: an edited copy
of a banked photo is refused before it reaches the room (``M_FORBIDDEN``, no bank named), a
clean photo and a review match are delivered, a check that cannot finish in time follows the
operator's choice (fail open or closed), and a caller without the secret is turned away."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from matrix_support import (
    BLOCK_SEED,
    IN_CI,
    PASSWORD,
    REVIEW_SEED,
    Member,
    bank_db,
    clean_photo,
    edited_copy,
    unique,
)

from rempart.app import build, create_http_app
from rempart.bench.synapse_peer import MatrixCallError, SynapsePeer, free_port
from rempart.config import MatrixSettings, Settings

SECRET = "antispam-" + "s" * 16


@pytest.fixture
def guarded(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[SynapsePeer, Settings, str]]:
    """A Synapse asking a `rempart serve` on loopback about each new event."""
    for module in ("synapse", "synapse_http_antispam"):
        if importlib.util.find_spec(module) is None:
            if IN_CI:
                pytest.fail(f"{module} is not installed (pip install -e '.[dev]')")
            pytest.skip(f"{module} is not installed")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    hs = SynapsePeer(tmp_path / "hs", modules=[{
        "module": "synapse_http_antispam.HTTPAntispam",
        "config": {"base_url": f"{base}/_rempart/matrix/antispam", "authorization": SECRET,
                   "enabled_callbacks": ["check_event_for_spam"],
                   "fail_open": {"check_event_for_spam": False}}}])
    (tmp_path / "hs").mkdir()
    with hs:
        reader = hs.register(unique("rempart"), PASSWORD)
        monkeypatch.setenv("REMPART_MATRIX_TOKEN", reader["access_token"])
        bank_db(sqlite_url)
        settings = Settings(database_url=sqlite_url, matrix=MatrixSettings(
            homeserver=hs.url, antispam_secret=SECRET))
        app = build(settings)
        api = create_http_app(app)
        server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        try:
            yield hs, settings, base
        finally:
            server.should_exit = True
            thread.join(10)
            app.close()


def test_banked_upload_refused_before_delivery(
        guarded: tuple[SynapsePeer, Settings, str]) -> None:
    hs, settings, base = guarded

    async def scenario() -> None:
        alice = Member(hs, "alice")
        room = await alice.create_room([])
        with pytest.raises(MatrixCallError, match=r"403.*M_FORBIDDEN"):
            await alice.send_image(room, edited_copy(BLOCK_SEED, "caption_band"))
        try:
            await alice.send_image(room, edited_copy(BLOCK_SEED))
        except MatrixCallError as e:
            assert "matches known abusive content" in str(e)
            assert "confirmed" not in str(e)  # the poster never learns which bank
        else:
            raise AssertionError("a banked copy was delivered")
        clean = await alice.send_image(room, clean_photo(52))
        review = await alice.send_image(room, edited_copy(REVIEW_SEED))
        delivered = {e["event_id"] for e in await alice.messages(room)}
        assert {clean, review} <= delivered

        # A check that cannot finish in time: the operator's choice.
        settings.matrix.antispam_timeout_seconds = 1e-6
        settings.matrix.antispam_fail_open = False
        with pytest.raises(MatrixCallError, match="could not be checked in time"):
            await alice.send_image(room, clean_photo(53))
        settings.matrix.antispam_fail_open = True
        await alice.send_image(room, clean_photo(54))
        await alice.send(room, {"msgtype": "m.text", "body": "text is not held up"})
        await alice.close()

    asyncio.run(scenario())
    url = f"{base}/_rempart/matrix/antispam/check_event_for_spam"
    assert httpx.post(url, json={"event": {}}).status_code == 401
    assert httpx.post(url, json={"event": {}}, headers={
        "Authorization": "Bearer wrong"}).status_code == 401
    ping = httpx.post(f"{base}/_rempart/matrix/antispam/ping", json={"id": "x1"},
                      headers={"Authorization": f"Bearer {SECRET}"})
    assert ping.json() == {"id": "x1", "status": "ok"}
