"""Attacks on the Telegram bot, end to end: the real bot (python-telegram-bot client, runner,
outbox) against the fake Bot API server over HTTP, a real database, real matching.

- a group member hides banked media behind a command caption, a document's name or MIME type,
  a quote from another chat or a paywall (attack 4);
- a group member makes one message slow so that every chat waits, and SIGTERM is ignored
  (attack 3);
- a crash or Telegram refusing a call loses a deletion, an alert or a reporter's receipt
  (attack 11);
- a group admin reads the victim's case number, source and labels in alerts (attack 6);
- an operator gives the Bot API server's address as it prints it (attack 13).
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_support import (
    ADMIN,
    ADMIN_CHAT,
    BLOCK_SEED,
    CHAT,
    SIZE,
    USER,
    BotHarness,
    bank_db,
    cropped_copy,
)
from sqlalchemy import text, update
from web_support import WebClient, add_users

from rempart.app import build, create_http_app
from rempart.bench.fake_bot_api import FakeBotApi
from rempart.bench.synthetic_images import make_photo, photo_bytes
from rempart.config import Settings
from rempart.core.banks import BankKind, BankPolicy, Provenance
from rempart.core.media_signals import hash_bytes
from rempart.services import banks as bank_service
from rempart.store.bot_models import bot_outbox, bot_updates
from rempart.store.rows import utc_now
from rempart.store.sql import open_store

VICTIM_SEED = 9
CASE = "R-2026-000123"


@pytest.fixture
def env(sqlite_url: str) -> Iterator[tuple[FakeBotApi, BotHarness]]:
    """The test banks, plus a block bank holding an entry a victim registered (case number,
    source ``victim-portal``, label ``minor``) that a moderator acts on."""
    store = open_store(sqlite_url)
    bank_db(store)
    bank_service.create_bank(store, "confirmed-cases", kind=BankKind.MODERATOR,
                             policy=BankPolicy.BLOCK)
    bank_service.add_media(store, "confirmed-cases",
                           [(Path("v.jpg"), hash_bytes(photo_bytes(VICTIM_SEED, SIZE)))],
                           Provenance(source="victim-portal", case_id=CASE,
                                      labels=("minor", "ncii")))
    store.close()
    with FakeBotApi() as api:
        api.set_admins(CHAT, {ADMIN})
        harness = BotHarness(api, sqlite_url)
        try:
            yield api, harness
        finally:
            harness.close()


def _file(api: FakeBotApi, data: bytes, **extra: Any) -> dict[str, Any]:
    file_id, unique = api.add_file(data, prefix="documents")
    return {"file_id": file_id, "file_unique_id": unique, "file_size": len(data), **extra}


def _key(update: dict[str, Any]) -> tuple[int, int]:
    msg = update["message"]
    return msg["chat"]["id"], msg["message_id"]


def _make_due(h: BotHarness) -> None:
    """Time passes: every retry waiting for its backoff is due now."""
    with h.stores[-1].engine.begin() as conn:
        conn.execute(update(bot_outbox).values(next_at=utc_now()))
        conn.execute(update(bot_updates).values(next_at=utc_now()))


# --- attack 4: evasion -----------------------------------------------------------------------

def test_command_captions_do_not_shield_banked_media(
        env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = env
    captions = ["/rempart", "/report ncii", "\u200b/rempart", "/rempart@rempart_test_bot set x",
                "/rempart_purge 1"]
    updates = [api.photo_message(CHAT, USER + i, cropped_copy(BLOCK_SEED), caption=c)
               for i, c in enumerate(captions)]
    for u in updates:
        api.add_update(u)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= len(updates))
    assert {_key(u) for u in updates} <= api.deleted()
    assert api.calls_to("banChatMember") == []  # a member's /rempart_purge caption is no order


def test_documents_are_checked_by_content_not_name_or_type(
        env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = env
    png = io.BytesIO()
    make_photo(BLOCK_SEED, SIZE).save(png, "PNG")
    disguised = [
        {"message": api.message(CHAT, USER, document=_file(
            api, cropped_copy(BLOCK_SEED), file_name="scan.dat",
            mime_type="application/octet-stream"))},
        {"message": api.message(CHAT, USER + 1, document=_file(
            api, png.getvalue(), file_name="notes.txt", mime_type="text/plain"))},
        {"message": api.message(CHAT, USER + 2, document=_file(
            api, cropped_copy(BLOCK_SEED)))},  # no name, no type at all
    ]
    harmless = {"message": api.message(CHAT, USER + 3, document=_file(
        api, b"%PDF-1.4 " + bytes(5000), file_name="photo.jpg", mime_type="image/jpeg"))}
    for u in [*disguised, harmless]:
        api.add_update(u)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 4)
    assert {_key(u) for u in disguised} <= api.deleted()
    assert _key(harmless) not in api.deleted()
    seen = h.bot_store.seen_file(harmless["message"]["document"]["file_unique_id"])
    assert seen is not None and seen["error"] == "not_media"


def test_quoted_and_paid_media_are_checked(env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = env
    quoted = {"message": api.message(CHAT, USER, text="look at this", external_reply={
        "origin": {"type": "hidden_user", "sender_user_name": "someone", "date": 1},
        "photo": api.photo_sizes(cropped_copy(BLOCK_SEED))})}
    paid = {"message": api.message(CHAT, USER + 1, paid_media={
        "star_count": 5, "paid_media": [{"type": "photo",
                                         "photo": api.photo_sizes(cropped_copy(BLOCK_SEED))}]})}
    for u in (quoted, paid):
        api.add_update(u)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 2)
    assert {_key(quoted), _key(paid)} <= api.deleted()


# --- attack 3: one slow message must not hold every chat, nor the stop ----------------------

def _held_photo(api: FakeBotApi, chat: int, user: int, data: bytes
                ) -> tuple[dict[str, Any], Callable[[], None]]:
    update = api.photo_message(chat, user, data)
    gate = api.hold_file(update["message"]["photo"][-1]["file_id"])
    return update, gate.set


def test_a_slow_message_holds_only_its_chat_and_times_out_clearly(
        env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = env
    other_chat = CHAT - 1
    slow, release = _held_photo(api, CHAT, USER, photo_bytes(40, SIZE))
    after_slow = api.photo_message(CHAT, USER + 1, cropped_copy(BLOCK_SEED))
    elsewhere = api.photo_message(other_chat, USER + 2, cropped_copy(BLOCK_SEED))
    for u in (slow, after_slow, elsewhere):
        api.add_update(u)
    try:
        runner = h.runner(update_timeout_seconds=3.0)
        # The other chat is served while the slow download hangs; then the slow message fails
        # on its time limit, clearly, and its own chat goes on in order.
        h.run_until(runner, lambda: _key(after_slow) in api.deleted())
        assert _key(elsewhere) in api.deleted() and _key(after_slow) in api.deleted()
        assert _key(slow) not in api.deleted()
        dead = [i for i in runner.service.work.troubled() if i.kind == "update"]
        assert [(i.status, i.error) for i in dead] == [("dead", "timed out after 3 s")]
    finally:
        release()


def test_sigterm_stops_promptly_and_nothing_in_flight_is_lost(
        env: tuple[FakeBotApi, BotHarness], tmp_path: Path) -> None:
    api, h = env
    banked, release = _held_photo(api, CHAT, USER, cropped_copy(BLOCK_SEED))
    api.add_update(banked)
    held_file = banked["message"]["photo"][-1]["file_id"]
    address = api.api_url.removesuffix("/bot")  # as a self-hosted server prints it (attack 13)

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", "from rempart.main import main; main()",
             "bot", "--db", h.db_url, "--api-url", address],
            env={"REMPART_TELEGRAM_TOKEN": api.token, "PATH": "/usr/bin:/bin",
                 "HOME": str(tmp_path), "REMPART_BOT__POLL_TIMEOUT_SECONDS": "1",
                 "REMPART_BOT__STOP_GRACE_SECONDS": "1"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    proc = start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
                c.params.get("file_id") == held_file for c in api.calls_to("getFile")):
            time.sleep(0.05)
        assert any(c.params.get("file_id") == held_file for c in api.calls_to("getFile"))
        proc.send_signal(signal.SIGTERM)  # while the download hangs
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    store = open_store(h.db_url)
    try:
        with store.engine.connect() as conn:
            status = conn.execute(text("SELECT status FROM bot_updates")).scalars().all()
        assert status == ["pending"]  # not marked done: it waits for the next start
    finally:
        store.close()
    release()
    proc = start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _key(banked) not in api.deleted():
            time.sleep(0.05)
        assert _key(banked) in api.deleted()
    finally:
        proc.terminate()
        proc.wait(30)


# --- attack 11: lost work -----------------------------------------------------------------

def test_a_failed_update_is_not_done_and_is_handled_again(
        env: tuple[FakeBotApi, BotHarness], monkeypatch: pytest.MonkeyPatch) -> None:
    api, h = env
    banked = api.photo_message(CHAT, USER, cropped_copy(BLOCK_SEED))
    update_id = api.add_update(banked)
    runner = h.runner()
    calls = {"n": 0}
    real = runner.service.decide

    def flaky(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database went away")
        return real(*args)

    monkeypatch.setattr(runner.service, "decide", flaky)
    done: list[int] = []
    runner.on_update_done = done.append
    h.run_until(runner, lambda: bool(h.bot_store.troubled_updates()))
    row = h.bot_store.get_update(update_id)
    assert row is not None and row.status == "pending" and row.attempts == 1
    assert row.error == "ConnectionError: database went away" and done == []
    _make_due(h)
    runner = h.runner(on_update_done=done.append)
    h.run_until(runner, lambda: done == [update_id])
    assert done == [update_id] and _key(banked) in api.deleted()


def test_refused_deletion_retried_then_given_up_then_retried_from_the_console(
        env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = env
    banked = api.photo_message(CHAT, USER, cropped_copy(BLOCK_SEED))
    api.add_update(banked)
    api.refuse("deleteMessage", 2)  # the bot lacks the right, twice

    def delete_rows() -> list[Any]:
        return [r for r in h.bot_store.troubled_actions() if r.action == "delete"]

    runner = h.runner(action_attempts=2)
    h.run_until(runner, lambda: bool(delete_rows()))
    first = delete_rows()[0]
    assert first.status == "pending" and first.attempts == 1 and "can't be deleted" in (
        first.error or "")
    _make_due(h)
    runner = h.runner(action_attempts=2)
    h.run_until(runner, lambda: delete_rows()[0].status == "dead")
    assert _key(banked) not in api.deleted()

    app = build(Settings(database_url=h.db_url))
    add_users(app)
    try:
        with WebClient(create_http_app(app)) as web:
            web.login("reader")
            page = web.get("/console/bot")
            assert page.status_code == 200 and "delete messages" in page.text
            assert f"/console/bot/action/{first.id}/retry" not in page.text  # read-only
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            refused = web.post(f"/console/bot/action/{first.id}/retry",
                               data={"csrf_token": token.group(1)})
            assert refused.status_code == 403
        with WebClient(create_http_app(app)) as web:
            web.login("mod-a")
            assert web.post(f"/console/bot/action/{first.id}/retry",
                            data={"csrf_token": "forged"}).status_code == 403
            r = web.form(f"/console/bot/action/{first.id}/retry", "/console/bot", {})
            assert r.status_code == 303 and r.headers["location"] == "/console/bot?retried=1"
    finally:
        app.close()
    runner = h.runner(action_attempts=2)
    h.run_until(runner, lambda: _key(banked) in api.deleted())
    assert _key(banked) in api.deleted()
    assert h.bot_store.is_deleted(*_key(banked))


def test_alert_and_receipt_survive_refusals_and_restarts_secret_cleared(
        env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = env
    reporter = USER + 5
    target = api.message(CHAT, USER, text="a message someone reports")
    api.add_update({"message": report_of(api, reporter, target)})
    banked = api.photo_message(CHAT, USER + 1, cropped_copy(BLOCK_SEED))
    api.add_update(banked)
    # The reporter has not started the bot yet, and Telegram refuses the alert once.
    api.refuse("sendMessage", 3, 403, "Forbidden: bot can't initiate conversation with a user")

    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 2 and len(
        [r for r in h.bot_store.troubled_actions() if r.action == "message"]) >= 2)
    waiting = [r for r in h.bot_store.troubled_actions() if r.action == "message"]
    assert {r.purpose for r in waiting} >= {"receipt", "alert"}
    _make_due(h)

    def sent_to(chat: int) -> list[str]:
        return [c.params["text"] for c in api.calls_to("sendMessage")
                if c.params["chat_id"] == chat and c.status == 200]

    runner = h.runner()  # a restart: what was owed is sent, once
    h.run_until(runner, lambda: bool(sent_to(reporter)) and any(
        "Removed" in t for t in sent_to(ADMIN_CHAT)))
    receipts = sent_to(reporter)
    assert len(receipts) == 1
    secret = re.search(r"keep it private\): (\S+)", receipts[0])
    case = re.search(r"case (\S+)\.", receipts[0])
    assert secret is not None and case is not None
    assert len([t for t in sent_to(ADMIN_CHAT) if "Removed" in t]) == 1
    # Admins learn a report exists, never its case number; the secret left the database.
    assert not any(case.group(1) in t for t in sent_to(ADMIN_CHAT))
    with h.stores[-1].engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.execute(text("SELECT * FROM bot_outbox")).all())
        dump += " ".join(str(r) for r in conn.execute(text("SELECT * FROM bot_updates")).all())
    assert secret.group(1) not in dump


def report_of(api: FakeBotApi, reporter: int, target: dict[str, Any]) -> dict[str, Any]:
    return api.message(CHAT, reporter, text="/report ncii", reply_to_message=target)


# --- attack 6: what group admins are told --------------------------------------------------

def test_alerts_carry_no_victim_data_and_findings_carry_query_signals(
        env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = env
    data = photo_bytes(VICTIM_SEED, SIZE)
    victim = api.photo_message(CHAT, USER, data)
    api.add_update(victim)
    runner = h.runner()
    h.run_until(runner, lambda: any(c.params["chat_id"] == ADMIN_CHAT
                                    for c in api.calls_to("sendMessage")))
    alert = next(c.params["text"] for c in api.calls_to("sendMessage")
                 if c.params["chat_id"] == ADMIN_CHAT)
    assert "bank confirmed-cases (block)" in alert and "distance" in alert
    assert f"t.me/c/{str(CHAT)[4:]}/{victim['message']['message_id']}" in alert
    for leak in (CASE, "victim-portal", "minor", "ncii", "labels"):
        assert leak not in alert
    item = next(i for i in h.bot_store.review_items() if i["bank"] == "confirmed-cases")
    signals = {s["signal_type"]: s["value"] for s in item["evidence"]["query_signals"]}
    assert set(signals) == {"pdq", "md5", "sha256"}
    import hashlib

    assert signals["sha256"] == hashlib.sha256(data).hexdigest()  # the seen file, not the entry


def test_cli_explains_an_unusable_api_url(sqlite_url: str) -> None:
    from typer.testing import CliRunner

    from rempart.adapters.cli.main import build_app

    result = CliRunner().invoke(build_app(), ["bot", "--db", sqlite_url, "--api-url",
                                              "127.0.0.1:8081"],
                                env={"REMPART_TELEGRAM_TOKEN": "1:x", **os.environ})
    assert result.exit_code == 2
    assert "has no scheme: write http://127.0.0.1:8081" in result.output
