"""`rempart worker` and `rempart beat`: Celery workers and the scheduler of Rempart's
background work, on the broker of ``REMPART_BROKER_URL`` or ``--broker``.

Example::

    $ export REMPART_BROKER_URL=redis://127.0.0.1:6379/1
    $ rempart worker --concurrency 2 --db postgresql://rempart@db/rempart
    $ rempart worker --queues scan,ingest          # only these queues
    $ rempart worker --queues bot --pool threads --concurrency 8
    $ rempart beat                                 # the daily purge, and other schedules
"""

from __future__ import annotations

from typing import Annotated

import typer

from rempart.adapters.cli.builders import builders_of
from rempart.adapters.cli.options import Db, fail
from rempart.config import Settings

Broker = Annotated[str | None, typer.Option(
    "--broker", help="Broker URL (default: REMPART_BROKER_URL), redis://… or amqp://….",
    show_default=False)]


def _settings(db: str | None, broker: str | None) -> Settings:
    settings = Settings()
    if db:
        settings.database_url = db
    if broker:
        settings.broker_url = broker
    if not settings.broker_url:
        fail("no broker: set REMPART_BROKER_URL or --broker (without one, work runs "
             "in the process that asks for it and no worker is needed)")
    return settings


def worker_command(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option(
        help="Worker processes (0: one per core).")] = 0,
    queues: Annotated[str | None, typer.Option(
        help="Comma-separated queues to serve (default: all: bot, scan, ingest, "
        "maintenance, default).")] = None,
    pool: Annotated[str, typer.Option(
        help="prefork (processes: CPU-bound work such as scans) or threads (many tasks "
        "waiting on the network at once, such as the bot's downloads).")] = "prefork",
    broker: Broker = None,
    db: Db = None,
    loglevel: Annotated[str, typer.Option(help="Log level.")] = "INFO",
) -> None:
    """Run a Celery worker for Rempart's background work."""
    from rempart.adapters.worker import QUEUES

    settings = _settings(db, broker)
    celery = builders_of(ctx).celery(settings, None)
    names = [q.strip() for q in (queues or ",".join(QUEUES)).split(",") if q.strip()]
    if unknown := sorted(set(names) - set(QUEUES)):
        fail(f"unknown queue(s) {', '.join(unknown)}; Rempart's are {', '.join(QUEUES)}")
    if pool not in ("prefork", "threads"):
        fail(f"unknown pool {pool!r}: prefork or threads")
    argv = ["worker", "--loglevel", loglevel, "--pool", pool, "--without-gossip",
            "--without-mingle", "--queues", ",".join(settings.queue.prefix + q for q in names)]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    celery.worker_main(argv)


def beat_command(ctx: typer.Context, broker: Broker = None, db: Db = None,
                 loglevel: Annotated[str, typer.Option(help="Log level.")] = "INFO") -> None:
    """Run the scheduler that sends Rempart's periodic tasks (one per deployment)."""
    celery = builders_of(ctx).celery(_settings(db, broker), None)
    celery.start(["beat", "--loglevel", loglevel, "--schedule", "/tmp/rempart-beat-schedule"])


def register(app: typer.Typer) -> None:
    """Add ``rempart worker`` and ``rempart beat``."""
    app.command("worker")(worker_command)
    app.command("beat")(beat_command)
