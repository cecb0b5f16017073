"""Reading the files of the Matrix event being checked into memory: plain files through the
media API (``media.download``), encrypted attachments decrypted on a hashing thread with the
keys their event carries (held only while that event is handled).

Example::

    files = MatrixFiles(client, settings, hashing)
    with files.keys_of(event):                  # an encrypted event's attachment keys
        outcome = await check_message(..., read=files.read)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import nio

from rempart.adapters.matrix_bot import e2ee
from rempart.adapters.matrix_bot.events import ENCRYPTED_PREFIX
from rempart.adapters.matrix_bot.media import SNIFF_BYTES, MediaRefused, NotMedia, download
from rempart.config import MatrixSettings
from rempart.core.media import sniff
from rempart.services.bot_messages import BotMedia, NotFetched


class MatrixFiles:
    """The files of one Matrix account's events, read into memory one at a time."""

    def __init__(self, client: nio.AsyncClient, settings: MatrixSettings,
                 hashing: ThreadPoolExecutor) -> None:
        self.client = client
        self.settings = settings
        self._hashing = hashing
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
        self._keys: dict[str, e2ee.AttachmentKey] = {}  # encrypted attachments being checked

    async def close(self) -> None:
        """Close the download connections."""
        await self._http.aclose()

    @contextlib.contextmanager
    def keys_of(self, event: dict[str, Any]) -> Iterator[None]:
        """Hold the attachment keys ``event`` carries (end-to-end encryption on) while it is
        handled."""
        keys = e2ee.attachment_keys(event) if self.client.olm else {}
        self._keys.update(keys)
        try:
            yield
        finally:
            for file_id in keys:
                self._keys.pop(file_id, None)

    async def read(self, media: BotMedia) -> bytes | NotFetched | None:
        """One file's bytes, None when it is over the download limit, or why it was not
        read."""
        attachment = None
        if media.file_id.startswith(ENCRYPTED_PREFIX):
            attachment = self._keys.get(media.file_id)
            if attachment is None:
                return NotFetched("failed", "encrypted attachment: no key to decrypt it")
        try:
            mxc = media.file_id.removeprefix(ENCRYPTED_PREFIX) if attachment else media.file_id
            data = await download(self._http, self.client.homeserver, self.client.access_token,
                                  mxc, self.settings.download_limit_bytes,
                                  sniffed=media.sniffed and attachment is None)
            if data is not None and attachment is not None:
                data = await asyncio.get_running_loop().run_in_executor(
                    self._hashing, e2ee.decrypt, data, attachment)
                if media.sniffed and sniff(data[:SNIFF_BYTES]) is None:
                    raise NotMedia(mxc)
        except e2ee.BadAttachment as e:
            return NotFetched("failed", f"encrypted attachment: not decrypted ({e})")
        except NotMedia:
            return NotFetched("not_media")
        except MediaRefused as e:
            return NotFetched("failed", str(e))
        except httpx.HTTPError as e:
            return NotFetched("failed", f"download failed: {type(e).__name__}")
        return data
