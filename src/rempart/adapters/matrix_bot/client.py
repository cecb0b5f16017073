"""Logging the bot in: an access token checked with ``whoami`` (it must belong to the bot's
user), or a password. Errors say what failed, never the secret.

Example::

    client = await connect("https://hs.example", "@rempart:hs.example", token=token)
"""

from __future__ import annotations

from pathlib import Path

import nio

from rempart.adapters.matrix_bot import e2ee

__all__ = ["LoginError", "connect"]


async def connect(homeserver: str, user_id: str, *, token: str | None = None,
                  password: str | None = None, device_name: str = "rempart",
                  store_path: str | None = None) -> nio.AsyncClient:
    """A logged-in client: an access token is checked with ``whoami``, a password logs in.
    With ``store_path`` and python-olm installed it is an E2EE device whose keys are kept
    there (``e2ee.py``). LoginError says what failed (never the secret)."""
    encrypted = bool(store_path) and e2ee.available()
    if encrypted and store_path:
        Path(store_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    client = (e2ee.E2EEClient if encrypted else nio.AsyncClient)(
        homeserver.rstrip("/"), user_id,
        store_path=store_path if encrypted else "",
        config=e2ee.client_config() if encrypted
        else nio.AsyncClientConfig(encryption_enabled=False))
    if token:
        client.access_token = token
        who = await client.whoami()
        if isinstance(who, nio.ErrorResponse):
            await client.close()
            raise LoginError(f"the access token was refused: {who.status_code}")
        if who.user_id != user_id:
            await client.close()
            raise LoginError(f"the access token belongs to {who.user_id}, not {user_id}")
        client.user_id, client.device_id = who.user_id, who.device_id or ""
        if encrypted and client.device_id:
            client.load_store()
            await e2ee.maintain(client)
        return client
    if not password:
        await client.close()
        raise LoginError("no access token and no password")
    response = await client.login(password, device_name=device_name)
    if isinstance(response, nio.ErrorResponse):
        await client.close()
        raise LoginError(f"login refused: {response.status_code}")
    if encrypted:
        await e2ee.maintain(client)
    return client


class LoginError(Exception):
    """The homeserver refused the bot's credentials."""
