"""`rempart bench bot`: the bot against the fake Bot API server on loopback.

Queues N photo messages (a share of them cropped, re-encoded copies of a banked photo) at a
steady rate, runs the real bot (python-telegram-bot client, real matcher, SQLite) and measures
updates handled per second and the latency from queuing an update to the deleteMessage(s) call
that removes it. Target from issue 8: at least 50 photo messages/s on 2 cores, p99 < 500 ms.
There is no reference tool to compare with: the figures stand alone.

Example::

    $ rempart bench bot --messages 600 --rate 60
    $ rempart bench bot --workers 2        # queue mode: 1 vs 2 worker processes
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rempart.bench.processes import percentile, scratch_database, worker_processes

if TYPE_CHECKING:
    from rempart.bench.fake_bot_api import FakeBotApi
    from rempart.store.sql import SqlBankStore


def photo_mix(n: int, banked_share: float, size: tuple[int, int]) -> list[tuple[bool, bytes]]:
    """``n`` photos, each banked (a cropped, re-encoded copy of photo 7) with probability
    ``banked_share``, else an unrelated photo; the same sequence on every run."""
    import io

    from rempart.bench.edits import apply_edit
    from rempart.bench.synthetic_images import make_photo, photo_bytes

    rng = random.Random(1)
    variants = []
    for i in range(8):
        buf = io.BytesIO()
        apply_edit("crop_sides", make_photo(7, size), random.Random(i)).convert("RGB").save(
            buf, "JPEG", quality=70 + i)
        variants.append(buf.getvalue())
    clean = [photo_bytes(1000 + i, size) for i in range(40)]
    out = []
    for i in range(n):
        banked = rng.random() < banked_share
        out.append((banked, variants[i % 8] if banked else clean[i % len(clean)]))
    return out


def make_plan(api: FakeBotApi, messages: int, banked_share: float, size: tuple[int, int],
              chats: int, first_id: int = 10_000) -> list[tuple[bool, dict[str, Any]]]:
    """Photo messages (:func:`photo_mix`) spread over ``chats`` chats, each with a fresh file
    id: a new upload, not a re-post of a seen file."""
    return [(banked, api.photo_message(-1001000000000 - (i % chats), first_id + i, data))
            for i, (banked, data) in enumerate(photo_mix(messages, banked_share, size))]


def bank_photo(store: SqlBankStore, size: tuple[int, int]) -> None:
    """The block bank holding photo 7."""
    from rempart.bench.synthetic_images import photo_bytes
    from rempart.core.banks import BankKind, BankPolicy, Provenance
    from rempart.core.media_signals import hash_bytes
    from rempart.services import banks as bank_service

    bank_service.create_bank(store, "confirmed", kind=BankKind.MODERATOR,
                             policy=BankPolicy.BLOCK)
    bank_service.add_media(store, "confirmed",
                           [(Path("b.jpg"), hash_bytes(photo_bytes(7, size)))],
                           Provenance(source="bench"))


async def _offered(poller: Any, api: FakeBotApi, plan: list[tuple[bool, dict[str, Any]]],
                   rate: float, *, ready: Callable[[], Awaitable[None]],
                   done: Callable[[], bool], timeout: float, settle: float = 0.0) -> float:
    """Seconds from the first update of ``plan`` offered (``rate`` a second, 0: all at once)
    until ``done()`` (checked from ``settle`` seconds after the last, for ``timeout`` seconds
    at most), while ``poller.run_polling`` runs; it starts before ``ready()``."""
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run_polling(stop))
    await ready()
    start = time.monotonic()
    for _, update in plan:
        api.add_update(update)
        await asyncio.sleep(1.0 / rate if rate > 0 else 0)
    deadline = time.monotonic() + timeout
    await asyncio.sleep(settle)
    while not done() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    elapsed = time.monotonic() - start
    stop.set()
    await asyncio.wait_for(task, 30)
    return elapsed


def run(messages: int = 600, rate: float = 60.0, banked_share: float = 0.1,
        size: tuple[int, int] = (800, 600), chats: int = 5, hash_workers: int = 2
        ) -> dict[str, float]:
    """Run the benchmark; returns the measured figures (also printed)."""
    from rempart.adapters.telegram_bot import BotRunner, make_bot
    from rempart.bench.fake_bot_api import FakeBotApi
    from rempart.config import BotSettings
    from rempart.services.bot import BotService
    from rempart.services.matching import MatchService
    from rempart.store.bot import SqlBotStore
    from rempart.store.sql import open_store

    tmp = Path(tempfile.mkdtemp(prefix="rempart-bench-bot-"))
    store = open_store(f"sqlite:///{tmp / 'bench.sqlite3'}")
    bank_photo(store, size)
    matching = MatchService(store)
    matching.load()
    settings = BotSettings(poll_timeout_seconds=1, hash_workers=hash_workers,
                           chat_defaults={"admin_chat_id": -1009999999999},
                           global_calls_per_second=1000.0)
    service = BotService(SqlBotStore(store.engine), matching, None, settings)
    with FakeBotApi() as api:
        plan = make_plan(api, messages, banked_share, size, chats)
        bot = make_bot(api.token, api.api_url, api.file_url, poll_timeout=1)
        runner = BotRunner(bot, service, settings)

        elapsed = asyncio.run(_offered(
            runner, api, plan, rate, ready=lambda: asyncio.sleep(0.5),
            done=lambda: runner.processed >= messages, timeout=120))
        latencies = api.latencies()
        wanted = sum(1 for banked, _ in plan if banked)
    store.close()
    figures = {
        "messages": float(messages), "handled": float(runner.processed),
        "seconds": elapsed, "updates_per_second": runner.processed / elapsed,
        "banked": float(wanted), "deleted": float(len(latencies)),
        "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
        "cores": float(os.cpu_count() or 0),
    }
    return figures


REDIS = os.environ.get("REMPART_BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")


def run_queue(messages: int, rate: float, workers: int, banked_share: float = 0.1,
              size: tuple[int, int] = (800, 600), chats: int = 20, redis: str = REDIS,
              pool: str = "prefork", concurrency: int = 1) -> dict[str, float]:
    """Queue mode: a receiver (this process, polling the fake Bot API) and ``workers``
    worker processes (each ``pool`` × ``concurrency``) on Redis and a scratch PostgreSQL
    database; the same figures as :func:`run`."""
    from rempart.adapters.telegram_bot import make_bot
    from rempart.adapters.telegram_bot.queue import CHAT_TASK, QueueReceiver
    from rempart.app import worker_celery
    from rempart.bench.fake_bot_api import FakeBotApi
    from rempart.config import BotSettings, QueueSettings, Settings
    from rempart.services.bot import BotService
    from rempart.services.matching import MatchService
    from rempart.store.bot import SqlBotStore
    from rempart.store.sql import open_store

    prefix = f"bench{uuid.uuid4().hex[:8]}-"
    defaults = {"admin_chat_id": -1009999999999}
    with scratch_database() as db, FakeBotApi() as api:
        store = open_store(db)
        bank_photo(store, size)
        warm = make_plan(api, 4 * workers, 0.0, size, 4 * workers, first_id=1)
        plan = make_plan(api, messages, banked_share, size, chats)
        bot_settings = BotSettings(poll_timeout_seconds=1, chat_defaults=defaults,
                                   global_calls_per_second=1000.0)
        settings = Settings(database_url=db, broker_url=redis,
                            queue=QueueSettings(prefix=prefix))
        celery = worker_celery(settings)
        service = BotService(SqlBotStore(store.engine), MatchService(store), None,
                             bot_settings)
        receiver = QueueReceiver(
            make_bot(api.token, api.api_url, api.file_url, poll_timeout=1), service,
            bot_settings, send=lambda chat: celery.send_task(CHAT_TASK, args=[chat]))
        env = {**os.environ, "REMPART_BROKER_URL": redis, "REMPART_DATABASE_URL": db,
               "REMPART_QUEUE__PREFIX": prefix, "REMPART_TELEGRAM_TOKEN": api.token,
               "REMPART_BOT__API_URL": api.api_url, "REMPART_BOT__FILE_URL": api.file_url,
               "REMPART_BOT__CHAT_DEFAULTS": json.dumps(defaults)}

        wanted = sum(1 for banked, _ in plan if banked)

        def left() -> int:
            return service.store.count_pending()

        async def warm_up() -> None:
            for _, update in warm:  # every worker builds its application first
                api.add_update(update)
            await asyncio.sleep(1.0)
            while left() or len(api.calls_to("getFile")) < len(warm):
                await asyncio.sleep(0.1)

        with worker_processes(workers, env, "bot", pool, concurrency):
            elapsed = asyncio.run(_offered(
                receiver, api, plan, rate, ready=warm_up, settle=0.2, timeout=300,
                done=lambda: not left() and len(api.latencies()) >= wanted))
        latencies = api.latencies()
        handled = messages - left()
        store.close()
        celery.close()
    return {
        "messages": float(messages), "handled": float(handled), "seconds": elapsed,
        "updates_per_second": handled / elapsed, "workers": float(workers),
        "banked": float(wanted), "deleted": float(len(latencies)),
        "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
        "cores": float(os.cpu_count() or 0),
    }


def _queue_report(messages: int, rate: float, workers: int, banked_share: float,
                  size: tuple[int, int], pool: str = "prefork", concurrency: int = 1) -> None:
    """Throughput with 1 and ``workers`` workers (all queued at once), then the latency with
    ``workers`` at ``rate`` messages/s."""
    counts = sorted({1, workers})
    peak = {n: run_queue(messages, 0.0, n, banked_share, size, pool=pool,
                         concurrency=concurrency) for n in counts}
    steady = run_queue(messages, rate, workers, banked_share, size, pool=pool,
                       concurrency=concurrency)
    typer.echo(f"{'metric (queue mode)':<40}{'rempart bot':>14}{'target':>10}")
    for n in counts:
        f = peak[n]
        typer.echo(f"{f'photo messages/s, {n} worker(s)':<40}"
                   f"{f['updates_per_second']:>14.1f}{'':>10}")
        typer.echo(f"{'  per worker process':<40}"
                   f"{f['updates_per_second'] / n:>14.1f}{'>= 100':>10}")
    if workers > 1:
        ratio = peak[workers]["updates_per_second"] / peak[1]["updates_per_second"]
        typer.echo(f"{f'scaling 1 → {workers} workers':<40}{ratio:>13.2f}x{workers:>9}x")
    typer.echo(f"{f'handled at {rate:g}/s offered':<40}{int(steady['handled']):>14}"
               f"{messages:>10}")
    typer.echo(f"{'banked copies deleted':<40}{int(steady['deleted']):>14}"
               f"{int(steady['banked']):>10}")
    typer.echo(f"{'update→delete p50 (ms)':<40}{steady['p50_ms']:>14.0f}{'':>10}")
    typer.echo(f"{'update→delete p99 (ms)':<40}{steady['p99_ms']:>14.0f}{'< 500':>10}")
    typer.echo(f"{'cores (receiver, workers, fake API, DB)':<40}{int(steady['cores']):>14}")


def bot(
    messages: Annotated[int, typer.Option(help="Photo messages to send.")] = 600,
    rate: Annotated[float, typer.Option(help="Messages queued per second (0: all at once).")
                    ] = 60.0,
    banked_share: Annotated[float, typer.Option(help="Share of banked (edited) copies.")] = 0.1,
    width: Annotated[int, typer.Option(help="Photo width (height = 3/4).")] = 800,
    hash_workers: Annotated[int, typer.Option(help="Hashing threads.")] = 2,
    workers: Annotated[int, typer.Option(
        help="Queue mode with this many `rempart worker` processes (Redis 127.0.0.1:6379, "
        "PostgreSQL 127.0.0.1:5432 user postgres); 0: the bot in one process.")] = 0,
    pool: Annotated[str, typer.Option(help="Queue mode: the workers' pool (prefork, threads).")
                    ] = "prefork",
    concurrency: Annotated[int, typer.Option(help="Queue mode: tasks at once per worker.")
                           ] = 1,
) -> None:
    """Updates per second and update→deleteMessage latency against the fake Bot API."""
    if workers > 0:
        _queue_report(messages, rate, workers, banked_share, (width, width * 3 // 4), pool,
                      concurrency)
        return
    f = run(messages, rate, banked_share, (width, width * 3 // 4), hash_workers=hash_workers)
    typer.echo(f"{'metric':<34}{'rempart bot':>14}{'target':>10}")
    typer.echo(f"{'photo messages handled':<34}{int(f['handled']):>14}{int(f['messages']):>10}")
    typer.echo(f"{'updates per second':<34}{f['updates_per_second']:>14.1f}{'>= 50':>10}")
    typer.echo(f"{'banked copies deleted':<34}{int(f['deleted']):>14}{int(f['banked']):>10}")
    typer.echo(f"{'update→delete p50 (ms)':<34}{f['p50_ms']:>14.0f}{'':>10}")
    typer.echo(f"{'update→delete p99 (ms)':<34}{f['p99_ms']:>14.0f}{'< 500':>10}")
    typer.echo(f"{'cores':<34}{int(f['cores']):>14}{'2':>10}")
    typer.echo(f"(queued at {rate:g}/s; the rate bounds updates/s: use --rate 0 for the maximum)")


def register(bench_app: typer.Typer) -> None:
    """Add ``rempart bench bot``."""
    bench_app.command("bot")(bot)
