"""Downloading a Matrix file into memory through the authenticated media API
(``/_matrix/client/v1/media/download``), streamed and bounded: the declared length is checked
before reading, never more than the limit is held, and a file checked only by content (an
``m.file``) stops after its first bytes when they are no image or video. Nothing is written
to disk.

Example::

    data = await download(http, "https://hs.example", token, "mxc://hs.example/abc",
                          limit=50 * 1024 * 1024)          # None: over the limit
"""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx

from rempart.core.media import sniff

__all__ = ["MediaRefused", "NotMedia", "download", "media_url"]

SNIFF_BYTES = 64
CHUNK = 64 * 1024
# Server name and media id as the spec allows them; anything else is never requested.
_MXC = re.compile(r"mxc://([A-Za-z0-9.\-:\[\]]{1,255})/([A-Za-z0-9_\-]{1,255})")


class NotMedia(Exception):
    """The file's first bytes are no image or video format."""


class MediaRefused(Exception):
    """The file cannot be fetched: a malformed ``mxc://`` URI, or the server's refusal."""


def media_url(homeserver: str, mxc: str) -> str:
    """The authenticated download URL of an ``mxc://`` URI (MediaRefused when malformed).

    >>> media_url("http://127.0.0.1:8008/", "mxc://hs.example/AbC_1")
    'http://127.0.0.1:8008/_matrix/client/v1/media/download/hs.example/AbC_1'
    >>> try:
    ...     media_url("http://hs", "mxc://hs/../../admin")
    ... except MediaRefused as e:
    ...     print(e)
    malformed mxc URI
    """
    found = _MXC.fullmatch(mxc)
    if found is None:
        raise MediaRefused("malformed mxc URI")
    server, media_id = found.groups()
    return (f"{homeserver.rstrip('/')}/_matrix/client/v1/media/download/"
            f"{quote(server, safe=':[]')}/{quote(media_id)}")


async def download(http: httpx.AsyncClient, homeserver: str, token: str, mxc: str,
                   limit: int, *, sniffed: bool = False) -> bytes | None:
    """The file's bytes, or None when it is over ``limit``; NotMedia for a file checked by
    content that is no image or video; MediaRefused when the server refuses it."""
    url = media_url(homeserver, mxc)
    headers = {"Authorization": f"Bearer {token}"}
    async with http.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            raise MediaRefused(f"download refused: HTTP {response.status_code}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return None
        buf = bytearray()
        checked = not sniffed
        async for chunk in response.aiter_bytes(CHUNK):
            buf += chunk
            if len(buf) > limit:
                return None
            if not checked and len(buf) >= SNIFF_BYTES:
                if sniff(bytes(buf[:SNIFF_BYTES])) is None:
                    raise NotMedia(mxc)
                checked = True
    if not checked and sniff(bytes(buf)) is None:
        raise NotMedia(mxc)
    return bytes(buf)
