"""Fixtures of the bot tests: the fake Bot API server and a harness over a fresh database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bot_support import ADMIN, CHAT, BotHarness, bank_db

from rempart.bench.fake_bot_api import FakeBotApi
from rempart.store.sql import open_store


@pytest.fixture
def bot_env(sqlite_url: str) -> Iterator[tuple[FakeBotApi, BotHarness]]:
    """The fake server and a harness over a database holding the two test banks."""
    store = open_store(sqlite_url)
    bank_db(store)
    store.close()
    with FakeBotApi() as api:
        api.set_admins(CHAT, {ADMIN})
        harness = BotHarness(api, sqlite_url)
        try:
            yield api, harness
        finally:
            harness.close()
