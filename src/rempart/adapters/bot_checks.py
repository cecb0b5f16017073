"""Checking one chat message as the Telegram and Matrix bots both do: the service says what to
download, each file is read into memory (a file over the limit: its thumbnail instead), the
service hashes them on a worker thread (bytes dropped) and decides.

Example::

    outcome = await check_message(service, message, io=runner.io, hashing=runner.hashing.run,
                                  read=read_file)   # read_file(media) -> bytes | None | NotFetched
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rempart.services.bot import BotService, Outcome
from rempart.services.bot_messages import BotMedia, BotMessage, Fetched, NotFetched

__all__ = ["Read", "check_message", "fetch_into"]

Run = Callable[..., Awaitable[Any]]
# One file's bytes, None when it is over the download limit, or why it was not read.
Read = Callable[[BotMedia], Awaitable[bytes | NotFetched | None]]


async def check_message(service: BotService, message: BotMessage, *, io: Run, hashing: Run,
                        read: Read) -> Outcome:
    """The service's decision about ``message``: ``io`` runs the database work, ``hashing``
    the hashing, ``read`` reads each file; the bytes are dropped once decided."""
    prepared = await io(service.prepare, message)
    fetched: dict[str, Fetched] = {}
    try:
        for media in prepared.fetch:
            await fetch_into(media, fetched, read)
        outcome: Outcome = await hashing(service.finish, message, prepared, fetched)
    finally:
        fetched.clear()
    return outcome


async def fetch_into(media: BotMedia, into: dict[str, Fetched], read: Read) -> None:
    """Read one file into ``into`` (by ``file_unique_id``); a file over the limit is marked
    ``too_large`` and its thumbnail is read instead."""
    got = await read(media)
    if got is not None:
        into[media.file_unique_id] = got
        return
    into[media.file_unique_id] = NotFetched("too_large")
    if media.thumbnail is not None and media.thumbnail.file_unique_id not in into:
        await fetch_into(media.thumbnail, into, read)
