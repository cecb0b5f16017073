"""A real Synapse on 127.0.0.1 for the Matrix bot's tests and ``rempart bench matrix``: SQLite,
no federation listener, no key servers, a signing key written in-process, cheap bcrypt, rate
limits raised, users made through the shared-secret registration API; and :class:`Member`, a
user speaking the client-server API directly.

Synapse (AGPL) runs as a separate process, installed with the ``dev`` extra only: nothing of it
is imported here or shipped with Rempart.

Example::

    with SynapsePeer(tmp_dir) as hs:
        alice = Member(hs, "alice")
        room = await alice.create_room([])
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from rempart.bench.processes import free_port, stop_process, wait_until_ready

SERVER_NAME = "localhost"
_RL = {"per_second": 1000, "burst_count": 1000}


class SynapsePeer:
    """One Synapse process under ``root``; ``url`` once started."""

    def __init__(self, root: Path, modules: list[dict[str, Any]] | None = None) -> None:
        self.root = root
        self.modules = modules or []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = secrets.token_hex(16)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / "synapse.log"

    def _config(self) -> Path:
        from signedjson.key import generate_signing_key, write_signing_keys

        key = self.root / "signing.key"
        with key.open("w") as f:
            write_signing_keys(f, [generate_signing_key("a_1")])
        config = {
            "server_name": SERVER_NAME,
            "public_baseurl": self.url + "/",
            "report_stats": False,
            "pid_file": str(self.root / "homeserver.pid"),
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http",
                           "tls": False, "x_forwarded": False,
                           "resources": [{"names": ["client"], "compress": False}]}],
            "database": {"name": "sqlite3", "args": {"database": str(self.root / "hs.db")}},
            "media_store_path": str(self.root / "media"),
            "signing_key_path": str(key),
            "registration_shared_secret": self.secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "presence": {"enabled": False},
            "bcrypt_rounds": 4,
            "enable_metrics": False,
            "url_preview_enabled": False,
            # Tests sync again and again: no cached answer to an identical sync request.
            "caches": {"sync_response_cache_duration": 0},
            "rc_message": _RL, "rc_registration": _RL,
            "rc_login": {"address": _RL, "account": _RL, "failed_attempts": _RL},
            "rc_joins": {"local": _RL, "remote": _RL}, "rc_joins_per_room": _RL,
            "rc_invites": {"per_room": _RL, "per_user": _RL, "per_issuer": _RL},
            "rc_admin_redaction": _RL, "rc_room_creation": _RL, "rc_media_create": _RL,
            "rc_3pid_validation": _RL,
            "modules": self.modules,
        }
        path = self.root / "homeserver.yaml"
        path.write_text(json.dumps(config))  # JSON is YAML
        return path

    def start(self, timeout: float = 60.0) -> None:
        config = self._config()
        env = {k: v for k, v in os.environ.items() if not k.startswith("REMPART_")}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "synapse.app.homeserver", "-c", str(config)],
                cwd=self.root, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            wait_until_ready(self.proc, f"{self.url}/_matrix/client/versions", timeout, "Synapse")
        except RuntimeError:
            tail = self.log.read_text(errors="replace")[-3000:]
            self.stop()
            raise RuntimeError(f"Synapse did not start:\n{tail}") from None

    def stop(self) -> None:
        if self.proc is None:
            return
        stop_process(self.proc, 10)
        self.proc = None

    def register(self, name: str, password: str = "pw-" + "x" * 8, admin: bool = False
                 ) -> dict[str, Any]:
        """A new user (``user_id``, ``access_token``) through the shared-secret API."""
        url = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx.get(url, timeout=10).json()["nonce"]
        mac = hmac.new(self.secret.encode(), b"\0".join([
            nonce.encode(), name.encode(), password.encode(),
            b"admin" if admin else b"notadmin"]), hashlib.sha1).hexdigest()
        r = httpx.post(url, json={"nonce": nonce, "username": name, "password": password,
                                  "admin": admin, "mac": mac}, timeout=10)
        r.raise_for_status()
        return dict(r.json())

    def __enter__(self) -> SynapsePeer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


PASSWORD = "pw-" + "x" * 8


def unique(name: str) -> str:
    """A user name not taken yet."""
    return f"{name}{uuid.uuid4().hex[:8]}"


class MatrixCallError(Exception):
    """The homeserver refused a call (its status and error in the message)."""


class Member:
    """A user of the test homeserver speaking the client-server API directly."""

    def __init__(self, hs: SynapsePeer, name: str) -> None:
        data = hs.register(unique(name), PASSWORD)
        self.user_id: str = data["user_id"]
        self.token: str = data["access_token"]
        self.http = httpx.AsyncClient(base_url=hs.url, timeout=30, headers={
            "Authorization": f"Bearer {self.token}"})

    async def call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        r = await self.http.request(method, path, **kw)
        if r.status_code >= 400:
            raise MatrixCallError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return dict(r.json())

    async def create_room(self, invite: list[str], levels: dict[str, int] | None = None,
                          name: str = "Test room") -> str:
        body: dict[str, Any] = {"invite": invite, "name": name, "preset": "private_chat"}
        if levels is not None:
            body["power_level_content_override"] = {"users": dict(levels)}
        return str((await self.call("POST", "/_matrix/client/v3/createRoom",
                                    json=body))["room_id"])

    async def join(self, room: str) -> None:
        await self.call("POST", f"/_matrix/client/v3/join/{quote(room)}", json={})

    async def upload(self, data: bytes, content_type: str = "image/jpeg",
                     filename: str = "photo.jpg") -> str:
        got = await self.call("POST", "/_matrix/media/v3/upload", content=data,
                              params={"filename": filename},
                              headers={"Content-Type": content_type})
        return str(got["content_uri"])

    async def send(self, room: str, content: dict[str, Any], event_type: str = "m.room.message"
                   ) -> str:
        txn = uuid.uuid4().hex
        got = await self.call("PUT", f"/_matrix/client/v3/rooms/{quote(room)}/send/"
                                     f"{event_type}/{txn}", json=content)
        return str(got["event_id"])

    async def send_image(self, room: str, data: bytes, *, msgtype: str = "m.image",
                         mimetype: str = "image/jpeg", info: dict[str, Any] | None = None,
                         filename: str = "photo.jpg", url: str | None = None) -> str:
        url = url or await self.upload(data, mimetype, filename)
        return await self.send(room, {"msgtype": msgtype, "body": filename, "url": url,
                                      "info": info if info is not None else {
                                          "mimetype": mimetype, "size": len(data)}})

    async def event(self, room: str, event_id: str) -> dict[str, Any]:
        return await self.call("GET", f"/_matrix/client/v3/rooms/{quote(room)}/event/"
                                      f"{quote(event_id)}")

    async def redacted(self, room: str, event_id: str) -> bool:
        event = await self.event(room, event_id)
        return "redacted_because" in event.get("unsigned", {})

    async def messages(self, room: str, limit: int = 100) -> list[dict[str, Any]]:
        got = await self.call("GET", f"/_matrix/client/v3/rooms/{quote(room)}/messages",
                              params={"dir": "b", "limit": limit})
        return list(got["chunk"])

    async def membership(self, room: str, user_id: str) -> str | None:
        r = await self.http.get(f"/_matrix/client/v3/rooms/{quote(room)}/state/"
                                f"m.room.member/{quote(user_id)}")
        return r.json().get("membership") if r.status_code == 200 else None

    async def joined(self, room: str) -> set[str]:
        got = await self.call("GET", f"/_matrix/client/v3/rooms/{quote(room)}/joined_members")
        return set(got["joined"])

    async def invites(self) -> list[str]:
        got = await self.call("GET", "/_matrix/client/v3/sync", params={"timeout": 0})
        return list(got.get("rooms", {}).get("invite", {}))

    async def close(self) -> None:
        await self.http.aclose()
