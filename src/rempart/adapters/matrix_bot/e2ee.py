"""End-to-end encryption for the Matrix bot, when python-olm is installed
(``pip install 'rempart[matrix-e2e]'``): the bot is then an E2EE device with a key store on disk
(keys, never media), uploads its device keys, accepts the room keys other devices share with it
(nio decrypts Megolm events in ``sync`` when it holds the session), and decrypts encrypted
attachments (``file`` instead of ``url``) in memory from the key, iv and sha256 in the event.

What it cannot see: events sent before it joined, and events whose room key was not shared with
its device — those stay ``m.room.encrypted`` and are counted, not checked.

Example::

    >>> attachment_keys({"type": "m.room.message", "content": {"msgtype": "m.image",
    ...     "file": {"url": "mxc://hs/a", "key": {"k": "K"}, "iv": "I",
    ...              "hashes": {"sha256": "H"}}}})
    {'encrypted:mxc://hs/a': AttachmentKey(key='K', iv='I', sha256='H')}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import nio

from rempart.adapters.matrix_bot.events import ENCRYPTED_PREFIX

__all__ = ["AttachmentKey", "BadAttachment", "E2EEClient", "attachment_keys", "available",
           "client_config", "decrypt", "maintain"]

_FIELD_LIMIT = 200  # a JWK key, an iv and a sha256 are each well under this


class BadAttachment(Exception):
    """The attachment's keys are malformed or its bytes do not match them."""


@dataclass(frozen=True, slots=True)
class AttachmentKey:
    """What decrypts one attachment (held in memory while its event is checked)."""

    key: str
    iv: str
    sha256: str


def available() -> bool:
    """Whether python-olm is importable (nio can then be an E2EE client)."""
    try:
        from nio.crypto import ENCRYPTION_ENABLED
    except ImportError:  # pragma: no cover - nio always has the module
        return False
    return bool(ENCRYPTION_ENABLED)


def client_config() -> nio.AsyncClientConfig:
    """A client configuration with encryption on when it is available."""
    return nio.AsyncClientConfig(encryption_enabled=available(), store_sync_tokens=False)


def _key_of(file: object) -> AttachmentKey | None:
    if not isinstance(file, dict):
        return None
    key, hashes, iv = file.get("key"), file.get("hashes"), file.get("iv")
    k = key.get("k") if isinstance(key, dict) else None
    sha = hashes.get("sha256") if isinstance(hashes, dict) else None
    if not all(isinstance(v, str) and 0 < len(v) <= _FIELD_LIMIT for v in (k, iv, sha)):
        return None
    return AttachmentKey(str(k), str(iv), str(sha))


def attachment_keys(event: Mapping[str, Any]) -> dict[str, AttachmentKey]:
    """The keys of the encrypted attachments of a (decrypted) event, by the file id
    ``events.media_of`` gives them (``encrypted:<mxc>``); an edit's new content included."""
    content = event.get("content")
    if not isinstance(content, dict):
        return {}
    out: dict[str, AttachmentKey] = {}
    new = content.get("m.new_content")
    for part in (content, new if isinstance(new, dict) else {}):
        file = part.get("file")
        found = _key_of(file)
        if found is not None and isinstance(file, dict):
            out[ENCRYPTED_PREFIX + str(file.get("url", ""))[:300]] = found
    return out


def decrypt(ciphertext: bytes, key: AttachmentKey) -> bytes:
    """The attachment's plaintext (in memory); BadAttachment when the sha256 or the key do
    not match."""
    from nio.crypto.attachments import decrypt_attachment
    from nio.exceptions import EncryptionError

    try:
        return bytes(decrypt_attachment(ciphertext, key.key, key.sha256, key.iv))
    except (EncryptionError, ValueError, TypeError, KeyError) as e:
        raise BadAttachment(type(e).__name__) from None


async def maintain(client: nio.AsyncClient) -> None:
    """After a sync: upload the device's keys when needed and learn the members' devices.
    Room keys are accepted from any device (no interactive verification: the bot is a
    moderator, not a person vouching for anyone)."""
    if not client.olm:
        return
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()


class E2EEClient(nio.AsyncClient):  # type: ignore[misc]  # nio is untyped
    """An E2EE nio client whose messages go encrypted to every member's devices, verified or
    not, and that can write in a room it joined before the next sync told it about it."""

    async def room_send(self, room_id: str, message_type: str, content: dict[Any, Any],
                        tx_id: str | None = None, ignore_unverified_devices: bool = True
                        ) -> nio.RoomSendResponse | nio.RoomSendError:
        if self.olm and room_id not in self.rooms:
            got = await self.room_get_state_event(room_id, "m.room.encryption")
            if isinstance(got, nio.RoomGetStateEventError) and got.status_code != "M_NOT_FOUND":
                return nio.RoomSendError(f"room state unreadable: {got.status_code}",
                                         got.status_code)
            encrypted = isinstance(got, nio.RoomGetStateEventResponse)
            self.rooms.setdefault(room_id, nio.MatrixRoom(room_id, self.user_id, encrypted))
        return await super().room_send(room_id, message_type, content, tx_id,
                                       ignore_unverified_devices=True)
