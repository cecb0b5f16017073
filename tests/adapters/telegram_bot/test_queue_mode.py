"""Queue mode: a receiver stores updates and sends their chats to real ``rempart worker``
processes (Redis or RabbitMQ, PostgreSQL); the workers download, hash, match and decide; the
receiver sends the outbox. Same outcome as the in-process bot, nothing lost or doubled when a
worker is killed mid-update."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
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

from rempart.adapters.telegram_bot import make_bot
from rempart.adapters.telegram_bot.queue import CHAT_TASK, QueueReceiver
from rempart.adapters.telegram_bot.tasks import ChatHandler
from rempart.adapters.telegram_bot.webhook import SECRET_HEADER, webhook_app
from rempart.app import build, worker_celery
from rempart.bench.fake_bot_api import FakeBotApi
from rempart.bench.synthetic_images import photo_bytes
from rempart.config import BotSettings, QueueSettings, Settings
from rempart.services.bot import BotService
from rempart.services.matching import MatchService
from rempart.store.bot import SqlBotStore
from rempart.store.sql import open_store
from worker_support import queue_prefix, worker

OTHER_CHAT = CHAT - 1
DEFAULTS = {"admin_chat_id": ADMIN_CHAT}


def _plan(api: FakeBotApi) -> list[tuple[bool, dict[str, Any]]]:
    """Banked copies and clean photos in two chats, from three senders."""
    plan = []
    for i in range(8):
        banked = i % 3 == 0
        data = cropped_copy(BLOCK_SEED) if banked else photo_bytes(100 + i, SIZE)
        plan.append((banked, api.photo_message(CHAT if i % 2 else OTHER_CHAT, USER + i % 3,
                                               data)))
    return plan


def _deletions(api: FakeBotApi) -> Counter[tuple[int, int]]:
    """How many times each (chat, message) was asked to be deleted."""
    seen: Counter[tuple[int, int]] = Counter()
    for call in api.calls:
        if call.method == "deleteMessage":
            seen[(int(call.params["chat_id"]), int(call.params["message_id"]))] += 1
        elif call.method == "deleteMessages":
            ids = call.params["message_ids"]
            for m in json.loads(ids) if isinstance(ids, str) else ids:
                seen[(int(call.params["chat_id"]), int(m))] += 1
    return seen


class QueueBot:
    """A receiver in this process, workers started by the test, over one PostgreSQL."""

    def __init__(self, api: FakeBotApi, db: str, broker: str) -> None:
        self.api, self.db, self.broker = api, db, broker
        self.prefix = queue_prefix()
        self.settings = Settings(database_url=db, broker_url=broker,
                                 queue=QueueSettings(prefix=self.prefix,
                                                     visibility_timeout_seconds=5))
        self.harness = BotHarness(api, db)
        self.env = {"REMPART_TELEGRAM_TOKEN": api.token, "REMPART_BOT__API_URL": api.api_url,
                    "REMPART_BOT__FILE_URL": api.file_url,
                    "REMPART_BOT__CHAT_DEFAULTS": json.dumps(DEFAULTS)}

    def worker(self) -> Any:
        return worker(self.broker, self.db, self.prefix, concurrency=1, queues="bot",
                      **self.env)

    def receiver(self) -> QueueReceiver:
        store = open_store(self.db)
        self.harness.stores.append(store)
        matching = MatchService(store)
        settings = BotSettings(poll_timeout_seconds=1, chat_defaults=DEFAULTS)
        service = BotService(SqlBotStore(store.engine), matching, None, settings)
        celery = worker_celery(self.settings)
        bot = make_bot(self.api.token, self.api.api_url, self.api.file_url, poll_timeout=1)
        return QueueReceiver(bot, service, settings,
                             send=lambda chat: celery.send_task(CHAT_TASK, args=[chat]))

    def statuses(self) -> Counter[str]:
        rows = self.harness.bot_store.pending_updates(1000)
        done = self.harness.bot_store.troubled_updates(1000)
        return Counter([r.status for r in rows] + [r.status for r in done])

    def pending(self) -> int:
        return len(self.harness.bot_store.pending_updates(1000))


@pytest.fixture
def queue_bot(broker_url: str, postgres_url: str) -> Iterator[QueueBot]:
    store = open_store(postgres_url)
    bank_db(store)
    store.close()
    with FakeBotApi() as api:
        api.set_admins(CHAT, {ADMIN})
        bot = QueueBot(api, postgres_url, broker_url)
        try:
            yield bot
        finally:
            bot.harness.close()


def _in_process_outcome(sqlite_url: str) -> tuple[set[tuple[int, int]], list[int], int]:
    """Deletions, restricted users and admin alerts of the in-process bot on the same plan."""
    store = open_store(sqlite_url)
    bank_db(store)
    store.close()
    with FakeBotApi() as api:
        plan = _plan(api)
        for _, update in plan:
            api.add_update(update)
        h = BotHarness(api, sqlite_url)
        try:
            runner = h.runner()
            h.run_until(runner, lambda: runner.processed >= len(plan)
                        and len(api.deleted()) >= sum(b for b, _ in plan))
        finally:
            h.close()
        return (api.deleted(), sorted(c.params["user_id"] for c in
                                      api.calls_to("restrictChatMember")),
                len([c for c in api.calls_to("sendMessage")
                     if c.params["chat_id"] == ADMIN_CHAT]))


@pytest.mark.postgres
def test_two_workers_give_the_in_process_outcome(queue_bot: QueueBot, sqlite_url: str) -> None:
    api = queue_bot.api
    plan = _plan(api)
    banked = {(u["message"]["chat"]["id"], u["message"]["message_id"]) for b, u in plan if b}
    for _, update in plan:
        api.add_update(update)
    receiver = queue_bot.receiver()
    with queue_bot.worker(), queue_bot.worker():
        queue_bot.harness.run_until(
            receiver, lambda: banked <= api.deleted() and queue_bot.pending() == 0,
            timeout=120)
    assert api.deleted() == banked
    assert all(n == 1 for n in _deletions(api).values())
    assert queue_bot.statuses() == Counter()  # none pending, failed or dead
    deleted, restricted, alerts = _in_process_outcome(sqlite_url)
    assert deleted == banked  # the same plan gives the same message ids
    assert sorted(c.params["user_id"] for c in api.calls_to("restrictChatMember")) == restricted
    assert len([c for c in api.calls_to("sendMessage")
                if c.params["chat_id"] == ADMIN_CHAT]) == alerts


@pytest.mark.postgres
def test_a_worker_killed_mid_update_loses_and_doubles_nothing(queue_bot: QueueBot) -> None:
    api = queue_bot.api
    held = api.photo_message(CHAT, USER, cropped_copy(BLOCK_SEED))
    big = held["message"]["photo"][-1]["file_id"]
    gate = api.hold_file(big)
    later = [api.photo_message(CHAT, USER + 1, data) for data in (
        photo_bytes(200, SIZE), cropped_copy(BLOCK_SEED))]
    for update in (held, *later):
        api.add_update(update)
    banked = {(CHAT, held["message"]["message_id"]), (CHAT, later[1]["message"]["message_id"])}
    receiver = queue_bot.receiver()
    with ExitStack() as stack:
        doomed = stack.enter_context(queue_bot.worker())
        # The worker is mid-update: it asked for the held file and waits for its bytes.
        queue_bot.harness.run_until(receiver, lambda: any(
            c.params.get("file_id") == big for c in api.calls_to("getFile")), timeout=60)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
        gate.set()
        stack.enter_context(queue_bot.worker())
        stack.enter_context(queue_bot.worker())
        queue_bot.harness.run_until(  # a receiver started again: its sweep finds the chat
            queue_bot.receiver(), lambda: banked <= api.deleted() and queue_bot.pending() == 0,
            timeout=120)
    assert api.deleted() == banked
    assert all(n == 1 for n in _deletions(api).values())
    assert queue_bot.statuses() == Counter()
    items = queue_bot.harness.bot_store.review_items()
    assert len(items) == len({i["dedup_key"] for i in items}) == 2
    assert queue_bot.harness.bot_store.strikes(CHAT, USER) == 1


@pytest.mark.postgres
def test_a_redelivered_task_does_nothing(queue_bot: QueueBot,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    api = queue_bot.api
    update = api.photo_message(CHAT, USER, cropped_copy(BLOCK_SEED))
    api.add_update(update)
    receiver = queue_bot.receiver()
    with queue_bot.worker():
        queue_bot.harness.run_until(receiver, lambda: bool(api.deleted())
                                    and queue_bot.pending() == 0, timeout=60)
    calls = len(api.calls)
    monkeypatch.setenv("REMPART_TELEGRAM_TOKEN", api.token)
    app = build(queue_bot.settings.model_copy(update={"bot": BotSettings(
        api_url=api.api_url, file_url=api.file_url, chat_defaults=DEFAULTS)}))
    chat = ChatHandler(app)
    try:
        held = chat.service.work.chat_lock(CHAT)
        assert held is not None
        try:
            assert chat.run(CHAT) == 0  # another worker holds the chat: turned away
        finally:
            held.release()
        assert chat.run(CHAT) == 0  # the same task again: its update is done
    finally:
        chat.close()
        app.close()
    assert [c.method for c in api.calls[calls:]] in ([], ["getMe"])
    assert _deletions(api) == Counter({(CHAT, update["message"]["message_id"]): 1})


def _receiver(h: BotHarness, send: Any) -> QueueReceiver:
    store = open_store(h.db_url)
    h.stores.append(store)
    settings = BotSettings(poll_timeout_seconds=1, chat_defaults=DEFAULTS)
    service = BotService(SqlBotStore(store.engine), MatchService(store), None, settings)
    bot = make_bot(h.api.token, h.api.api_url, h.api.file_url, poll_timeout=1)
    return QueueReceiver(bot, service, settings, send=send)


def test_a_webhook_receiver_stores_updates_once_and_sends_only_chat_ids(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    sent: list[Any] = []
    receiver = _receiver(h, sent.append)
    app = webhook_app(receiver, secret="s3cret")
    update = {"update_id": 901, **api.photo_message(CHAT, USER, cropped_copy(BLOCK_SEED))}

    async def go() -> list[int]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hook") as client:
                return [(await client.post("/telegram", json=update, headers={
                    SECRET_HEADER: "s3cret"})).status_code for _ in range(2)]

    assert asyncio.run(go()) == [200, 200]
    assert sent == [CHAT]  # the second delivery was known: nothing sent again
    stored = h.bot_store.get_update(901)
    assert stored is not None and stored.status == "pending"  # for a worker to handle
    assert api.deleted() == set()


def test_one_receiver_sends_the_outbox_and_another_takes_over(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    _, h = bot_env
    first, second = _receiver(h, print), _receiver(h, print)

    async def go() -> list[bool]:
        await first.sweep()
        await second.sweep()
        states = [first.sending, second.sending]
        await first.close(grace=0)
        second._checked_at = 0.0  # its next look at the lock, without waiting a second
        await second.sweep()
        states.append(second.sending)
        await second.close(grace=0)
        return states

    assert asyncio.run(go()) == [True, False, True]


def test_an_album_is_remembered_by_whichever_process_handles_its_next_member(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    bad = api.photo_message(CHAT, USER, cropped_copy(BLOCK_SEED), media_group_id="alb9")
    api.add_update(bad)
    first = h.runner()
    h.run_until(first, lambda: (CHAT, bad["message"]["message_id"]) in api.deleted())
    sibling = api.photo_message(CHAT, USER, photo_bytes(64, SIZE), media_group_id="alb9")
    api.add_update(sibling)
    second = h.runner()  # another process: no memory shared with the first
    h.run_until(second, lambda: (CHAT, sibling["message"]["message_id"]) in api.deleted())
    assert (CHAT, sibling["message"]["message_id"]) in api.deleted()
