"""Composition root: ``build(settings)`` wires the store, the matcher and the services into an
``App``; ``create_http_app(app)`` serves it over HTTP. No module-level singletons: one process
can hold an app on SQLite and another on PostgreSQL.

Example::

    app = build(Settings(database_url="sqlite:///rempart.sqlite3"))
    api = create_http_app(app)          # uvicorn.run(api)
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

from fastapi import FastAPI

from rempart.config import Settings
from rempart.core.flood import FloodRule
from rempart.runtime import TRIM_AFTER, background_work, lower_thread_priority, release_memory
from rempart.services.matching import MatchService, MatchStore
from rempart.store.limits import RateStore, open_rate_store
from rempart.store.sql import SqlBankStore, open_store
from rempart.store.tokens import SqlTokenStore

log = logging.getLogger(__name__)


class FeedFollower:
    """A daemon thread applying the banks' change feed to the matcher every ``interval`` s.

    A hash added or withdrawn by any process takes effect within one interval, without
    rebuilding anything (the matcher is updated entry by entry).
    """

    def __init__(self, matching: MatchService, interval: float) -> None:
        self.matching = matching
        self.interval = interval
        self.last_ok = time.monotonic()  # the last successful read of the feed
        self.errors = 0
        self.failures = 0  # failed reads since the last successful one
        self.applied = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start following (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rempart-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def step(self) -> int:
        """Apply pending changes once; returns how many were applied."""
        try:
            if not self.matching.behind():
                applied = 0
            else:
                with background_work():
                    applied = self.matching.refresh()
        except Exception:  # a database hiccup must not kill the thread: retry next tick
            self.errors += 1
            self.failures += 1
            log.exception("change feed refresh failed")
            return 0
        self.applied += applied
        self.failures = 0
        self.last_ok = time.monotonic()
        if applied >= TRIM_AFTER:
            release_memory()  # a burst of changes leaves garbage and freed pages behind
        return applied

    def _run(self) -> None:
        lower_thread_priority()  # lookups first when the machine is busy
        while not self._stop.wait(self.interval):
            self.step()


@dataclass
class App:
    """Everything a running Rempart holds: settings, store, matcher, token store."""

    settings: Settings
    store: SqlBankStore
    matching: MatchService
    tokens: SqlTokenStore
    follower: FeedFollower = field(init=False)
    limits: RateStore = field(init=False)  # rate limits shared by every process

    def __post_init__(self) -> None:
        self.follower = FeedFollower(self.matching, self.settings.http.refresh_seconds)
        self.limits = open_rate_store(self.store.engine, self.settings.redis_url)

    def close(self) -> None:
        """Stop the follower and release the database connections."""
        self.follower.stop()
        self.store.close()


def build(settings: Settings, *, load: bool = True) -> App:
    """Open (and migrate) the database, load every bank into the matcher."""
    store = open_store(settings.database_url)
    matching = MatchService(
        cast(MatchStore, store),
        settings=settings.hashing,
        flood=FloodRule(
            settings.flood_max_distinct_uploads,
            timedelta(seconds=settings.flood_window_seconds),
            settings.flood_max_distinct_places,
            settings.flood_max_distinct_senders,
        ),
    )
    if load:
        matching.load()
    return App(settings, store, matching, SqlTokenStore(store.engine))


def build_server(settings: Settings) -> App:
    """:func:`build` for a long-running server: malloc tuned before loading, the memory
    loading left behind returned, start-up objects frozen (see :mod:`rempart.runtime`)."""
    from rempart.runtime import collector_paused, settle, tune_process

    tune_process()
    with collector_paused():  # a million rows loaded: no full collections on the way
        app = build(settings)
    settle()
    return app


def create_http_app(app: App) -> FastAPI:
    """The FastAPI application serving ``app``; its lifespan runs the change-feed follower."""
    from rempart.adapters.http.api import create_api

    return create_api(app, on_start=app.follower.start, on_stop=app.follower.stop)


def http_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers: settings from ``REMPART_*``."""
    return create_http_app(build_server(Settings()))
