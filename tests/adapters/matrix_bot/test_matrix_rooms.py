"""Rooms and commands against a real Synapse: the bot says in a room where it lacks the power
to redact; a first strike mutes (``restrict``); ``!rempart`` answers moderators only;
``!report`` files the event's notice (the command redacted, a receipt in a direct room, the
moderators told, without the case number)."""

from __future__ import annotations

import asyncio

from matrix_support import BLOCK_SEED, Member, bot, edited_copy, until

from rempart.bench.synapse_peer import SynapsePeer


async def _said(member: Member, room: str, sender: str, text: str) -> bool:
    return any(e["sender"] == sender and text in e.get("content", {}).get("body", "")
               for e in await member.messages(room))


def test_powerless_room_is_told_and_nothing_breaks(synapse: SynapsePeer,
                                                    sqlite_url: str) -> None:
    async def scenario() -> None:
        mod, eve = Member(synapse, "mod"), Member(synapse, "eve")
        with bot(synapse, sqlite_url) as b:
            room = await mod.create_room([b.user_id, eve.user_id])  # the bot at level 0
            await eve.join(room)
            runner = await b.start()
            await until(lambda: _said(mod, room, b.user_id, "redact, ban"),
                        what="the bot says what it lacks")
            bad = await eve.send_image(room, edited_copy(BLOCK_SEED))
            await until(lambda: b.outcome_of(bad), what="checked")
            await runner.idle()
            assert b.outcome_of(bad).decision.delete  # type: ignore[union-attr]
            assert not await eve.redacted(room, bad)  # refused: retried, visible in console
            assert runner.outbox.failed >= 1
            await b.stop()
        await mod.close()
        await eve.close()

    asyncio.run(scenario())


def test_first_strike_mutes(synapse: SynapsePeer, sqlite_url: str) -> None:
    async def scenario() -> None:
        mod, eve = Member(synapse, "mod"), Member(synapse, "eve")
        with bot(synapse, sqlite_url, sender_action="restrict", strikes_to_ban=3) as b:
            room = await mod.create_room([b.user_id, eve.user_id], levels={b.user_id: 100})
            await eve.join(room)
            await b.start()
            bad = await eve.send_image(room, edited_copy(BLOCK_SEED))
            await until(lambda: eve.redacted(room, bad), what="redaction")

            async def muted() -> bool:
                levels = await mod.call(
                    "GET", f"/_matrix/client/v3/rooms/{room}/state/m.room.power_levels")
                return bool(levels.get("users", {}).get(eve.user_id, 0) < 0)

            await until(muted, what="eve muted")
            r = await eve.http.put(f"/_matrix/client/v3/rooms/{room}/send/m.room.message/x1",
                                   json={"msgtype": "m.text", "body": "still here?"})
            assert r.status_code == 403
            assert await mod.membership(room, eve.user_id) == "join"
            await b.stop()
        await mod.close()
        await eve.close()

    asyncio.run(scenario())


def test_commands_status_help_report(synapse: SynapsePeer, sqlite_url: str) -> None:
    async def scenario() -> None:
        mod, eve, ann = Member(synapse, "mod"), Member(synapse, "eve"), Member(synapse, "ann")
        mods_room = await mod.create_room([], name="Moderators")
        with bot(synapse, sqlite_url, moderators_room=mods_room) as b:
            await mod.call("POST", f"/_matrix/client/v3/rooms/{mods_room}/invite",
                           json={"user_id": b.user_id})
            room = await mod.create_room([b.user_id, eve.user_id, ann.user_id],
                                         levels={b.user_id: 100})
            await eve.join(room)
            await ann.join(room)
            await b.start()
            await until(lambda: _said(mod, room, b.user_id, "Rempart is active"),
                        what="active")
            await eve.send(room, {"msgtype": "m.text", "body": "!rempart"})  # not a moderator
            await mod.send(room, {"msgtype": "m.text", "body": "!rempart"})
            await until(lambda: _said(mod, room, b.user_id, "Banks: 2"), what="status")
            assert await _said(mod, room, b.user_id, f"admin_chat_id: {mods_room}")
            statuses = [e for e in await mod.messages(room)
                        if "Banks:" in e.get("content", {}).get("body", "")]
            assert len(statuses) == 1
            await eve.send(room, {"msgtype": "m.text", "body": "!rempart help"})
            await until(lambda: _said(mod, room, b.user_id, "!report [category]"),
                        what="help")
            await mod.send(room, {"msgtype": "m.text", "body": "!rempart set strikes_to_ban 2"})
            await until(lambda: _said(mod, room, b.user_id, "Set strikes_to_ban."),
                        what="setting")

            target = await ann.send(room, {"msgtype": "m.text", "body": "an ordinary text"})
            report = await eve.send(room, {
                "msgtype": "m.text", "body": "!report ncii",
                "m.relates_to": {"m.in_reply_to": {"event_id": target}}})
            await until(lambda: eve.redacted(room, report), what="the command redacted")
            await until(lambda: _said(mod, mods_room, b.user_id, "a member reported"),
                        what="moderators told")
            await until(eve.invites, what="a direct room for the receipt")
            direct = (await eve.invites())[0]
            await eve.join(direct)
            await until(lambda: _said(eve, direct, b.user_id, "Your report was received"),
                        what="receipt")
            told = [e["content"]["body"] for e in await mod.messages(mods_room)
                    if "reported" in e.get("content", {}).get("body", "")]
            assert "case" not in told[0].lower()  # the case number goes to the reporter only
            assert not await eve.redacted(room, target)  # a report alone removes nothing
            await b.stop()
        for m in (mod, eve, ann):
            await m.close()

    asyncio.run(scenario())


def test_invitations_from_other_servers_are_ignored(synapse: SynapsePeer,
                                                     sqlite_url: str) -> None:
    async def scenario() -> None:
        mod = Member(synapse, "mod")
        with bot(synapse, sqlite_url) as b:
            b.matrix.invite_servers = ["elsewhere.example"]  # not the test server
            runner = await b.start()
            room = await mod.create_room([b.user_id])
            seen = runner.syncs
            await until(lambda: runner.syncs >= seen + 3, what="a few syncs")
            assert await mod.membership(room, b.user_id) == "invite"
            await b.stop()
        await mod.close()

    asyncio.run(scenario())


def test_encrypted_room_is_told_what_the_bot_cannot_see(synapse: SynapsePeer,
                                                        sqlite_url: str) -> None:
    async def scenario() -> None:
        mod = Member(synapse, "mod")
        with bot(synapse, sqlite_url) as b:
            room = await mod.create_room([b.user_id], levels={b.user_id: 100})
            await mod.call("PUT", f"/_matrix/client/v3/rooms/{room}/state/m.room.encryption/",
                           json={"algorithm": "m.megolm.v1.aes-sha2"})
            runner = await b.start()
            await until(lambda: _said(mod, room, b.user_id, "cannot see its messages"),
                        what="the encrypted-room notice")
            await mod.send(room, {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "x",
                                  "sender_key": "k", "session_id": "s", "device_id": "D"},
                           "m.room.encrypted")
            await until(lambda: runner.encrypted >= 1, what="the encrypted event counted")
            await b.stop()
        await mod.close()

    asyncio.run(scenario())


def test_purge_bans_and_redacts_the_last_48_hours_of_a_member(synapse: SynapsePeer,
                                                               sqlite_url: str) -> None:
    async def scenario() -> None:
        mod, eve, ann = Member(synapse, "mod"), Member(synapse, "eve"), Member(synapse, "ann")
        with bot(synapse, sqlite_url) as b:
            room = await mod.create_room([b.user_id, eve.user_id, ann.user_id],
                                         levels={b.user_id: 100})
            await eve.join(room)
            await ann.join(room)
            await b.start()
            await until(lambda: _said(mod, room, b.user_id, "Rempart is active"),
                        what="active")
            posts = [await eve.send(room, {"msgtype": "m.text", "body": f"post {i}"})
                     for i in range(3)]
            other = await ann.send(room, {"msgtype": "m.text", "body": "someone else"})
            await ann.send(room, {"msgtype": "m.text", "body": f"!rempart purge {eve.user_id}"})
            await mod.send(room, {"msgtype": "m.text", "body": "!rempart purge",
                                  "m.relates_to": {"m.in_reply_to": {"event_id": posts[0]}}})
            await until(lambda: _banned(mod, room, eve.user_id), what="eve banned")
            for post in posts:
                await until(lambda p=post: eve.redacted(room, p), what="eve's posts redacted")
            assert not await ann.redacted(room, other)  # nobody else's
            assert await mod.membership(room, ann.user_id) == "join"  # not a moderator: no-op
            await b.stop()
        for m in (mod, eve, ann):
            await m.close()

    asyncio.run(scenario())


async def _banned(member: Member, room: str, user_id: str) -> bool:
    return await member.membership(room, user_id) == "ban"
