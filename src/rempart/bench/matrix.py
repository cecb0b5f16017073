"""`rempart bench matrix`: the Matrix bot against a real Synapse on loopback.

Starts a throwaway Synapse (SQLite; ``matrix-synapse`` from the ``dev`` extra, run as its own
process), a scratch database with a block bank (photo 7), the bot in this process, and posts N
``m.image`` events — each a fresh upload, a share of them edited copies of the banked photo —
in two phases. Backlog: half of them posted while the bot is away, then the time it takes to
check them all once back (events checked per second, the cut sync paged back). Live: the other
half posted one by one (``--pause-ms`` apart) while it runs, and the latency from a banked
post's acceptance by the homeserver to the homeserver's acceptance of its redaction.
There is no reference tool to compare with: the figures stand alone, and they include Synapse
sharing the same cores.

Example::

    $ rempart bench matrix --events 300 --banked-share 0.2 --jsonl
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from rempart.bench.bot import bank_photo, photo_mix
from rempart.bench.processes import percentile


async def _run(root: Path, events: int, banked_share: float, size: tuple[int, int],
               pace: float) -> dict[str, Any]:
    from rempart.adapters.matrix_bot import MatrixRunner, connect
    from rempart.app import build, matrix_service
    from rempart.bench.synapse_peer import PASSWORD, Member, SynapsePeer, unique
    from rempart.config import BotSettings, MatrixSettings, Settings
    from rempart.core.bot_queue import OutboxRow
    from rempart.services.bot import Outcome
    from rempart.services.matrix_bot import matrix_number

    (root / "hs").mkdir()
    hs = SynapsePeer(root / "hs")
    hs.start()
    try:
        settings = Settings(database_url=f"sqlite:///{root / 'rempart.sqlite3'}",
                            bot=BotSettings(chat_defaults={"sender_action": "none",
                                                           "strikes_to_ban": 10**6}))
        app = build(settings)
        bank_photo(app.store, size)
        app.matching.refresh()
        bot_id = hs.register(unique("rempart"), PASSWORD)
        poster, mod = Member(hs, "poster"), Member(hs, "mod")
        room = await mod.create_room([bot_id["user_id"], poster.user_id],
                                     levels={bot_id["user_id"]: 100})
        await poster.join(room)
        plan = photo_mix(events, banked_share, size)
        urls = [await poster.upload(data) for _, data in plan]  # not timed

        checked: dict[str, float] = {}
        redacted: dict[int, float] = {}

        def on_outcome(outcome: Outcome) -> None:
            checked[getattr(outcome.message, "event_id", "")] = time.perf_counter()

        def on_sent(row: OutboxRow) -> None:
            if row.action == "delete":
                for n in (row.params or {}).get("message_ids", []):
                    redacted[int(n)] = time.perf_counter()

        def runner_of(client: Any) -> MatrixRunner:
            return MatrixRunner(client, matrix_service(app), MatrixSettings(
                homeserver=hs.url, user_id=bot_id["user_id"], sync_timeout_seconds=1.0),
                settings.bot, on_outcome=on_outcome, on_sent=on_sent)

        async def started() -> tuple[MatrixRunner, asyncio.Event, asyncio.Task[None]]:
            client = await connect(hs.url, bot_id["user_id"], token=bot_id["access_token"])
            runner, stop = runner_of(client), asyncio.Event()
            return runner, stop, asyncio.create_task(runner.run(stop))

        async def stopped(run: tuple[MatrixRunner, asyncio.Event, asyncio.Task[None]]) -> None:
            run[1].set()
            await run[2]
            await run[0].close()

        async def post(items: list[tuple[tuple[bool, bytes], str]], pause: float
                       ) -> dict[str, tuple[bool, float]]:
            out = {}
            for (banked, data), url in items:
                event_id = await poster.send(room, {
                    "msgtype": "m.image", "body": "p.jpg", "url": url,
                    "info": {"mimetype": "image/jpeg", "size": len(data)}})
                out[event_id] = (banked, time.perf_counter())
                await asyncio.sleep(pause)
            return out

        async def settled(sent: dict[str, tuple[bool, float]], runner: MatrixRunner) -> float:
            deadline = time.perf_counter() + 120 + len(sent)
            wanted = [runner.service.number("event", e) for e, (b, _) in sent.items() if b]
            while (len(checked.keys() & sent.keys()) < len(sent)
                   or not all(n in redacted for n in wanted)) and (
                    time.perf_counter() < deadline):
                await asyncio.sleep(0.01)
            return max([checked.get(e, 0.0) for e in sent] or [0.0])

        # Backlog: events posted while the bot is away, checked when it comes back.
        run = await started()
        while bot_id["user_id"] not in await mod.joined(room):
            await asyncio.sleep(0.05)
        await stopped(run)
        pairs = list(zip(plan, urls, strict=True))
        backlog = await post(pairs[:events // 2], 0.0)
        start = time.perf_counter()
        run = await started()
        done = await settled(backlog, run[0])
        rate = len(backlog) / max(done - start, 1e-9)
        # Live: events posted one by one while the bot runs (post -> redaction latency).
        live = await post(pairs[events // 2:], pace)
        await settled(live, run[0])
        await run[0].idle()
        await stopped(run)
        sent = {**backlog, **live}
        numbers = {e: matrix_number("event", e) for e in sent}
        latencies = [(redacted[numbers[e]] - t) * 1000 for e, (b, t) in live.items()
                     if b and numbers[e] in redacted]
        wanted = [e for e, (b, _) in sent.items() if b]
        await poster.close()
        await mod.close()
        app.close()
        caught = sum(1 for e in wanted if numbers[e] in redacted)
        missed = len(wanted) - caught
        wrongly = sum(1 for e, (b, _) in sent.items() if not b and numbers[e] in redacted)
        return {
            "events": events, "banked": len(wanted), "redacted": caught, "missed": missed,
            "wrongly_redacted": wrongly, "checked": len(checked.keys() & sent.keys()),
            "backlog_events": len(backlog),
            "backlog_events_per_second": round(rate, 1),
            "live_events": len(live), "live_pause_ms": round(pace * 1000),
            "redaction_ms_p50": round(percentile(latencies, 0.5), 1) if latencies else None,
            "redaction_ms_p95": round(percentile(latencies, 0.95), 1) if latencies else None,
            "redaction_ms_max": round(max(latencies), 1) if latencies else None,
            "live_redactions": len(latencies),
            "errors": run[0].errors,
        }
    finally:
        hs.stop()


def matrix(
    events: Annotated[int, typer.Option(help="m.image events posted.")] = 200,
    banked_share: Annotated[float, typer.Option(help="Share of edited banked copies.")] = 0.2,
    width: Annotated[int, typer.Option(help="Image width (height: 3/4).")] = 800,
    pause_ms: Annotated[float, typer.Option(
        help="Pause between live posts (ms).")] = 100.0,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object on stdout.")] = False,
) -> None:
    """The Matrix bot against a real Synapse: events checked/s, post → redaction latency."""
    import importlib.util

    if importlib.util.find_spec("synapse") is None:
        typer.echo("error: matrix-synapse is not installed (pip install -e '.[dev]')", err=True)
        raise typer.Exit(2)
    with tempfile.TemporaryDirectory(prefix="rempart-bench-matrix-") as tmp:
        result = asyncio.run(_run(Path(tmp), events, banked_share, (width, width * 3 // 4),
                                 pause_ms / 1000))
    if jsonl:
        typer.echo(json.dumps(result))
        return
    for key, value in result.items():
        typer.echo(f"{key:>20}: {value}")


def register(bench_app: typer.Typer) -> None:
    """Attach ``rempart bench matrix``."""
    bench_app.command("matrix")(matrix)
