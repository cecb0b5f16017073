"""A bot wired to a fresh database and the fake Bot API server, driven through real HTTP: the
helpers shared by the bot tests and the attack suite (``tests/security``)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from rempart.adapters.telegram_bot import BotRunner, make_bot
from rempart.bench.edits import apply_edit
from rempart.bench.fake_bot_api import FakeBotApi
from rempart.bench.synthetic_images import make_photo, photo_bytes
from rempart.config import BotSettings
from rempart.core.banks import BankKind, BankPolicy, Provenance
from rempart.core.media_signals import hash_bytes
from rempart.services import banks as bank_service
from rempart.services.bot import BotService
from rempart.services.matching import MatchService
from rempart.services.notices import NoticeService
from rempart.store.audit import SqlAuditLog
from rempart.store.bot import SqlBotStore
from rempart.store.notices import SqlNoticeStore
from rempart.store.sql import SqlBankStore, open_store
from rempart.store.users import SqlUserStore

CHAT = -1001234567890
ADMIN_CHAT = -1009999999999
USER = 4242
ADMIN = 77
BLOCK_SEED = 7
REVIEW_SEED = 8
SIZE = (800, 600)


def jpeg(im: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def cropped_copy(seed: int) -> bytes:
    """A banked photo, cropped and re-encoded at another quality."""
    return jpeg(apply_edit("crop_sides", make_photo(seed, SIZE), random.Random(3)), 72)


def bank_db(store: SqlBankStore) -> None:
    """A block bank (moderator) with photo 7, a review bank (victims) with photo 8."""
    bank_service.create_bank(store, "confirmed", kind=BankKind.MODERATOR,
                             policy=BankPolicy.BLOCK)
    bank_service.create_bank(store, "victims", kind=BankKind.VICTIM, policy=BankPolicy.REVIEW)
    for name, seed in (("confirmed", BLOCK_SEED), ("victims", REVIEW_SEED)):
        bank_service.add_media(store, name,
                               [(Path(f"{seed}.jpg"), hash_bytes(photo_bytes(seed, SIZE)))],
                               Provenance(source="test", labels=("ncii",)))


class BotHarness:
    """One bot process (a runner) over the database; ``run_until`` drives it."""

    def __init__(self, api: FakeBotApi, db_url: str, **defaults: Any) -> None:
        self.api = api
        self.db_url = db_url
        self.defaults = {"admin_chat_id": ADMIN_CHAT, **defaults}
        self.stores: list[SqlBankStore] = []

    def runner(self, on_update_done: Callable[[int], None] | None = None,
               **settings_: Any) -> BotRunner:
        store = open_store(self.db_url)
        self.stores.append(store)
        matching = MatchService(store)
        matching.load()
        settings = BotSettings(poll_timeout_seconds=1, chat_defaults=self.defaults,
                               **settings_)
        e = store.engine
        notices = NoticeService(SqlNoticeStore(e), SqlUserStore(e), SqlAuditLog(e))
        service = BotService(SqlBotStore(e), matching, notices, settings)
        bot = make_bot(self.api.token, self.api.api_url, self.api.file_url, poll_timeout=1)
        return BotRunner(bot, service, settings, on_update_done=on_update_done)

    def run_until(self, runner: BotRunner, cond: Callable[[], bool], timeout: float = 20.0,
                  stop_when: Callable[[], bool] | None = None) -> None:
        """Poll until ``cond()`` (bounded), then stop the runner cleanly."""

        async def go() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(runner.run_polling(stop))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while not cond() and loop.time() < deadline and not task.done():
                if stop_when is not None and stop_when():
                    task.cancel()
                    break
                await asyncio.sleep(0.01)
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 15)

        asyncio.run(go())

    @property
    def bot_store(self) -> SqlBotStore:
        return SqlBotStore(self.stores[-1].engine)

    def close(self) -> None:
        for store in self.stores:
            store.close()
