"""Hostile inputs against the Matrix bot on a real Synapse: each gets a clear verdict or error
and the rest goes on. A file too large by its declared size is not downloaded; one lying about
its size is cut off at the limit; a banked photo disguised as a PDF is still caught; bytes that
decode as nothing, a file that is no media, a forged ``mxc://`` URI and a flood of events are
handled without stopping the bot."""

from __future__ import annotations

import asyncio
import os

from matrix_support import BLOCK_SEED, Member, bot, clean_photo, edited_copy, until

from rempart.bench.synapse_peer import SynapsePeer

LIMIT = 1024 * 1024


def test_hostile_media_and_flood(synapse: SynapsePeer, sqlite_url: str) -> None:
    async def scenario() -> None:
        mod, eve = Member(synapse, "mod"), Member(synapse, "eve")
        with bot(synapse, sqlite_url, download_limit=LIMIT, sender_action="none",
                 strikes_to_ban=1000) as b:
            room = await mod.create_room([b.user_id, eve.user_id], levels={b.user_id: 100})
            await eve.join(room)
            runner = await b.start()
            banked = edited_copy(BLOCK_SEED)

            # Declared far over the limit: not downloaded at all, said so.
            declared = await eve.send_image(room, banked, info={"mimetype": "image/jpeg",
                                                                "size": 10**12})
            # Declared small, really over the limit: the stream is cut at the limit.
            liar = await eve.send_image(room, os.urandom(LIMIT + 300_000),
                                        info={"mimetype": "image/jpeg", "size": 1000})
            # A banked photo sent as a "PDF" file: checked by its bytes, caught.
            disguised = await eve.send_image(room, banked, msgtype="m.file",
                                             mimetype="application/pdf", filename="doc.pdf")
            # An "image" whose bytes decode as nothing.
            garbage = await eve.send_image(room, b"\xff\xd8\xff" + os.urandom(5000))
            # A "file" that is text.
            text_file = await eve.send_image(room, b"hello " * 100, msgtype="m.file",
                                             mimetype="text/plain", filename="a.txt")
            # A forged URI that would reach another endpoint if pasted into a URL.
            forged = await eve.send_image(room, b"", url="mxc://localhost/../../admin")
            # A flood: text and clean photos, one banked copy in the middle.
            photo = await eve.upload(clean_photo(51))
            flood = [await eve.send(room, {"msgtype": "m.text", "body": f"spam {i}"})
                     for i in range(120)]
            flood += [await eve.send(room, {"msgtype": "m.image", "body": "p.jpg",
                                            "url": photo}) for _ in range(10)]
            last_bad = await eve.send_image(room, edited_copy(BLOCK_SEED, "caption_band", 9))
            flood += [await eve.send(room, {"msgtype": "m.text", "body": f"more {i}"})
                      for i in range(30)]
            everything = [declared, liar, disguised, garbage, text_file, forged, last_bad,
                          *flood]
            await until(lambda: all(b.outcome_of(e) for e in everything), 120,
                        "every event checked")
            await until(lambda: eve.redacted(room, last_bad), what="banked copy in the flood")
            await until(lambda: eve.redacted(room, disguised), what="disguised copy")
            await runner.idle()

            def verdict(event_id: str) -> tuple[str, str | None]:
                outcome = b.outcome_of(event_id)
                assert outcome is not None
                return outcome.verdicts[0].status, outcome.verdicts[0].error

            assert verdict(declared) == ("not_checked", f"too_large:{10**12}")
            status, error = verdict(liar)
            assert status == "not_checked" and error is not None
            assert error.startswith("too_large")
            assert verdict(text_file) == ("not_checked", "not_media")
            assert verdict(forged) == ("error", "malformed mxc URI")
            status, error = verdict(garbage)
            assert status != "checked" or error  # undecodable: said so, never a match
            assert not b.outcome_of(garbage).verdicts[0].matches  # type: ignore[union-attr]
            for event_id in (declared, liar, garbage, text_file, forged, *flood):
                assert not await eve.redacted(room, event_id)
            assert runner.errors == 0
            await b.stop()
        await mod.close()
        await eve.close()

    asyncio.run(scenario())
