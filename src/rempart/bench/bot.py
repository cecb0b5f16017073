"""`rempart bench bot`: the bot against the fake Bot API server on loopback.

Queues N photo messages (a share of them cropped, re-encoded copies of a banked photo) at a
steady rate, runs the real bot (python-telegram-bot client, real matcher, SQLite) and measures
updates handled per second and the latency from queuing an update to the deleteMessage(s) call
that removes it. Target from issue 8: at least 50 photo messages/s on 2 cores, p99 < 500 ms.
There is no reference tool to compare with: the figures stand alone.

Example::

    $ rempart bench bot --messages 600 --rate 60
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(messages: int = 600, rate: float = 60.0, banked_share: float = 0.1,
        size: tuple[int, int] = (800, 600), chats: int = 5, hash_workers: int = 2
        ) -> dict[str, float]:
    """Run the benchmark; returns the measured figures (also printed)."""
    import io

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
    from rempart.store.bot import SqlBotStore
    from rempart.store.sql import open_store

    tmp = Path(tempfile.mkdtemp(prefix="rempart-bench-bot-"))
    store = open_store(f"sqlite:///{tmp / 'bench.sqlite3'}")
    bank_service.create_bank(store, "confirmed", kind=BankKind.MODERATOR,
                             policy=BankPolicy.BLOCK)
    bank_service.add_media(store, "confirmed",
                           [(Path("b.jpg"), hash_bytes(photo_bytes(7, size)))],
                           Provenance(source="bench"))
    rng = random.Random(1)
    banked_variants = []
    for i in range(8):
        buf = io.BytesIO()
        apply_edit("crop_sides", make_photo(7, size), random.Random(i)).convert("RGB").save(
            buf, "JPEG", quality=70 + i)
        banked_variants.append(buf.getvalue())
    clean = [photo_bytes(1000 + i, size) for i in range(40)]
    matching = MatchService(store)
    matching.load()
    settings = BotSettings(poll_timeout_seconds=1, hash_workers=hash_workers,
                           chat_defaults={"admin_chat_id": -1009999999999},
                           global_calls_per_second=1000.0)
    service = BotService(SqlBotStore(store.engine), matching, None, settings)
    with FakeBotApi() as api:
        plan = []
        for i in range(messages):
            banked = rng.random() < banked_share
            data = banked_variants[i % 8] if banked else clean[i % len(clean)]
            chat = -1001000000000 - (i % chats)
            # A fresh file id per message: a new upload, not a re-post of a seen file.
            plan.append((banked, api.photo_message(chat, 10_000 + i, data)))
        bot = make_bot(api.token, api.api_url, api.file_url, poll_timeout=1)
        runner = BotRunner(bot, service, settings)

        async def go() -> float:
            stop = asyncio.Event()
            task = asyncio.create_task(runner.run_polling(stop))
            await asyncio.sleep(0.5)
            start = time.monotonic()
            for _, update in plan:
                api.add_update(update)
                await asyncio.sleep(1.0 / rate if rate > 0 else 0)
            deadline = time.monotonic() + 120
            while runner.processed < messages and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            elapsed = time.monotonic() - start
            stop.set()
            await asyncio.wait_for(task, 30)
            return elapsed

        elapsed = asyncio.run(go())
        latencies = api.latencies()
        wanted = sum(1 for banked, _ in plan if banked)
    store.close()
    figures = {
        "messages": float(messages), "handled": float(runner.processed),
        "seconds": elapsed, "updates_per_second": runner.processed / elapsed,
        "banked": float(wanted), "deleted": float(len(latencies)),
        "p50_ms": _percentile(latencies, 0.5) * 1000, "p99_ms": _percentile(latencies, 0.99) * 1000,
        "cores": float(os.cpu_count() or 0),
    }
    return figures


def bot(
    messages: Annotated[int, typer.Option(help="Photo messages to send.")] = 600,
    rate: Annotated[float, typer.Option(help="Messages queued per second (0: all at once).")
                    ] = 60.0,
    banked_share: Annotated[float, typer.Option(help="Share of banked (edited) copies.")] = 0.1,
    width: Annotated[int, typer.Option(help="Photo width (height = 3/4).")] = 800,
    hash_workers: Annotated[int, typer.Option(help="Hashing threads.")] = 2,
) -> None:
    """Updates per second and update→deleteMessage latency against the fake Bot API."""
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
