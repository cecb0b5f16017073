"""Members of the test homeserver (plain client-server API over httpx) and a Matrix bot wired to
a fresh database holding the two test banks: a block bank (photo 7) and a review bank of
victims' unconfirmed registrations (photo 8). Images are generated, never real."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PIL import Image

from rempart.adapters.matrix_bot import MatrixRunner, connect
from rempart.app import build, matrix_service
from rempart.bench.edits import apply_edit
from rempart.bench.synapse_peer import PASSWORD as PASSWORD
from rempart.bench.synapse_peer import Member as Member
from rempart.bench.synapse_peer import SynapsePeer
from rempart.bench.synapse_peer import unique as unique
from rempart.bench.synthetic_images import make_photo, photo_bytes
from rempart.config import BotSettings, MatrixSettings, Settings
from rempart.core.banks import BankKind, BankPolicy, Provenance
from rempart.core.media_signals import hash_bytes
from rempart.services import banks as bank_service
from rempart.services.bot import Outcome
from rempart.services.matrix_bot import matrix_number

IN_CI = os.environ.get("CI", "").lower() == "true"
BLOCK_SEED = 7
REVIEW_SEED = 8
SIZE = (800, 600)


def jpeg(im: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def edited_copy(seed: int, edit: str = "crop_sides", rng_seed: int = 3) -> bytes:
    """A banked photo, edited (cropped, captioned…) and re-encoded at another quality."""
    return jpeg(apply_edit(edit, make_photo(seed, SIZE), random.Random(rng_seed)), 72)


def clean_photo(seed: int = 50) -> bytes:
    return photo_bytes(seed, SIZE)


def bank_db(db_url: str) -> None:
    """The two test banks in a fresh database."""
    from rempart.store.sql import open_store

    store = open_store(db_url)
    bank_service.create_bank(store, "confirmed", kind=BankKind.MODERATOR,
                             policy=BankPolicy.BLOCK)
    bank_service.create_bank(store, "victims", kind=BankKind.VICTIM, policy=BankPolicy.REVIEW)
    for name, seed in (("confirmed", BLOCK_SEED), ("victims", REVIEW_SEED)):
        bank_service.add_media(store, name,
                               [(Path(f"{seed}.jpg"), hash_bytes(photo_bytes(seed, SIZE)))],
                               Provenance(source="test", labels=("ncii",)))
    store.close()


class BotUnderTest:
    """A bot account, its database and runner; ``start``/``stop`` run it in the test's loop."""

    def __init__(self, hs: SynapsePeer, db_url: str, moderators_room: str | None = None,
                 download_limit: int = 50 * 1024 * 1024, banks: bool = True,
                 **policy: Any) -> None:
        self.hs = hs
        data = hs.register(unique("rempart"), PASSWORD)
        self.user_id: str = data["user_id"]
        self.token: str = data["access_token"]
        defaults = dict(policy)
        if moderators_room:
            defaults["admin_chat_id"] = matrix_number("room", moderators_room)
        self.settings = Settings(database_url=db_url, bot=BotSettings(chat_defaults=defaults))
        self.matrix = MatrixSettings(homeserver=hs.url, user_id=self.user_id,
                                     moderators_room=moderators_room,
                                     download_limit_bytes=download_limit,
                                     sync_timeout_seconds=1.0)
        if banks:
            bank_db(db_url)
        self.app = build(self.settings)
        self.outcomes: list[Outcome] = []
        self.runner: MatrixRunner | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def start(self) -> MatrixRunner:
        client = await connect(self.hs.url, self.user_id, token=self.token)
        self.runner = MatrixRunner(client, matrix_service(self.app), self.matrix,
                                   self.settings.bot, on_outcome=self.outcomes.append)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.runner.run(self._stop))
        return self.runner

    async def stop(self) -> None:
        if self._task is None or self.runner is None:
            return
        self._stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._task, 30)
        await self.runner.close()
        self._task = None

    def outcome_of(self, event_id: str) -> Outcome | None:
        for outcome in self.outcomes:
            if getattr(outcome.message, "event_id", None) == event_id:
                return outcome
        return None

    def review_items(self) -> list[dict[str, Any]]:
        from rempart.store.bot import SqlBotStore

        return SqlBotStore(self.app.store.engine).review_items()

    def close(self) -> None:
        self.app.close()


async def until(cond: Callable[[], Any], timeout: float = 30.0, what: str = "") -> None:
    """Wait (bounded) until ``cond()`` — sync or async — is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = cond()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or cond}")
        await asyncio.sleep(0.05)


@contextlib.contextmanager
def bot(hs: SynapsePeer, db_url: str, **kw: Any) -> Iterator[BotUnderTest]:
    b = BotUnderTest(hs, db_url, **kw)
    try:
        yield b
    finally:
        b.close()
