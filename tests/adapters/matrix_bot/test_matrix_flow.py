"""End to end against a real Synapse: invite → the bot joins; an edited copy of a banked photo
is redacted and reported in the moderators' room (evidence, never the media); a clean photo
stays; a review (unconfirmed) match raises a review item and is not redacted; strikes ban."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from matrix_support import (
    BLOCK_SEED,
    REVIEW_SEED,
    Member,
    bot,
    clean_photo,
    edited_copy,
    until,
)

from rempart.bench.synapse_peer import SynapsePeer


def test_banked_edited_photo_redacted_reported_clean_stays_review_kept_ban_after_strikes(
        synapse: SynapsePeer, sqlite_url: str) -> None:
    async def scenario() -> None:
        mod, alice = Member(synapse, "mod"), Member(synapse, "alice")
        mods_room = await mod.create_room([], name="Moderators")
        with bot(synapse, sqlite_url, moderators_room=mods_room, sender_action="none",
                 strikes_to_ban=2) as b:
            await mod.call("POST", f"/_matrix/client/v3/rooms/{mods_room}/invite",
                           json={"user_id": b.user_id})
            room = await mod.create_room([b.user_id, alice.user_id],
                                         levels={b.user_id: 100}, name="Group")
            await alice.join(room)
            runner = await b.start()
            await until(lambda: mod.joined(room), what="room members")
            await until(lambda: _has(mod.joined(room), b.user_id), what="bot joins the room")
            await until(lambda: _has(mod.joined(mods_room), b.user_id), what="bot joins mods")
            await until(lambda: _said(mod, room, b.user_id, "Rempart is active"),
                        what="active notice")

            bad = await alice.send_image(room, edited_copy(BLOCK_SEED, "crop_sides"))
            good = await alice.send_image(room, clean_photo(50))
            review = await alice.send_image(room, edited_copy(REVIEW_SEED, "caption_band"))
            await until(lambda: alice.redacted(room, bad), what="redaction")
            await until(lambda: b.outcome_of(good) and b.outcome_of(review),
                        what="clean and review events checked")
            await runner.idle()
            assert not await alice.redacted(room, good)
            # Review never deletes by itself: an unconfirmed registration asks a moderator.
            assert not await alice.redacted(room, review)
            items = b.review_items()
            assert any(i["bank"] == "victims" for i in items)
            assert any(i["bank"] == "confirmed" for i in items)
            assert all(i["location"]["platform"] == "matrix" for i in items)

            posted = [e for e in await mod.messages(mods_room) if e["sender"] == b.user_id]
            alerts = [e for e in posted if e["type"] == "m.room.message"]
            texts = [e["content"].get("body", "") for e in alerts]
            removed = [t for t in texts if t.startswith("Rempart: Removed")]
            assert len(removed) == 1
            assert "bank confirmed (block)" in removed[0]
            assert bad in removed[0] and alice.user_id in removed[0]  # ids, not numbers
            assert "https://matrix.to/#/" in removed[0]
            assert any("Queued for review" in t for t in texts)
            # Evidence only: notices, never media, in the moderators' room.
            assert all(e["content"]["msgtype"] == "m.notice" and "url" not in e["content"]
                       for e in alerts)
            assert {e["type"] for e in posted} <= {"m.room.message", "m.room.member"}
            assert await alice.membership(room, alice.user_id) == "join"

            second = await alice.send_image(room, edited_copy(BLOCK_SEED, "caption_band", 5))
            await until(lambda: alice.redacted(room, second), what="second redaction")
            await until(lambda: _is(mod.membership(room, alice.user_id), "ban"),
                        what="ban after two strikes")
            assert runner.errors == 0
            await b.stop()
        await mod.close()
        await alice.close()

    asyncio.run(scenario())


async def _has(members: Awaitable[set[str]], user: str) -> bool:
    return user in await members


async def _is(value: Awaitable[str | None], expected: str) -> bool:
    return await value == expected


async def _said(member: Member, room: str, sender: str, text: str) -> bool:
    return any(e["sender"] == sender and text in e["content"].get("body", "")
               for e in await member.messages(room))


def test_edit_swapping_in_a_banked_image_is_redacted(synapse: SynapsePeer,
                                                     sqlite_url: str) -> None:
    async def scenario() -> None:
        mod, alice = Member(synapse, "mod"), Member(synapse, "alice")
        with bot(synapse, sqlite_url, sender_action="none") as b:
            room = await mod.create_room([b.user_id, alice.user_id], levels={b.user_id: 100})
            await alice.join(room)
            await b.start()
            first = await alice.send_image(room, clean_photo(60))
            url = await alice.upload(edited_copy(BLOCK_SEED, "caption_band", 7))
            new = {"msgtype": "m.image", "body": "photo.jpg", "url": url}
            edit = await alice.send(room, {
                "msgtype": "m.image", "body": "* photo.jpg", "url": url, "m.new_content": new,
                "m.relates_to": {"rel_type": "m.replace", "event_id": first}})
            await until(lambda: alice.redacted(room, edit), what="the edit redacted")
            assert not await alice.redacted(room, first)  # the clean original stays
            await b.stop()
        await mod.close()
        await alice.close()

    asyncio.run(scenario())
