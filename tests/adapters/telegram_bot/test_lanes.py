"""Lanes keep each chat's updates in order while chats run side by side; the ledger refuses work
read twice; a pool whose work was abandoned is replaced so other work is not starved."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import timedelta

from rempart.adapters.telegram_bot.lanes import Lanes, Ledger
from rempart.adapters.telegram_bot.workers import Workers
from rempart.store.rows import utc_now


def test_one_chat_in_order_others_not_held_back() -> None:
    async def go() -> list[str]:
        seen: list[str] = []
        gate = asyncio.Event()

        async def handle(item: str) -> None:
            if item == "a1":
                await gate.wait()  # chat a's first update is slow
            seen.append(item)

        lanes: Lanes[str] = Lanes(4, handle)
        for key, item in (("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2"), ("c", "c1")):
            lanes.put(key, item)
        while len(seen) < 3:
            await asyncio.sleep(0)
        assert set(seen) == {"b1", "b2", "c1"} and lanes.size == 2
        gate.set()
        assert await lanes.drain(5)
        return seen

    seen = asyncio.run(go())
    assert seen.index("a1") < seen.index("a2") and seen.index("b1") < seen.index("b2")


def test_cancel_leaves_nothing_running() -> None:
    async def go() -> int:
        async def forever(_: int) -> None:
            await asyncio.Event().wait()

        lanes: Lanes[int] = Lanes(2, forever)
        for i in range(5):
            lanes.put(i % 2, i)
        await asyncio.sleep(0)
        assert not await lanes.drain(0)
        await lanes.cancel()
        return lanes.size

    assert asyncio.run(go()) == 0


def test_cancel_stops_a_lane_whose_cancellation_was_lost() -> None:
    async def go() -> list[int]:
        seen: list[int] = []
        started = asyncio.Event()

        async def handle(item: int) -> None:  # swallows cancellation, as wait_for can on 3.11
            started.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0.05)
            seen.append(item)

        lanes: Lanes[int] = Lanes(4, handle)
        for i in range(40):
            lanes.put("a", i)
        await started.wait()
        await lanes.cancel()
        return seen

    assert asyncio.run(go()) == [0]  # the item in hand ends; the 39 behind it stay pending


def test_ledger() -> None:
    ledger = Ledger()
    before = utc_now()
    assert ledger.claim(1) and not ledger.claim(1)
    ledger.release(1, finished=True)
    assert not ledger.claim(1, before)  # a stale read of finished work
    assert ledger.claim(1, utc_now() + timedelta(seconds=1))  # changed since (a retry)
    ledger.release(1, finished=False)  # failed again: due later, when the store says so
    assert ledger.claim(1, utc_now() + timedelta(seconds=2))


def test_abandoned_work_does_not_starve_the_pool() -> None:
    stuck = threading.Event()
    workers = Workers(1, "test-workers")

    async def go() -> str:
        slow = asyncio.ensure_future(workers.run(stuck.wait))
        while workers.abandoned == 0 and not slow.done():
            await asyncio.sleep(0.01)
            if not slow.done():
                slow.cancel()
        assert workers.abandoned == 1
        return await workers.run(lambda: "fresh thread")

    try:
        assert asyncio.run(go()) == "fresh thread"
    finally:
        stuck.set()
        workers.shutdown()
