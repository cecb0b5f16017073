"""Downloading a file into memory, streamed and bounded: never more than the size limit is
held, and a document whose first bytes are no image or video stops after those bytes.

Example::

    data = await download(bot, http, media, limit=20 * 1024 * 1024)   # None: over the limit
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from telegram import Bot

from rempart.adapters.telegram_bot.calls import with_retries
from rempart.core.media import sniff
from rempart.services.bot_messages import BotMedia

SNIFF_BYTES = 64  # enough for every signature core.media.sniff knows
CHUNK = 64 * 1024


class NotMedia(Exception):
    """The document's first bytes are no image or video format."""


def _encoded(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=quote(parts.path)))


def _check_head(media: BotMedia, head: bytes) -> None:
    if media.sniffed and sniff(head) is None:
        raise NotMedia(media.file_unique_id)


async def download(bot: Bot, http: httpx.AsyncClient, media: BotMedia, limit: int
                   ) -> bytes | None:
    """The file's bytes, or None when it is over ``limit``; NotMedia for a document that is
    not an image or video; Bot API and HTTP errors pass through."""
    file = await with_retries(lambda: bot.get_file(media.file_id))
    if file.file_size is not None and file.file_size > limit:
        return None
    path = str(file.file_path or "")
    if not path.startswith(("http://", "https://")):
        # A self-hosted server in --local mode gives a path on this machine: read it there.
        local = await with_retries(file.download_as_bytearray)
        if len(local) > limit:
            return None
        _check_head(media, bytes(local[:SNIFF_BYTES]))
        return bytes(local)
    buf = bytearray()
    sniffed = not media.sniffed
    async with http.stream("GET", _encoded(path)) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes(CHUNK):
            buf += chunk
            if len(buf) > limit:
                return None
            if not sniffed and len(buf) >= SNIFF_BYTES:
                _check_head(media, bytes(buf[:SNIFF_BYTES]))
                sniffed = True
    if not sniffed:
        _check_head(media, bytes(buf))
    return bytes(buf)
