"""The Bot API server's address as people give it → the client's two base URLs.

A self-hosted ``telegram-bot-api`` server prints ``http://host:port``; python-telegram-bot wants
``…/bot`` (it appends the token) and ``…/file/bot`` for downloads. Both forms are accepted, with
or without a trailing slash; anything else is refused with a sentence saying what is wrong.

Example::

    >>> bot_api_urls("http://127.0.0.1:8081")
    ('http://127.0.0.1:8081/bot', 'http://127.0.0.1:8081/file/bot')
    >>> bot_api_urls("https://api.telegram.org/bot/")
    ('https://api.telegram.org/bot', 'https://api.telegram.org/file/bot')
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

CLOUD_API_URL = "https://api.telegram.org/bot"
# A Bot API token: the bot's id, a colon, a secret of 30-odd URL-safe characters.
_TOKEN = re.compile(r"(?<!\d)(\d{3,}):[A-Za-z0-9_-]{8,}")  # no backtracking into a digit run
_CREDENTIALS = re.compile(r"//[^/@]*@")


class ApiUrlError(ValueError):
    """The ``--api-url`` given cannot be used; the message says why."""


def bot_api_urls(given: str) -> tuple[str, str]:
    """``(api_url, file_url)`` for a server address or a ``…/bot`` URL; ApiUrlError if unusable.

    >>> try:
    ...     bot_api_urls("localhost:8081")
    ... except ApiUrlError as e:
    ...     print(e)
    --api-url 'localhost:8081' has no scheme: write http://localhost:8081 (or https://)
    """
    text = given.strip()
    shown = _redacted(text)
    if not text:
        raise ApiUrlError("--api-url is empty: give the Bot API server's address, "
                          "e.g. http://127.0.0.1:8081")
    if "://" not in text:
        raise ApiUrlError(f"--api-url {shown!r} has no scheme: write http://{shown} "
                          "(or https://)")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ApiUrlError(f"--api-url {shown!r}: the scheme must be http or https, "
                          f"not {parts.scheme!r}")
    if parts.username is not None or parts.password is not None:
        raise ApiUrlError(f"--api-url {shown!r} holds credentials: give the server's address "
                          "only (the token comes from REMPART_TELEGRAM_TOKEN)")
    if not parts.hostname:
        raise ApiUrlError(f"--api-url {shown!r} has no host")
    try:
        port = parts.port
    except ValueError:
        raise ApiUrlError(f"--api-url {shown!r}: the port must be a number from 1 to "
                          "65535") from None
    if port == 0:
        raise ApiUrlError(f"--api-url {shown!r}: the port must be a number from 1 to 65535")
    if parts.query or parts.fragment:
        raise ApiUrlError(f"--api-url {shown!r}: remove the ?query or #fragment")
    path = parts.path.rstrip("/")
    if path.endswith("/bot"):
        root = path[: -len("/bot")]
    elif _has_token(path):
        raise ApiUrlError(f"--api-url {shown!r} seems to hold the bot's token: give the "
                          "address without it (the token comes from REMPART_TELEGRAM_TOKEN)")
    else:
        root = path
    base = f"{parts.scheme}://{parts.netloc}{root}"
    return f"{base}/bot", f"{base}/file/bot"


def _has_token(path: str) -> bool:
    """A path holding something shaped like a Bot API token (``<digits>:<secret>``)."""
    return _TOKEN.search(path) is not None


def _redacted(text: str) -> str:
    """The URL as shown in errors, a token-like ``<digits>:<secret>`` cut to ``<digits>:…``."""
    return _CREDENTIALS.sub("//…@", _TOKEN.sub(lambda m: m.group(1) + ":…", text))
