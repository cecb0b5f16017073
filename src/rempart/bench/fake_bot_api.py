"""A fake Telegram Bot API server for tests, ``rempart bench bot`` and the compose check: real
HTTP on 127.0.0.1 (or a given address), the Bot API's JSON shapes and errors, in-memory files,
and a record of every call.

Serves ``/bot<token>/<method>`` (getMe, getUpdates with offset/timeout, getFile,
deleteMessage(s), banChatMember, banChatSenderChat, restrictChatMember, sendMessage,
getChatMember, getChatAdministrators, setMyCommands, setWebhook, deleteWebhook) and
``/file/bot<token>/<path>``. ``fail_next(n, retry_after)`` answers the next ``n`` calls with
429 Too Many Requests; ``refuse(method, n, code, description)`` answers them with another error
(400 "message can't be deleted", 403 "bot can't initiate conversation"…); ``hold_file(file_id)``
makes a download wait until the returned event is set (a slow file).

Example::

    with FakeBotApi() as api:
        api.add_update(api.photo_message(-1001, 7, jpeg_bytes))
        bot = make_bot(api.token, api.api_url)
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT_ID = 900_000_001
TOKEN = "900000001:TEST-fake-token-for-the-test-suite"
DOWNLOAD_LIMIT = 20 * 1024 * 1024


@dataclass
class Call:
    """One request the bot made: method, parameters (JSON-decoded), time (monotonic)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    data: bytes
    path: str


@dataclass
class _State:
    updates: list[dict[str, Any]] = field(default_factory=list)
    confirmed: int = 0
    files: dict[str, _File] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    deleted: dict[tuple[int, int], float] = field(default_factory=dict)
    queued_at: dict[int, float] = field(default_factory=dict)
    admins: dict[int, set[int]] = field(default_factory=dict)
    fail: list[tuple[str | None, int]] = field(default_factory=list)
    refuse: list[tuple[str, int, int, str]] = field(default_factory=list)
    held: dict[str, threading.Event] = field(default_factory=dict)


# Methods answered ``true`` whatever their parameters (the calls are recorded all the same).
_ACCEPTED = frozenset({"banchatmember", "banchatsenderchat", "setmycommands", "setwebhook",
                       "deletewebhook"})


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str, retry_after: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status_code=code)


def _user(user_id: int, is_bot: bool = False) -> dict[str, Any]:
    if is_bot:
        return {"id": user_id, "is_bot": True, "first_name": "Rempart",
                "username": "rempart_test_bot"}
    return {"id": user_id, "is_bot": False, "first_name": f"Member{user_id % 1000}"}


class FakeBotApi:
    """The fake server, run in a background thread with its own event loop."""

    def __init__(self, token: str = TOKEN, host: str = "127.0.0.1") -> None:
        self.token = token
        self.host = host
        self.state = _State()
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self._messages = itertools.count(1000)
        self._sent = itertools.count(500_000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The ``base_url`` for the client (the token is appended by the client)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """The ``base_file_url`` for the client."""
        return f"http://{self.host}:{self.port}/file/bot"

    def __enter__(self) -> FakeBotApi:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on a free port of ``host`` (bounded wait for readiness)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[
            Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
        ])
        config = uvicorn.Config(app, log_level="error", access_log=False, lifespan="off",
                                ws="none", http="h11")
        self._server = uvicorn.Server(config)
        ready = threading.Event()

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            ready.set()
            assert self._server is not None
            await self._server.serve(sockets=[sock])

        self._thread = threading.Thread(target=lambda: asyncio.run(serve()),
                                        name="fake-bot-api", daemon=True)
        self._thread.start()
        ready.wait(10)
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop the server (bounded)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    # --- feeding it -------------------------------------------------------------------------

    def add_update(self, body: dict[str, Any]) -> int:
        """Queue an update (``{"message": {...}}`` and the like); returns its update_id."""
        with self.lock:
            update_id = next(self._ids)
            self.state.updates.append({"update_id": update_id, **body})
            self.state.queued_at[update_id] = time.monotonic()
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
        return update_id

    def add_file(self, data: bytes, prefix: str = "photos") -> tuple[str, str]:
        """Serve ``data``; returns (file_id, file_unique_id)."""
        n = next(self._ids)
        file_id = f"AgAC{n:08d}fake"
        unique = f"AQAD{n:06d}"
        with self.lock:
            self.state.files[file_id] = _File(file_id, unique, data, f"{prefix}/file_{n}.bin")
        return file_id, unique

    def set_admins(self, chat_id: int, user_ids: set[int]) -> None:
        """The human admins of a chat (the bot is always an admin with every right)."""
        with self.lock:
            self.state.admins[chat_id] = set(user_ids)

    def fail_next(self, count: int, retry_after: int = 1, method: str | None = None) -> None:
        """Answer the next ``count`` calls (of ``method``, or any but getUpdates) with 429."""
        with self.lock:
            self.state.fail.append((method, count))
            self._retry_after = retry_after

    def refuse(self, method: str, count: int, code: int = 400,
               description: str = "Bad Request: message can't be deleted") -> None:
        """Answer the next ``count`` calls of ``method`` with ``code`` and ``description``."""
        with self.lock:
            self.state.refuse.append((method, count, code, description))

    def hold_file(self, file_id: str) -> threading.Event:
        """Make downloads of ``file_id`` wait until the returned event is set."""
        gate = threading.Event()
        with self.lock:
            self.state.held[file_id] = gate
        return gate

    # --- message builders -------------------------------------------------------------------

    def message(self, chat_id: int, user_id: int | None, *, text: str | None = None,
                chat_type: str = "supergroup", message_id: int | None = None,
                **extra: Any) -> dict[str, Any]:
        """A Message object (``from`` omitted when ``user_id`` is None)."""
        msg: dict[str, Any] = {
            "message_id": message_id if message_id is not None else next(self._messages),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, "title": f"Test chat {abs(chat_id)}"},
        }
        if user_id is not None:
            msg["from"] = _user(user_id)
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        msg.update(extra)
        return msg

    def photo_sizes(self, data: bytes, width: int = 800, height: int = 600
                    ) -> list[dict[str, Any]]:
        """PhotoSize objects: a small thumbnail entry and the full image (both served)."""
        big_id, big_unique = self.add_file(data)
        small = _thumbnail(data)
        small_id, small_unique = self.add_file(small)
        return [
            {"file_id": small_id, "file_unique_id": small_unique, "file_size": len(small),
             "width": 90, "height": 68},
            {"file_id": big_id, "file_unique_id": big_unique, "file_size": len(data),
             "width": width, "height": height},
        ]

    def photo_message(self, chat_id: int, user_id: int | None, data: bytes, **extra: Any
                      ) -> dict[str, Any]:
        """``{"message": ...}`` with a photo."""
        return {"message": self.message(chat_id, user_id, photo=self.photo_sizes(data),
                                        **extra)}

    # --- handlers ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call so far (a copy)."""
        with self.lock:
            return list(self.state.calls)

    def calls_to(self, method: str) -> list[Call]:
        """Calls of one method."""
        return [c for c in self.calls if c.method == method]

    def deleted(self) -> set[tuple[int, int]]:
        """(chat, message) pairs deleted so far."""
        with self.lock:
            return set(self.state.deleted)

    def latencies(self) -> list[float]:
        """Seconds from queuing each update to deleting its message (deleted messages only)."""
        with self.lock:
            out = []
            for update in self.state.updates:
                msg = update.get("message") or update.get("edited_message") or {}
                key = (msg.get("chat", {}).get("id"), msg.get("message_id"))
                if key in self.state.deleted:
                    out.append(self.state.deleted[key] - self.state.queued_at[update["update_id"]])
            return out

    async def _params(self, request: Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query_params)
        ctype = request.headers.get("content-type", "")
        if "json" in ctype:
            body = await request.json()
            raw.update(body if isinstance(body, dict) else {})
        elif request.method == "POST":
            form = await request.form()
            raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str):
                try:
                    out[key] = json.loads(value)
                except ValueError:
                    out[key] = value
            else:
                out[key] = value
        return out

    def _take_refusal(self, method: str) -> tuple[int, str] | None:
        for i, (only, count, code, description) in enumerate(self.state.refuse):
            if only == method:
                if count <= 1:
                    del self.state.refuse[i]
                else:
                    self.state.refuse[i] = (only, count - 1, code, description)
                return code, description
        return None

    def _take_failure(self, method: str) -> int | None:
        for i, (only, count) in enumerate(self.state.fail):
            if (only is None and method != "getUpdates") or only == method:
                if count <= 1:
                    del self.state.fail[i]
                else:
                    self.state.fail[i] = (only, count - 1)
                return getattr(self, "_retry_after", 1)
        return None

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        params = await self._params(request)
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        with self.lock:
            retry = self._take_failure(method)
            refusal = self._take_refusal(method) if retry is None else None
            status = 429 if retry is not None else refusal[0] if refusal else 200
            self.state.calls.append(Call(method, params, time.monotonic(), status))
        if retry is not None:
            return _error(429, f"Too Many Requests: retry after {retry}", retry)
        if refusal is not None:
            return _error(*refusal)
        if method.lower() in _ACCEPTED:
            return _ok(True)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return _error(404, "Not Found")
        result: Response = await handler(params)
        return result

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.path_params["path"]
        with self.lock:
            found = next((f for f in self.state.files.values() if f.path == path), None)
            gate = self.state.held.get(found.file_id) if found is not None else None
        if found is None:
            return Response(b"Not Found", status_code=404)
        stopping = self._server  # a slow file: wait, serving others, until set or stopped
        while gate is not None and not gate.is_set() and not (stopping and stopping.should_exit):
            await asyncio.sleep(0.02)
        return Response(found.data, media_type="application/octet-stream")

    async def _m_getme(self, p: dict[str, Any]) -> Response:
        return _ok({**_user(BOT_ID, True), "can_join_groups": True,
                    "can_read_all_group_messages": True, "supports_inline_queries": False})

    async def _m_getupdates(self, p: dict[str, Any]) -> Response:
        offset = int(p.get("offset", 0) or 0)
        timeout = float(p.get("timeout", 0) or 0)
        limit = int(p.get("limit", 100) or 100)
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if offset:
                    self.state.confirmed = max(self.state.confirmed, offset)
                ready = [u for u in self.state.updates
                         if u["update_id"] >= self.state.confirmed][:limit]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._wake is None:
                return _ok(ready)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(remaining, 1.0))

    async def _m_getfile(self, p: dict[str, Any]) -> Response:
        with self.lock:
            f = self.state.files.get(str(p.get("file_id")))
        if f is None:
            return _error(400, "Bad Request: invalid file_id")
        if len(f.data) > DOWNLOAD_LIMIT:
            return _error(400, "Bad Request: file is too big")
        return _ok({"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                    "file_size": len(f.data), "file_path": f.path})

    def _delete(self, chat_id: int, message_id: int) -> bool:
        key = (chat_id, message_id)
        if key in self.state.deleted:
            return False
        self.state.deleted[key] = time.monotonic()
        return True

    async def _m_deletemessage(self, p: dict[str, Any]) -> Response:
        with self.lock:
            ok = self._delete(int(p["chat_id"]), int(p["message_id"]))
        return _ok(True) if ok else _error(400, "Bad Request: message to delete not found")

    async def _m_deletemessages(self, p: dict[str, Any]) -> Response:
        ids = p.get("message_ids") or []
        if not 1 <= len(ids) <= 100:
            return _error(400, "Bad Request: message_ids must contain 1-100 elements")
        with self.lock:
            for i in ids:  # ids that cannot be found are skipped
                self._delete(int(p["chat_id"]), int(i))
        return _ok(True)

    async def _m_restrictchatmember(self, p: dict[str, Any]) -> Response:
        if "permissions" not in p:
            return _error(400, "Bad Request: permissions are required")
        return _ok(True)

    async def _m_sendmessage(self, p: dict[str, Any]) -> Response:
        chat_id = int(p["chat_id"])
        if not str(p.get("text", "")).strip():
            return _error(400, "Bad Request: message text is empty")
        return _ok({"message_id": next(self._sent), "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"},
                    "from": _user(BOT_ID, True), "text": p["text"]})

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        if user_id == BOT_ID:
            return {"status": "administrator", "user": _user(BOT_ID, True),
                    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                    "can_delete_messages": True, "can_manage_video_chats": True,
                    "can_restrict_members": True, "can_promote_members": False,
                    "can_change_info": False, "can_invite_users": True,
                    "can_post_stories": False, "can_edit_stories": False,
                    "can_delete_stories": False}
        if user_id in self.state.admins.get(chat_id, set()):
            return {"status": "creator", "user": _user(user_id), "is_anonymous": False}
        return {"status": "member", "user": _user(user_id)}

    async def _m_getchatmember(self, p: dict[str, Any]) -> Response:
        with self.lock:
            return _ok(self._member(int(p["chat_id"]), int(p["user_id"])))

    async def _m_getchatadministrators(self, p: dict[str, Any]) -> Response:
        chat_id = int(p["chat_id"])
        with self.lock:
            ids = [BOT_ID, *sorted(self.state.admins.get(chat_id, set()))]
            return _ok([self._member(chat_id, i) for i in ids])


def _thumbnail(data: bytes) -> bytes:
    """A small JPEG of an image (or the bytes themselves when they are not an image)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.thumbnail((90, 90))
            buf = io.BytesIO()
            im.convert("RGB").save(buf, "JPEG", quality=70)
            return buf.getvalue()
    except Exception:  # not an image: a video or arbitrary bytes
        return data[:1024]
