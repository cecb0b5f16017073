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

Example::

    client = await connect(homeserver, "@rempart:example.org", token=token)  # client.py
    await MatrixRunner(client, service, settings).run(stop)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import httpx
import nio

from rempart.adapters.matrix_bot import e2ee
from rempart.adapters.matrix_bot.commands import MatrixCommands
from rempart.adapters.matrix_bot.events import ENCRYPTED_PREFIX, MatrixMessage, message_of
from rempart.adapters.matrix_bot.media import SNIFF_BYTES, MediaRefused, NotMedia, download
from rempart.adapters.matrix_bot.outbox import MatrixOutbox
from rempart.adapters.matrix_bot.powers import Powers, missing
from rempart.config import BotSettings, MatrixSettings
from rempart.core.bot_queue import OutboxRow
from rempart.core.media import sniff
from rempart.services.bot import Outcome
from rempart.services.bot_messages import BotMedia, Fetched, NotFetched
from rempart.services.matrix_bot import MatrixBotService

log = logging.getLogger(__name__)
T = TypeVar("T")
BACKFILL_PAGES = 20
PAGE = 100
SWEEP_SECONDS = 1.0
ENCRYPTED_NOTICE = ("This room is end-to-end encrypted: Rempart cannot see its messages, "
                    "images or files, and checks nothing here.")
E2EE_NOTICE = ("This room is end-to-end encrypted: Rempart checks the messages whose keys are "
               "shared with its device (sent after it joined); it cannot see earlier messages "
               "or any whose keys it was not given, and counts those unchecked.")
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
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
        self._rooms = asyncio.Semaphore(max(1, self.bot_settings.concurrency))
        self.since: str | None = None
        self.processed = 0  # events handled
        self.errors = 0  # events whose handling failed (logged)
        self.encrypted = 0  # encrypted events this bot cannot read (no room key)
        self._keys: dict[str, e2ee.AttachmentKey] = {}  # encrypted attachments being checked
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
        await self._http.aclose()
        await self.client.close()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Sync until ``stop`` is set; cancelling stops at once (nothing is lost: the token
        is saved only after a sync's events were handled)."""
        stop = stop or asyncio.Event()
        await self.start()
        sweeps = asyncio.create_task(self._sweeps())
        try:
            while not stop.is_set():
                await self.sync_once(stop)
        finally:
            sweeps.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeps

    async def sync_once(self, stop: asyncio.Event | None = None) -> bool:
        """One sync: wait for events (up to ``sync_timeout_seconds``), handle them, save the
        token. False when the sync failed (retried after a pause)."""
        timeout = int(self.settings.sync_timeout_seconds * 1000)
        sync = asyncio.ensure_future(self.client.sync(
            timeout=timeout if self.since else 0, sync_filter=SYNC_FILTER, since=self.since))
        waits: set[asyncio.Future[Any]] = {sync}
        stopping = asyncio.ensure_future(stop.wait()) if stop is not None else None
        if stopping is not None:
            waits.add(stopping)
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if stopping is not None:
                stopping.cancel()
        if not sync.done():
            sync.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sync
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

    async def _sweeps(self) -> None:
        """Every second: stored actions that are due (retries, leftovers of an earlier run)."""
        while True:
            try:
                await self.outbox.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweep of stored Matrix actions failed")
            await asyncio.sleep(SWEEP_SECONDS)

    # --- a sync -----------------------------------------------------------------------------

    async def handle_sync(self, response: nio.SyncResponse) -> None:
        """Join the rooms the bot is invited to, then handle every room's new events."""
        for room_id, invite in list(response.rooms.invite.items()):
            inviter = inviter_of(invite.invite_state, self.user_id)
            if self.may_invite(inviter):
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

    def may_invite(self, inviter: str | None) -> bool:
        """Whether an invitation from ``inviter`` is accepted (``invite_servers``): anyone can
        invite a Matrix account anywhere, and each room costs the bot work."""
        allowed = self.settings.invite_servers or [self.user_id.split(":", 1)[-1]]
        if "*" in allowed:
            return True
        return inviter is not None and inviter.split(":", 1)[-1] in allowed

    async def on_invite(self, room_id: str) -> None:
        """Join, read the bot's power, say in the room what it lacks (or that it is active)."""
        joined = await self.client.join(room_id)
        if isinstance(joined, nio.ErrorResponse):
            log.warning("cannot join %s: %s", room_id, joined.message)
            return
        await self.room_rights(room_id, notify=True)

    async def powers(self, room_id: str) -> Powers:
        """The room's power levels and creators as they are now."""
        got = await self.client.room_get_state(room_id)
        if isinstance(got, nio.ErrorResponse):
            return Powers({})
        return Powers.of_state(e for e in got.events if isinstance(e, dict))

    async def room_rights(self, room_id: str, *, notify: bool = False
                          ) -> tuple[dict[str, bool], list[str], Powers]:
        """The bot's rights in a room and what it lacks (recorded; told to the room once)."""
        powers = await self.powers(room_id)
        rights = powers.rights(self.user_id)
        lacking = missing(rights)
        if notify:
            chat = self.service.number("room", room_id)
            key = self.service.number("event", f"{room_id}:joined")
            await self.io(self.service.remember, [chat])
            rows = await self.io(self.service.bot.chat_changed, chat, "room",
                                 self.room_name(room_id), "member", rights, key, lacking)
            self.outbox.send(rows)
            if powers.encrypted:
                await self.commands.reply(room_id, E2EE_NOTICE if self.client.olm
                                          else ENCRYPTED_NOTICE)
        return rights, lacking, powers

    def room_name(self, room_id: str) -> str | None:
        room = self.client.rooms.get(room_id)
        return (room.name or room.display_name) if room is not None else None

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
        keys = e2ee.attachment_keys(event) if self.client.olm else {}
        self._keys.update(keys)
        try:
            message = message_of(event, room_id, self.room_name(room_id), self.service.number)
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
        finally:
            for file_id in keys:
                self._keys.pop(file_id, None)

    async def _handle(self, message: MatrixMessage) -> None:
        outcome = await self.check(message)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        await self.commands.on_command(message)

    async def check(self, message: MatrixMessage) -> Outcome:
        """Check a message and start sending what was decided: the service says what to
        download, the files are read into memory, hashed (bytes dropped) and decided on."""
        bot = self.service.bot
        prepared = await self.io(bot.prepare, message)
        fetched: dict[str, Fetched] = {}
        try:
            for media in prepared.fetch:
                await self.fetch(media, fetched)
            outcome = await asyncio.get_running_loop().run_in_executor(
                self._hashing, bot.finish, message, prepared, fetched)
        finally:
            fetched.clear()
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

    async def fetch(self, media: BotMedia, into: dict[str, Fetched]) -> None:
        """Read one file into ``into``, or say why not (over the limit: its thumbnail)."""
        key = media.file_unique_id
        attachment = None
        if media.file_id.startswith(ENCRYPTED_PREFIX):
            attachment = self._keys.get(media.file_id)
            if attachment is None:
                into[key] = NotFetched("failed", "encrypted attachment: no key to decrypt it")
                return
        try:
            mxc = media.file_id.removeprefix(ENCRYPTED_PREFIX) if attachment else media.file_id
            data = await download(self._http, self.client.homeserver, self.client.access_token,
                                  mxc, self.settings.download_limit_bytes,
                                  sniffed=media.sniffed and attachment is None)
            if data is not None and attachment is not None:
                data = await asyncio.get_running_loop().run_in_executor(
                    self._hashing, e2ee.decrypt, data, attachment)
                if media.sniffed and sniff(data[:SNIFF_BYTES]) is None:
                    raise NotMedia(mxc)
        except e2ee.BadAttachment as e:
            into[key] = NotFetched("failed", f"encrypted attachment: not decrypted ({e})")
            return
        except NotMedia:
            into[key] = NotFetched("not_media")
            return
        except MediaRefused as e:
            into[key] = NotFetched("failed", str(e))
            return
        except httpx.HTTPError as e:
            into[key] = NotFetched("failed", f"download failed: {type(e).__name__}")
            return
        if data is not None:
            into[key] = data
            return
        into[key] = NotFetched("too_large")
        if media.thumbnail is not None and media.thumbnail.file_unique_id not in into:
            await self.fetch(media.thumbnail, into)

    async def get_event(self, room_id: str, event_id: str) -> MatrixMessage | None:
        """Another event of the room (the one a ``!report`` replies to), or None."""
        got = await self.client.room_get_event(room_id, event_id)
        if isinstance(got, nio.ErrorResponse):
            return None
        return message_of(got.event.source, room_id, self.room_name(room_id),
                          self.service.number)

    async def idle(self) -> None:
        """Wait for the sends started so far (tests and benchmarks)."""
        await self.outbox.idle()



def inviter_of(invite_state: list[Any], user_id: str) -> str | None:
    """Who invited ``user_id``, from an invited room's stripped state."""
    for event in invite_state:
        source = getattr(event, "source", None)
        if (isinstance(source, dict) and source.get("type") == "m.room.member"
                and source.get("state_key") == user_id):
            sender = source.get("sender")
            return sender if isinstance(sender, str) else None
    return None
