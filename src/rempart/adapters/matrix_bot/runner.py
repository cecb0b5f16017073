"""The Matrix bot's loop: sync, join the rooms it is invited to, check every event, send the
actions. The rules are the Telegram bot's (``services.bot``): this translates.

Durability: the sync token is saved (``services.matrix_bot``) only once every event of the sync
was handled, so a restart resumes where the bot stopped and neither misses nor redoes an event
(handling one twice would do nothing new: findings and actions are keyed by event). A sync
whose timeline was cut (``limited``: more events than the filter's limit) is completed by
paging back through the room's history, bounded by ``BACKFILL_PAGES``.

Concurrency: rooms side by side (``bot.concurrency``), each room's events in order; downloads
are async and streamed into memory, hashing and database work run on worker threads. One
failing event (a timeout, an error) is logged and counted, and the rest goes on; the sync is
then handled again (``SYNC_RETRIES`` times, redoing nothing already done) before the bot moves
past it.

Beside it: ``files`` reads (and decrypts) an event's files, ``rooms`` what the bot reads of its
rooms (invitations, power levels, names), ``commands`` the moderators' commands, ``outbox``
the sending of decided actions.

Example::

    client = await connect(homeserver, "@rempart:example.org", token=token)  # client.py
    await MatrixRunner(client, service, settings).run(stop)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import nio

from rempart.adapters.background import repeat, stop_tasks, unless_stopped
from rempart.adapters.bot_checks import check_message
from rempart.adapters.matrix_bot import e2ee
from rempart.adapters.matrix_bot.commands import MatrixCommands
from rempart.adapters.matrix_bot.events import MatrixMessage, message_of
from rempart.adapters.matrix_bot.files import MatrixFiles
from rempart.adapters.matrix_bot.outbox import MatrixOutbox
from rempart.adapters.matrix_bot.powers import Powers, missing
from rempart.adapters.matrix_bot.rooms import (
    E2EE_NOTICE,
    ENCRYPTED_NOTICE,
    inviter_of,
    may_invite,
    room_name,
    room_powers,
)
from rempart.config import BotSettings, MatrixSettings
from rempart.core.bot_queue import OutboxRow
from rempart.services.bot import Outcome
from rempart.services.matrix_bot import MatrixBotService

log = logging.getLogger(__name__)
T = TypeVar("T")
BACKFILL_PAGES = 20
PAGE = 100
SWEEP_SECONDS = 1.0
SYNC_RETRIES = 2  # a sync with a failed event is handled again this many times
SYNC_FILTER: dict[str, Any] = {
    "room": {"timeline": {"limit": PAGE}, "state": {"lazy_load_members": True},
             "ephemeral": {"not_types": ["*"]}, "account_data": {"not_types": ["*"]}},
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
}


class MatrixRunner:
    """One Matrix bot account: sync, rooms, checks, the outbox."""

    def __init__(self, client: nio.AsyncClient, service: MatrixBotService,
                 settings: MatrixSettings, bot_settings: BotSettings | None = None, *,
                 on_outcome: Callable[[Outcome], None] | None = None,
                 on_sent: Callable[[OutboxRow], None] | None = None) -> None:
        self.client = client
        self.service = service
        self.settings = settings
        self.bot_settings = bot_settings or service.bot.settings
        self.on_outcome = on_outcome
        self.outbox = MatrixOutbox(client, service, self.io, on_sent)
        self.commands = MatrixCommands(self)
        self._hashing = ThreadPoolExecutor(self.bot_settings.hash_workers, "rempart-mx-hash")
        self._database = ThreadPoolExecutor(4, "rempart-mx-db")
        self.files = MatrixFiles(client, settings, self._hashing)
        self._rooms = asyncio.Semaphore(max(1, self.bot_settings.concurrency))
        self.since: str | None = None
        self.processed = 0  # events handled
        self.errors = 0  # events whose handling failed (logged)
        self.encrypted = 0  # encrypted events this bot cannot read (no room key)
        self.syncs = 0
        self._retries = 0

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def io(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a database thread."""
        return await asyncio.get_running_loop().run_in_executor(
            self._database, partial(fn, *args))

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Read the saved sync token; join the moderators' room and remember its id."""
        self.since = await self.io(self.service.since, self.user_id)
        room = self.settings.moderators_room
        if room:
            await self.io(self.service.remember, [self.service.number("room", room)])
            joined = await self.client.join(room)
            if isinstance(joined, nio.ErrorResponse):
                log.warning("cannot join the moderators' room %s: %s", room, joined.message)

    async def close(self, grace: float | None = None) -> None:
        """Finish sends in progress (bounded), stop the threads, log out of nothing (the
        token stays valid for the next start)."""
        await self.outbox.close(self.bot_settings.stop_grace_seconds if grace is None
                                else grace)
        self._hashing.shutdown(wait=False, cancel_futures=True)
        self._database.shutdown(wait=False, cancel_futures=True)
        await self.files.close()
        await self.client.close()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Sync until ``stop`` is set; cancelling stops at once (nothing is lost: the token
        is saved only after a sync's events were handled)."""
        stop = stop or asyncio.Event()
        await self.start()
        sweeps = asyncio.create_task(repeat(self.outbox.sweep, SWEEP_SECONDS, log=log,
                                            failed="sweep of stored Matrix actions failed"))
        try:
            while not stop.is_set():
                await self.sync_once(stop)
        finally:
            await stop_tasks([sweeps])

    async def sync_once(self, stop: asyncio.Event | None = None) -> bool:
        """One sync: wait for events (up to ``sync_timeout_seconds``), handle them, save the
        token. False when the sync failed (retried after a pause)."""
        timeout = int(self.settings.sync_timeout_seconds * 1000)
        sync = asyncio.ensure_future(self.client.sync(
            timeout=timeout if self.since else 0, sync_filter=SYNC_FILTER, since=self.since))
        if not await unless_stopped(sync, stop or asyncio.Event()):
            return False
        try:
            response = sync.result()
        except Exception as e:  # the homeserver away: try again
            log.warning("sync failed: %s", type(e).__name__)
            await asyncio.sleep(1.0)
            return False
        if isinstance(response, nio.ErrorResponse):
            log.warning("sync refused: %s %s", response.status_code, response.message)
            await asyncio.sleep(2.0 if response.retry_after_ms is None
                                else response.retry_after_ms / 1000)
            return False
        errors = self.errors
        try:
            await self.handle_sync(response)
        except Exception:  # the database away: the same events again after a pause
            log.exception("handling a sync failed; it is tried again")
            errors = -1
        if self.client.olm:
            try:
                await e2ee.maintain(self.client)
            except Exception as e:  # keys are refreshed after the next sync
                log.warning("key upload/query failed: %s", type(e).__name__)
        if self.errors != errors and self._retries < SYNC_RETRIES:
            # An event failed (the database or the homeserver away a moment): handle the same
            # sync again, which redoes nothing already done; after the last try, move on.
            self._retries += 1
            await asyncio.sleep(2.0 * self._retries)
            return False
        self._retries = 0
        self.since = response.next_batch
        await self.io(self.service.save_since, self.user_id, response.next_batch)
        self.syncs += 1
        return True

    # --- a sync -----------------------------------------------------------------------------

    async def handle_sync(self, response: nio.SyncResponse) -> None:
        """Join the rooms the bot is invited to, then handle every room's new events."""
        for room_id, invite in list(response.rooms.invite.items()):
            inviter = inviter_of(invite.invite_state, self.user_id)
            if may_invite(self.settings.invite_servers, self.user_id, inviter):
                await self.on_invite(room_id)
            else:
                log.warning("invitation to %s from %s ignored (not an allowed server)",
                            room_id, inviter)
        for room_id in list(response.rooms.leave):
            chat = self.service.number("room", room_id)
            await self.io(self.service.bot.chat_changed, chat, "room", None, "left", {},
                          self.service.number("event", f"{room_id}:left"), [])
        first = self.since is None
        rooms = []
        for room_id, joined in response.rooms.join.items():
            events = [e.source for e in joined.timeline.events if isinstance(e.source, dict)]
            rooms.append(self._room(room_id, events, joined.timeline.limited and not first,
                                    joined.timeline.prev_batch))
        await asyncio.gather(*rooms)

    async def _room(self, room_id: str, events: list[dict[str, Any]], limited: bool,
                    prev_batch: str | None) -> None:
        async with self._rooms:
            if limited and prev_batch:
                events = [*await self._backfill(room_id, prev_batch), *events]
            for event in events:
                await self.handle_event(room_id, event)

    async def _backfill(self, room_id: str, token: str) -> list[dict[str, Any]]:
        """The events a cut timeline left out, oldest first: pages back until events already
        logged (handled before) or ``BACKFILL_PAGES`` pages."""
        older: list[dict[str, Any]] = []
        for _ in range(BACKFILL_PAGES):
            page = await self.client.room_messages(room_id, start=token, limit=PAGE)
            if isinstance(page, nio.ErrorResponse) or not page.chunk:
                break
            chunk = [e.source for e in page.chunk if isinstance(e.source, dict)]
            handled = await self.io(self.service.handled, room_id,
                                    [str(e.get("event_id")) for e in chunk])
            older.extend(e for e in chunk if e.get("event_id") not in handled)
            if handled or not page.end or page.end == token:
                break
            token = page.end
        log.info("room %s: %d event(s) fetched back after a cut sync", room_id, len(older))
        return older[::-1]

    async def on_invite(self, room_id: str) -> None:
        """Join, read the bot's power, say in the room what it lacks (or that it is active)."""
        joined = await self.client.join(room_id)
        if isinstance(joined, nio.ErrorResponse):
            log.warning("cannot join %s: %s", room_id, joined.message)
            return
        await self.room_rights(room_id, notify=True)

    async def room_rights(self, room_id: str, *, notify: bool = False
                          ) -> tuple[dict[str, bool], list[str], Powers]:
        """The bot's rights in a room and what it lacks (recorded; told to the room once)."""
        powers = await room_powers(self.client, room_id)
        rights = powers.rights(self.user_id)
        lacking = missing(rights)
        if notify:
            chat = self.service.number("room", room_id)
            key = self.service.number("event", f"{room_id}:joined")
            await self.io(self.service.remember, [chat])
            rows = await self.io(self.service.bot.chat_changed, chat, "room",
                                 room_name(self.client, room_id), "member", rights, key, lacking)
            self.outbox.send(rows)
            if powers.encrypted:
                await self.commands.reply(room_id, E2EE_NOTICE if self.client.olm
                                          else ENCRYPTED_NOTICE)
        return rights, lacking, powers

    # --- one event --------------------------------------------------------------------------

    async def handle_event(self, room_id: str, event: dict[str, Any]) -> None:
        """Check one event within the time limit; a failure is logged and counted."""
        if event.get("sender") == self.user_id:
            return
        if event.get("type") == "m.room.encrypted":
            self.encrypted += 1
            log.info("event %s in %s: encrypted without a key for this device, unchecked",
                     event.get("event_id"), room_id)
            return
        with self.files.keys_of(event):
            try:
                message = message_of(event, room_id, room_name(self.client, room_id),
                                     self.service.number)
                if message is None:
                    return
                await asyncio.wait_for(self._handle(message),
                                       self.bot_settings.update_timeout_seconds)
                self.processed += 1
            except asyncio.CancelledError:
                raise
            except TimeoutError:
                self.errors += 1
                log.warning("event %s in %s: not handled within %g s", event.get("event_id"),
                            room_id, self.bot_settings.update_timeout_seconds)
            except Exception as e:
                self.errors += 1
                log.warning("event %s in %s failed: %s: %s", event.get("event_id"), room_id,
                            type(e).__name__, e)

    async def _handle(self, message: MatrixMessage) -> None:
        outcome = await self.check(message)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        await self.commands.on_command(message)

    async def check(self, message: MatrixMessage) -> Outcome:
        """Check a message and start sending what was decided: the service says what to
        download, the files are read into memory, hashed (bytes dropped) and decided on."""
        outcome = await check_message(
            self.service.bot, message, io=self.io, read=self.files.read,
            hashing=partial(asyncio.get_running_loop().run_in_executor, self._hashing))
        if outcome.actions:
            await self.io(self.service.remember, self.numbers(message, outcome))
            self.outbox.send(outcome.actions)
        return outcome

    def numbers(self, message: MatrixMessage, outcome: Outcome | None = None) -> list[int]:
        """The numbers an action about this message may name (stored before it is sent)."""
        out = [message.chat_id, message.message_id]
        if message.user_id is not None:
            out.append(message.user_id)
        if outcome is not None and outcome.admin_chat_id is not None:
            out.append(outcome.admin_chat_id)
        return out

    async def get_event(self, room_id: str, event_id: str) -> MatrixMessage | None:
        """Another event of the room (the one a ``!report`` replies to), or None."""
        got = await self.client.room_get_event(room_id, event_id)
        if isinstance(got, nio.ErrorResponse):
            return None
        return message_of(got.event.source, room_id, room_name(self.client, room_id),
                          self.service.number)

    async def idle(self) -> None:
        """Wait for the sends started so far (tests and benchmarks)."""
        await self.outbox.idle()

