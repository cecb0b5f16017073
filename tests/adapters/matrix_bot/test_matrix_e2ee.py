"""End-to-end encrypted rooms against a real Synapse (python-olm installed): an E2EE sender shares
its room key with the bot's device and posts encrypted images; an edited copy of a banked photo is
decrypted in memory, redacted and reported (evidence, never the media); a clean one stays; an
encrypted event the bot has no key for is counted as unreadable, never checked."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import nio
import pytest
from matrix_support import (
    BLOCK_SEED,
    IN_CI,
    PASSWORD,
    Member,
    bot,
    clean_photo,
    edited_copy,
    unique,
    until,
)

from rempart.adapters.matrix_bot import MatrixRunner, connect, e2ee
from rempart.adapters.matrix_bot.rooms import E2EE_NOTICE
from rempart.app import matrix_service
from rempart.bench.synapse_peer import SynapsePeer

if not e2ee.available():
    if IN_CI:
        pytest.fail("python-olm is not installed (pip install -e '.[dev]')",
                    pytrace=False)
    pytest.skip("python-olm is not installed", allow_module_level=True)

ENCRYPTION = {"type": "m.room.encryption", "state_key": "",
              "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


async def _e2ee_client(hs: SynapsePeer, store: Path) -> nio.AsyncClient:
    """A sender with its own E2EE device and key store."""
    data = hs.register(unique("eve"), PASSWORD)
    store.mkdir()
    client = nio.AsyncClient(hs.url, data["user_id"], device_id=data["device_id"],
                             store_path=str(store), config=e2ee.client_config())
    client.restore_login(data["user_id"], data["device_id"], data["access_token"])
    await client.keys_upload()
    return client


async def _send_encrypted_image(client: nio.AsyncClient, room: str, data: bytes,
                                msgtype: str = "m.image") -> str:
    """Upload the file encrypted (nio's attachment encryption) and send it in the room."""
    got, keys = await client.upload(lambda *_: data, "image/jpeg", "photo.jpg", encrypt=True,
                                    filesize=len(data))
    assert isinstance(got, nio.UploadResponse) and keys is not None
    content: dict[str, Any] = {
        "msgtype": msgtype, "body": "photo.jpg",
        "info": {"mimetype": "image/jpeg", "size": len(data)},
        "file": {"url": got.content_uri, "key": keys["key"], "iv": keys["iv"],
                 "hashes": keys["hashes"], "v": keys["v"], "mimetype": "image/jpeg"}}
    sent = await client.room_send(room, "m.room.message", content,
                                  ignore_unverified_devices=True)
    assert isinstance(sent, nio.RoomSendResponse), sent
    return str(sent.event_id)


def test_encrypted_banked_image_redacted_clean_stays_unreadable_counted(
        synapse: SynapsePeer, sqlite_url: str, tmp_path: Path) -> None:
    async def scenario() -> None:
        mod, carol = Member(synapse, "mod"), Member(synapse, "carol")
        sender = await _e2ee_client(synapse, tmp_path / "sender-keys")
        try:
            await _flow(synapse, sqlite_url, tmp_path, mod, carol, sender)
        finally:
            await sender.close()
            await mod.close()
            await carol.close()

    asyncio.run(scenario())


async def _flow(synapse: SynapsePeer, sqlite_url: str, tmp_path: Path, mod: Member,
            carol: Member, sender: nio.AsyncClient) -> None:
    mods_room = await mod.create_room([], name="Moderators")
    with bot(synapse, sqlite_url, moderators_room=mods_room, sender_action="none") as b:
        await mod.call("POST", f"/_matrix/client/v3/rooms/{mods_room}/invite",
                       json={"user_id": b.user_id})
        client = await connect(synapse.url, b.user_id, token=b.token,
                               store_path=str(tmp_path / "bot-keys"))
        assert client.olm is not None  # an E2EE device whose keys are uploaded
        runner = MatrixRunner(client, matrix_service(b.app), b.matrix, b.settings.bot,
                              on_outcome=b.outcomes.append)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        try:
            await _checks(b, runner, sender, carol, mod, mods_room)
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 30)
            await runner.close()


async def _checks(b: Any, runner: MatrixRunner, sender: nio.AsyncClient, carol: Member,
          mod: Member, mods_room: str) -> None:
    created = await sender.room_create(
        invite=[b.user_id, carol.user_id], initial_state=[ENCRYPTION],
        power_level_override={"users": {b.user_id: 100}})
    assert isinstance(created, nio.RoomCreateResponse), created
    room = created.room_id
    await carol.join(room)
    await until(lambda: _has(carol.joined(room), b.user_id), what="bot joins")
    await until(lambda: runner.syncs >= 2, what="the bot synced after joining")
    synced = await sender.sync(timeout=0, full_state=True)
    assert isinstance(synced, nio.SyncResponse)
    # The bot's notice reached the sender's device encrypted, and it decrypts: it says plainly
    # what the bot can and cannot see.
    notices = [e.source["content"].get("body") for e in synced.rooms.join[room].timeline.events
               if e.sender == b.user_id and getattr(e, "decrypted", False)]
    assert E2EE_NOTICE in notices
    if sender.should_query_keys:
        await sender.keys_query()

    bad = await _send_encrypted_image(sender, room, edited_copy(BLOCK_SEED))
    good = await _send_encrypted_image(sender, room, clean_photo(51))
    # m.file: checked by its decrypted bytes (a banked photo sent as a file; a text file).
    bad_file = await _send_encrypted_image(sender, room, edited_copy(BLOCK_SEED, "caption_band"),
                                           "m.file")
    text_file = await _send_encrypted_image(sender, room, b"minutes of the meeting\n" * 50,
                                            "m.file")
    # An encrypted event whose room key the bot never received: unreadable.
    blind = await carol.send(room, {
        "algorithm": "m.megolm.v1.aes-sha2", "sender_key": "A" * 43,
        "ciphertext": "AwgAEhAA", "session_id": "B" * 43, "device_id": "NOPE"},
        "m.room.encrypted")

    await until(lambda: carol.redacted(room, bad), what="encrypted banked image removed")
    await until(lambda: b.outcome_of(good), what="clean encrypted image checked")
    await until(lambda: carol.redacted(room, bad_file), what="encrypted banked file removed")
    await until(lambda: b.outcome_of(text_file), what="encrypted text file checked")
    await until(lambda: runner.encrypted >= 1, what="unreadable event counted")
    await runner.idle()
    assert not await carol.redacted(room, good)
    assert not await carol.redacted(room, text_file)
    assert not await carol.redacted(room, blind)
    assert b.outcome_of(blind) is None  # never checked: it cannot be read
    assert runner.errors == 0

    posted = [e for e in await mod.messages(mods_room) if e["sender"] == b.user_id
              and e["type"] == "m.room.message"]
    removed = [e["content"]["body"] for e in posted
               if e["content"]["body"].startswith("Rempart: Removed")]
    assert len(removed) == 2
    assert any(bad in t for t in removed) and any(bad_file in t for t in removed)
    assert all(e["content"]["msgtype"] == "m.notice" and "url" not in e["content"]
               and "file" not in e["content"] for e in posted)
    # In the room the bot says plainly what it can and cannot see, encrypted itself.
    said = [e["type"] for e in await carol.messages(room) if e["sender"] == b.user_id
            and e["type"] in ("m.room.message", "m.room.encrypted")]
    assert said and set(said) == {"m.room.encrypted"}


def test_tampered_or_keyless_attachment_is_not_decrypted() -> None:
    """Wrong hash or key: refused before any byte is hashed; no keys in the event: nothing."""
    from nio.crypto.attachments import encrypt_attachment

    ciphertext, keys = encrypt_attachment(clean_photo(52))
    key = e2ee.AttachmentKey(keys["key"]["k"], keys["iv"], keys["hashes"]["sha256"])
    assert e2ee.decrypt(ciphertext, key) == clean_photo(52)
    with pytest.raises(e2ee.BadAttachment):
        e2ee.decrypt(ciphertext[:-1] + b"\0", key)
    with pytest.raises(e2ee.BadAttachment):
        e2ee.decrypt(ciphertext, e2ee.AttachmentKey("!!", keys["iv"], key.sha256))
    assert e2ee.attachment_keys({"content": {"msgtype": "m.image",
                                             "file": {"url": "mxc://hs/a", "iv": "x" * 999,
                                                      "key": {"k": "k"},
                                                      "hashes": {"sha256": "h"}}}}) == {}
    assert e2ee.attachment_keys({"content": "junk"}) == {}


async def _has(members: Any, user: str) -> bool:
    return user in await members
