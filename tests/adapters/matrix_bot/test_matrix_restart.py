"""The sync token is saved once a sync's events are handled: a bot restarted after events
piled up (more than one sync's timeline holds) checks every one of them, and none it had
handled before."""

from __future__ import annotations

import asyncio
from collections import Counter

from matrix_support import BLOCK_SEED, Member, bot, edited_copy, until

from rempart.bench.synapse_peer import SynapsePeer


def test_restart_neither_misses_nor_redoes(synapse: SynapsePeer, sqlite_url: str) -> None:
    async def scenario() -> None:
        mod, eve = Member(synapse, "mod"), Member(synapse, "eve")
        with bot(synapse, sqlite_url, sender_action="none", strikes_to_ban=1000) as b:
            room = await mod.create_room([b.user_id, eve.user_id], levels={b.user_id: 100})
            await eve.join(room)
            await b.start()
            first = await eve.send_image(room, edited_copy(BLOCK_SEED))
            await until(lambda: eve.redacted(room, first), what="first redaction")
            await b.stop()

            # While the bot is away: a banked copy, then more events than a sync's timeline.
            missed = await eve.send_image(room, edited_copy(BLOCK_SEED, "caption_band", 4))
            texts = [await eve.send(room, {"msgtype": "m.text", "body": f"t{i}"})
                     for i in range(150)]
            await b.start()
            await until(lambda: eve.redacted(room, missed), 60, "redaction after restart")
            await until(lambda: all(b.outcome_of(t) for t in texts), 60, "every text checked")
            await b.stop()
            counts = Counter(getattr(o.message, "event_id", None) for o in b.outcomes)
            assert counts[first] == 1 and counts[missed] == 1
            assert all(counts[t] == 1 for t in texts)
        await mod.close()
        await eve.close()

    asyncio.run(scenario())
