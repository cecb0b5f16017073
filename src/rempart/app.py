"""Composition root: ``build(settings)`` builds every store and service once into an ``App``;
``create_http_app(app)`` serves it over HTTP (its adapters receive what the App holds). No
module-level singletons: one process can hold an app on SQLite and another on PostgreSQL.
The command line receives these builders from ``rempart.main`` (no adapter imports this module).

Example::

    app = build(Settings(database_url="sqlite:///rempart.sqlite3"))
    api = create_http_app(app)          # uvicorn.run(api)
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, cast

from fastapi import FastAPI

from rempart.config import Settings
from rempart.core.flood import FloodRule
from rempart.core.lockout import LockoutRule
from rempart.runtime import TRIM_AFTER, Runtime, lower_thread_priority
from rempart.services.bot_work import BotWork
from rempart.services.cases import CaseService
from rempart.services.evidence import EvidenceService
from rempart.services.exchanges import ExchangeService
from rempart.services.lockout import SignIn
from rempart.services.matching import MatchService, MatchStore
from rempart.services.notices import NoticeService
from rempart.services.reviews import ReviewService
from rempart.services.users import UserService
from rempart.store.audit import SqlAuditLog
from rempart.store.bot import SqlBotStore
from rempart.store.cases import SqlCaseStore
from rempart.store.deployment_secrets import SqlDeploymentSecrets
from rempart.store.evidence_reads import SqlEvidenceReads
from rempart.store.exchanges import SqlExchangeStore
from rempart.store.limits import RateStore, open_rate_store
from rempart.store.lockouts import SqlLockoutStore
from rempart.store.notices import SqlNoticeStore
from rempart.store.reviews import SqlReviewStore
from rempart.store.scans import SqlScanStore
from rempart.store.sessions import SqlSessionStore
from rempart.store.sql import SqlBankStore, open_store
from rempart.store.sql.bank_notify import BankBell
from rempart.store.tokens import SqlTokenStore
from rempart.store.users import SqlUserStore

if TYPE_CHECKING:
    from celery import Celery

    from rempart.services.bot import BotService
    from rempart.services.matrix_bot import MatrixBotService

log = logging.getLogger(__name__)


class FeedFollower:
    """A daemon thread applying the banks' change feed to the matcher.

    On PostgreSQL it sleeps until the database notifies a change (``bell``: every replica on
    every machine wakes within milliseconds, and reads nothing while the banks are idle); it
    reads the feed once after each (re)connection and every ``SAFETY_SECONDS`` of silence. On
    SQLite it checks the feed every ``interval`` seconds. Either way the matcher is updated
    entry by entry, never rebuilt.
    """

    SAFETY_SECONDS = 300.0
    WAKE_SECONDS = 2.0  # how soon ``stop`` is noticed while waiting for the bell

    def __init__(self, matching: MatchService, interval: float, runtime: Runtime,
                 bell: BankBell | None = None) -> None:
        self.matching = matching
        self.interval = interval
        self.runtime = runtime
        self.bell = bell
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
                with self.runtime.background():
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
            self.runtime.release_memory()  # a burst of changes leaves garbage behind
        return applied

    def _run(self) -> None:
        lower_thread_priority()  # lookups first when the machine is busy
        if self.bell is None:
            while not self._stop.wait(self.interval):
                self.step()
            return
        quiet = 0.0
        while not self._stop.is_set():
            try:
                rang = self.bell.wait(self.WAKE_SECONDS)
            except Exception:  # the database went away: retry, then read what was missed
                log.warning("change notifications lost; reconnecting", exc_info=True)
                self.failures += 1
                self._stop.wait(min(self.interval * self.failures, 30.0))
                continue
            quiet = 0.0 if rang else quiet + self.WAKE_SECONDS
            if rang or quiet >= self.SAFETY_SECONDS or self.failures:
                quiet = 0.0
                self.step()  # a failed read is tried again at every wake until it succeeds
            else:  # listening, and the last read succeeded: nothing committed went unseen
                self.last_ok = time.monotonic()
        self.bell.close()


@dataclass
class App:
    """Everything a running Rempart holds, each built once: settings, stores, the matcher and
    the services the adapters receive (``app.state.backend`` of the HTTP application)."""

    settings: Settings
    store: SqlBankStore
    matching: MatchService
    tokens: SqlTokenStore
    runtime: Runtime = field(default_factory=Runtime)  # tuning and executors
    follower: FeedFollower = field(init=False)
    limits: RateStore = field(init=False)  # rate limits shared by every process
    audit_log: SqlAuditLog = field(init=False)
    user_store: SqlUserStore = field(init=False)
    sessions: SqlSessionStore = field(init=False)
    users: UserService = field(init=False)
    notices: NoticeService = field(init=False)
    reviews: ReviewService = field(init=False)
    signin: SignIn = field(init=False)
    scans: SqlScanStore = field(init=False)
    cases: CaseService = field(init=False)
    evidence: EvidenceService = field(init=False)
    bot_work: BotWork = field(init=False)
    exchanges: ExchangeService = field(init=False)

    def __post_init__(self) -> None:
        settings, engine = self.settings, self.store.engine
        bell = (BankBell(settings.database_url) if engine.dialect.name == "postgresql"
                else None)
        self.follower = FeedFollower(self.matching, settings.http.refresh_seconds, self.runtime,
                                     bell)
        self.limits = open_rate_store(engine, settings.redis_url)
        self.audit_log = SqlAuditLog(engine)
        self.user_store = SqlUserStore(engine)
        self.sessions = SqlSessionStore(engine)
        self.users = UserService(self.user_store, sessions=self.sessions,
                                 audit_log=self.audit_log)
        self.notices = NoticeService(SqlNoticeStore(engine), self.user_store, self.audit_log,
                                     settings.notices)
        self.reviews = ReviewService(SqlReviewStore(engine), self.store,
                                     self.user_store.get_user)
        web = settings.web
        self.signin = SignIn(self.users, SqlLockoutStore(engine), LockoutRule(
            web.login_max_failures, timedelta(minutes=web.login_failure_window_minutes),
            timedelta(minutes=web.login_lockout_minutes)))
        self.scans = SqlScanStore(engine)
        limits = settings.hashing.limits
        self.cases = CaseService(
            SqlCaseStore(engine), self.store, self.scans, web.protect_max_items,
            max_frames=limits.max_video_frames, max_seconds=limits.max_video_seconds,
            fps=settings.hashing.video_fps, trusted=web.protect_trust_registrations,
            similar=self.matching)
        self.evidence = EvidenceService(SqlEvidenceReads(engine), self.cases, self.store,
                                        self.audit_log)
        self.bot_work = BotWork(SqlBotStore(engine), settings.bot.action_attempts)
        self.exchanges = ExchangeService(SqlExchangeStore(engine))

    @cached_property
    def secret(self) -> str:
        """The secret every process of the deployment derives its keys from (proofs of work,
        opaque entry ids): ``web.session_secret`` when configured, else one generated once and
        kept in the database, so that ``--workers N``, several hosts and restarts agree."""
        return self.settings.web.session_secret or SqlDeploymentSecrets(
            self.store.engine).get("web")

    def close(self) -> None:
        """Stop the follower and the executors, release the database connections."""
        self.follower.stop()
        self.runtime.close()
        self.store.close()


def build(settings: Settings, *, load: bool = True, runtime: Runtime | None = None) -> App:
    """Open (and migrate) the database, load every bank into the matcher, build the
    services (their executors: ``runtime``'s, else a new one's)."""
    store = open_store(settings.database_url)
    runtime = runtime or Runtime()
    matching = MatchService(
        cast(MatchStore, store),
        settings=settings.hashing,
        digests=runtime.digests,
        flood=FloodRule(
            settings.flood_max_distinct_uploads,
            timedelta(seconds=settings.flood_window_seconds),
            settings.flood_max_distinct_places,
            settings.flood_max_distinct_senders,
        ),
    )
    if load:
        matching.load()
    return App(settings, store, matching, SqlTokenStore(store.engine), runtime)


def build_server(settings: Settings) -> App:
    """:func:`build` for a long-running server: malloc tuned before loading, the memory
    loading left behind returned, start-up objects frozen (see :class:`rempart.runtime.Runtime`,
    which the server's work then uses)."""
    runtime = Runtime()
    if settings.broker_url:  # bulk ingest on the workers: the server keeps its CPU for lookups
        from rempart.adapters.worker.executor import CeleryTasks

        runtime.tasks.close()
        runtime.tasks = CeleryTasks(worker_celery(settings))
    runtime.tune()
    with runtime.collector_paused():  # a million rows loaded: no full collections on the way
        app = build(settings, runtime=runtime)
    runtime.settle()
    return app


def create_http_app(app: App) -> FastAPI:
    """The FastAPI application serving ``app``; its lifespan runs the change-feed follower."""
    from rempart.adapters.http.api import create_api

    api = create_api(app, on_start=app.follower.start, on_stop=app.follower.stop)
    if app.settings.matrix.antispam_secret:  # Synapse's pre-delivery check (docs/matrix.md)
        from rempart.adapters.matrix_bot.antispam import mount

        mount(api, matrix_service(app), app.settings.matrix,
              os.environ.get("REMPART_MATRIX_TOKEN", ""))
    return api


def http_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers: settings from ``REMPART_*``."""
    return create_http_app(build_server(Settings()))


def telegram_service(app: App) -> BotService:
    """The Telegram bot's service (``rempart bot``) on the app's database, matcher and rate
    limits."""
    from rempart.services.bot_setup import bot_service

    return bot_service(app.store, app.matching, app.settings, limits=app.limits)


def matrix_service(app: App) -> MatrixBotService:
    """The Matrix bot's service (``rempart matrix-bot``): the Telegram bot's rules on the
    app's database, with the Matrix ids and sync token kept beside them."""
    from rempart.services.matrix_bot import MatrixBotService
    from rempart.store.matrix_state import SqlMatrixState

    return MatrixBotService(telegram_service(app), SqlMatrixState(app.store.engine))


def worker_celery(settings: Settings, app: App | None = None) -> Celery:
    """The Celery application of ``settings.broker_url`` with every task of Rempart registered;
    each worker process builds its own :class:`App` (following the banks) on its first task,
    or uses ``app`` (a process that has one: the in-process mode, tests)."""
    from rempart.adapters.http.bank_ingest import INGEST_TASK
    from rempart.adapters.worker import WorkerContext, make_celery

    context = WorkerContext(lambda: _worker_app(settings))
    if app is not None:
        context.set(app)
    return make_celery(settings, context, named=frozenset({INGEST_TASK}))


def _worker_app(settings: Settings) -> App:
    # Its own bulk work runs in its own children, not sent back to the queue it serves.
    app = build_server(settings.model_copy(update={"broker_url": None}))
    app.follower.start()
    return app
