"""Logging the bot in: an access token checked with ``whoami`` (it must belong to the bot's
user), or a password. Errors say what failed, never the secret.

Example::

    client = await connect("https://hs.example", "@rempart:hs.example", token=token)
"""

from __future__ import annotations

import nio

__all__ = ["LoginError", "connect"]


async def connect(homeserver: str, user_id: str, *, token: str | None = None,
                  password: str | None = None, device_name: str = "rempart"
                  ) -> nio.AsyncClient:
    """A logged-in client: an access token is checked with ``whoami``, a password logs in.
    LoginError says what failed (never the secret)."""
    client = nio.AsyncClient(homeserver.rstrip("/"), user_id,
                             config=nio.AsyncClientConfig(encryption_enabled=False))
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
        return client
    if not password:
        await client.close()
        raise LoginError("no access token and no password")
    response = await client.login(password, device_name=device_name)
    if isinstance(response, nio.ErrorResponse):
        await client.close()
        raise LoginError(f"login refused: {response.status_code}")
    return client


class LoginError(Exception):
    """The homeserver refused the bot's credentials."""
