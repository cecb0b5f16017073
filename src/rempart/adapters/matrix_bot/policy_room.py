"""A Matrix policy room over the client-server API (plain httpx, bounded): resolve and join
it, read its power levels, page its policy events, read and write one policy state.

Every answer is read within ``FetchLimits`` (size, time); redirects are refused (they could
carry the access token elsewhere); errors are one line and never carry the token.

Example::

    with PolicyRoomClient("https://hs.example", token, FetchLimits()) as room:
        room_id = room.resolve("#policies:hs.example")
        room.put_state(room_id, "pdq:0a1b…", {"signal_type": "pdq", ...})
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from rempart.adapters.exchanges.bounded import check_status, json_object, read_chunks, remaining
from rempart.core.exchanges import FetchLimits
from rempart.core.policy_room import POLICY_EVENT_TYPE
from rempart.services.exchanges import ExchangeSourceError

__all__ = ["PolicyRoomClient", "RoomSink"]
_V3 = "/_matrix/client/v3"
WHAT = "the homeserver"
MAX_WAIT_SECONDS = 60.0  # of one rate-limit pause


class PolicyRoomClient:
    """One homeserver, one access token; a context manager closing its connections."""

    def __init__(self, homeserver: str, token: str, limits: FetchLimits,
                 deadline: float | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.homeserver = homeserver.rstrip("/")
        self.limits = limits
        self.deadline = deadline if deadline is not None else (
            time.monotonic() + limits.max_seconds)
        self._http = httpx.Client(base_url=self.homeserver, transport=transport,
                                  follow_redirects=False,
                                  headers={"Authorization": f"Bearer {token}"})

    def __repr__(self) -> str:  # never the token
        return f"PolicyRoomClient({self.homeserver!r})"

    def __enter__(self) -> PolicyRoomClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                body: Mapping[str, Any] | None = None,
                missing_ok: bool = False) -> dict[str, Any] | None:
        """The JSON object answered (None for a 404 when ``missing_ok``). A rate limit
        (429) is waited out as the homeserver asks, until the deadline."""
        while True:
            retry_after = self._request(method, path, params, body, missing_ok)
            if not isinstance(retry_after, float):
                return retry_after
            time.sleep(min(retry_after, remaining(self.deadline, MAX_WAIT_SECONDS)))

    def _request(self, method: str, path: str, params: Mapping[str, Any] | None,
                 body: Mapping[str, Any] | None, missing_ok: bool
                 ) -> dict[str, Any] | float | None:
        try:
            with self._http.stream(method, path, params=params, json=body,
                                   timeout=remaining(self.deadline,
                                                     self.limits.timeout_seconds)) as r:
                if missing_ok and r.status_code == 404:
                    return None
                if r.status_code == 429:
                    wait = _error(r).get("retry_after_ms")
                    return max(0.05, wait / 1000) if isinstance(wait, int) else 1.0
                if r.status_code in (401, 403):
                    code = _error(r).get("errcode")
                    shown = code if isinstance(code, str) and code.isascii() and len(
                        code) < 64 else ""
                    raise ExchangeSourceError(f"{WHAT} refused {method} {path.split('?')[0]}: "
                                              f"HTTP {r.status_code} {shown}".rstrip())
                check_status(r.status_code, WHAT)
                raw = read_chunks(r.iter_bytes(), r.headers.get("content-length"),
                                  self.limits.max_page_bytes, self.deadline, WHAT)
        except httpx.HTTPError as e:
            raise ExchangeSourceError(f"{WHAT} unreachable: {type(e).__name__}") from None
        return json_object(raw, WHAT)

    def whoami(self) -> str:
        got = self.request("GET", f"{_V3}/account/whoami") or {}
        user = got.get("user_id")
        if not isinstance(user, str):
            raise ExchangeSourceError(f"{WHAT} sent no user id for the token")
        return user

    def resolve(self, room: str) -> str:
        """The room id of ``room`` (an id is returned as is, an alias is looked up)."""
        if room.startswith("!"):
            return room
        got = self.request("GET", f"{_V3}/directory/room/{quote(room, safe='')}") or {}
        room_id = got.get("room_id")
        if not isinstance(room_id, str) or not room_id.startswith("!"):
            raise ExchangeSourceError(f"{WHAT} sent no room id for {room}")
        return room_id

    def join(self, room: str) -> str:
        """Join ``room`` (id or alias; a no-op for a member) and return its id."""
        got = self.request("POST", f"{_V3}/join/{quote(room, safe='')}", body={}) or {}
        room_id = got.get("room_id")
        if not isinstance(room_id, str) or not room_id.startswith("!"):
            raise ExchangeSourceError(f"{WHAT} sent no room id for {room}")
        return room_id

    def state(self, room_id: str, event_type: str, key: str = "") -> dict[str, Any] | None:
        """The content of one state event, or None when the room has none."""
        return self.request("GET", self._state_path(room_id, event_type, key),
                            missing_ok=True)

    def state_event(self, room_id: str, event_type: str, key: str = ""
                    ) -> dict[str, Any] | None:
        """One whole state event (``format=event``: its sender too), or None."""
        got = self.request("GET", self._state_path(room_id, event_type, key),
                           params={"format": "event"}, missing_ok=True)
        if got is None or "content" in got:
            return got
        return {"type": event_type, "state_key": key, "content": got}  # content only

    def event(self, room_id: str, event_id: str) -> dict[str, Any] | None:
        """One event of the room (redacted or not), or None when the homeserver has none."""
        return self.request("GET", f"{_V3}/rooms/{quote(room_id, safe='')}/event/"
                                   f"{quote(event_id, safe='')}", missing_ok=True)

    @staticmethod
    def _state_path(room_id: str, event_type: str, key: str) -> str:
        return (f"{_V3}/rooms/{quote(room_id, safe='')}/state/{quote(event_type, safe='')}/"
                f"{quote(key, safe='')}")

    def put_state(self, room_id: str, key: str, content: Mapping[str, Any],
                  event_type: str = POLICY_EVENT_TYPE) -> None:
        self.request("PUT", self._state_path(room_id, event_type, key), body=content)

    def messages(self, room_id: str, since: str | None, limit: int,
                 types: list[str]) -> dict[str, Any]:
        """One page of the room's timeline forwards from ``since`` (None: the room's start),
        only events of ``types``."""
        params: dict[str, Any] = {"dir": "f", "limit": limit,
                                  "filter": json.dumps({"types": types,
                                                        "lazy_load_members": True})}
        if since:
            params["from"] = since
        return self.request("GET", f"{_V3}/rooms/{quote(room_id, safe='')}/messages",
                            params=params) or {}


def _error(response: httpx.Response) -> dict[str, Any]:
    """The Matrix error body of a refusal (read within a small bound), or {}."""
    try:
        return json_object(read_chunks(response.iter_bytes(), None, 4096,
                                       time.monotonic() + 5, WHAT), WHAT)
    except ExchangeSourceError:
        return {}


class RoomSink:
    """One policy room as the publishing service's
    :class:`~rempart.services.policy_room.PolicyRoomSink`."""

    def __init__(self, client: PolicyRoomClient, room_id: str) -> None:
        self.client = client
        self.room_id = room_id

    def current(self, key: str) -> Mapping[str, Any] | None:
        return self.client.state(self.room_id, POLICY_EVENT_TYPE, key)

    def put(self, key: str, content: Mapping[str, Any]) -> None:
        self.client.put_state(self.room_id, key, content)
