"""Bring ``compose.yaml``'s whole stack up, check it end to end, take it down.

    sudo .venv/bin/python scripts/compose_check/run.py              # official images
    sudo .venv/bin/python scripts/compose_check/run.py --standins   # no image registry

Checks, each printed with its figure:

- every service runs; PostgreSQL, Redis and both ``serve`` replicas report healthy;
- a photo banked through ``serve-1``'s API matches on ``serve-2`` (milliseconds measured);
- the bot, talking to a fake Bot API on the host, deletes that photo when it is posted in a
  group and leaves an ordinary photo alone (the receiver enqueues, the bot workers act);
- ``rempart scan --distributed`` through the two scan workers finds exactly the messages a
  local scan of the same export finds, with the same totals.

``--standins`` is for a machine that reaches Debian's mirror but no image registry: it builds
Debian-based stand-ins for ``python:3.11-slim``, ``postgres:15`` and ``redis:7`` (see
``standins/``) and tags them with those names where the names are not taken. The stack is
then the project's own ``compose.yaml`` and ``Dockerfile``, unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from rempart.bench.fake_bot_api import TOKEN, FakeBotApi
from rempart.bench.synthetic_export import make_export
from rempart.bench.synthetic_images import photo_bytes

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PROJECT = "rempartcheck"
API = "/api/v1"
ADMIN_CHAT = -1009999999999
GROUP = -1001000000001
OFFICIAL = {"python": "python:3.11-slim", "postgres": "postgres:15", "redis": "redis:7"}
BASE = "rempart-standin/debian:bookworm"


def sh(*args: str, env: dict[str, str] | None = None, check: bool = True,
       input_bytes: bytes | None = None, timeout: float = 1800) -> str:
    """Run a command; its stdout (stderr goes to the terminal)."""
    done = subprocess.run(args, env=env, check=check, input=input_bytes,
                          stdout=subprocess.PIPE, timeout=timeout)
    return done.stdout.decode()


def has_image(name: str) -> bool:
    """Whether the local engine holds ``name``."""
    return subprocess.run(["docker", "image", "inspect", name], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def build_standins() -> None:
    """Debian-built stand-ins for the official images, tagged where those names are free."""
    if not has_image(BASE):
        root = Path(tempfile.mkdtemp(prefix="rempart-rootfs-"))
        try:
            sh("debootstrap", "--variant=minbase", "bookworm", str(root),
               "http://deb.debian.org/debian")
            tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
            subprocess.run(["docker", "import", "-", BASE], stdin=tar.stdout, check=True,
                           stdout=subprocess.DEVNULL)
            tar.wait()
        finally:
            shutil.rmtree(root, ignore_errors=True)
    for name, official in OFFICIAL.items():
        context = Path(tempfile.mkdtemp(prefix=f"rempart-standin-{name}-"))
        try:
            shutil.copytree(HERE / "standins" / name, context, dirs_exist_ok=True)
            if name == "python":  # the machine's CA bundle, for pip behind a proxy
                bundle = os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
                shutil.copy(bundle, context / "ca.crt")
            sh("docker", "build", "-q", "-t", f"rempart-standin/{name}", str(context))
        finally:
            shutil.rmtree(context, ignore_errors=True)
        if not has_image(official):
            sh("docker", "tag", f"rempart-standin/{name}", official)


class Compose:
    """``docker compose`` (or docker-compose 1.x) on compose.yaml plus the check's file."""

    def __init__(self, env: dict[str, str]) -> None:
        v2 = subprocess.run(["docker", "compose", "version"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode == 0
        self.cmd = ["docker", "compose"] if v2 else ["docker-compose", "--compatibility"]
        self.cmd += ["-p", PROJECT, "-f", str(ROOT / "compose.yaml"),
                     "-f", str(HERE / "compose.check.yaml")]
        self.env = env

    def __call__(self, *args: str, check: bool = True, timeout: float = 1800) -> str:
        return sh(*self.cmd, *args, env=self.env, check=check, timeout=timeout)

    def containers(self, service: str) -> list[str]:
        return self("ps", "-q", service).split()


def state(container: str) -> dict[str, Any]:
    """``docker inspect``'s State of one container."""
    out: dict[str, Any] = json.loads(sh("docker", "inspect", "-f", "{{json .State}}",
                                        container))
    return out


def until(what: str, test: Callable[[], bool], timeout: float, every: float = 0.5) -> float:
    """Seconds until ``test()`` holds; RuntimeError naming ``what`` after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if test():
            return time.monotonic() - start
        time.sleep(every)
    raise RuntimeError(f"{what}: not within {timeout:.0f} s")


class Report:
    """The checks, printed as they pass or fail."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    @contextmanager
    def check(self, name: str) -> Iterator[dict[str, str]]:
        figures: dict[str, str] = {}
        try:
            yield figures
        except Exception as exc:  # every check is reported, the run goes on
            self.failed.append(name)
            print(f"FAIL  {name}: {exc}", flush=True)
        else:
            detail = ", ".join(f"{k} {v}" for k, v in figures.items())
            print(f"ok    {name}{': ' + detail if detail else ''}", flush=True)


def check_health(compose: Compose, figures: dict[str, str]) -> None:
    """Every service running; the ones with a health check healthy."""
    services = compose("config", "--services").split()
    healthy = ("postgres", "redis", "serve-1", "serve-2")

    def ready() -> bool:
        for service in services:
            ids = compose.containers(service)
            if not ids:
                return False
            for cid in ids:
                st = state(cid)
                if not st.get("Running"):
                    return False
                if service in healthy and st.get("Health", {}).get("Status") != "healthy":
                    return False
        return True

    try:
        figures["seconds to healthy"] = f"{until('stack healthy', ready, 600, 2):.0f}"
    except RuntimeError:
        for service in services:
            for cid in compose.containers(service):
                st = state(cid)
                if not st.get("Running") or st.get("Health", {}).get("Status") == "unhealthy":
                    logs = subprocess.run(["docker", "logs", "--tail", "15", cid],
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                    print(f"--- {service} ({cid[:12]}):\n{logs.stdout.decode()}", flush=True)
        raise
    counts = {s: len(compose.containers(s)) for s in services}
    figures["containers"] = " ".join(f"{s}×{n}" for s, n in counts.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--standins", action="store_true",
                        help="build Debian-based stand-ins for the official images first")
    parser.add_argument("--keep", action="store_true", help="leave the stack running")
    args = parser.parse_args()
    if args.standins:
        build_standins()

    work = Path(tempfile.mkdtemp(prefix="rempart-compose-check-"))
    banked = photo_bytes(7, (800, 600))
    export = make_export(work / "export", messages=2000, photos=400, banked=[banked],
                         hostile=False)
    for path in [work, *work.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    gateway = sh("docker", "network", "inspect", "bridge", "-f",
                 "{{(index .IPAM.Config 0).Gateway}}").strip()
    api = FakeBotApi(host=gateway)
    api.start()
    ports = [str(19_000 + secrets.randbelow(1000)) for _ in range(2)]
    env = {**os.environ,
           "POSTGRES_PASSWORD": secrets.token_hex(16),
           "REMPART_WEB__SESSION_SECRET": secrets.token_hex(32),
           "REMPART_TELEGRAM_TOKEN": TOKEN,
           "REMPART_PORT_1": ports[0], "REMPART_PORT_2": ports[1],
           "REMPART_CHECK_BOT_API_PORT": str(api.port),
           "REMPART_CHECK_EXPORT": str(export.root)}
    compose = Compose(env)
    report = Report()
    try:
        with report.check("compose up --build") as fig:
            start = time.monotonic()
            compose("up", "-d", "--build")
            fig["seconds"] = f"{time.monotonic() - start:.0f}"
        with report.check("services running and healthy") as fig:
            check_health(compose, fig)
        secret = json.loads(compose("run", "--rm", "-T", "serve-1", "token", "create",
                                    "check", "--scope", "admin", "--jsonl"))["secret"]
        headers = {"Authorization": f"Bearer {secret}"}
        one = httpx.Client(base_url=f"http://127.0.0.1:{ports[0]}", headers=headers,
                           timeout=30)
        two = httpx.Client(base_url=f"http://127.0.0.1:{ports[1]}", headers=headers,
                           timeout=30)
        with report.check("banked on serve-1, matched on serve-2") as fig:
            one.post(f"{API}/banks", json={"name": "confirmed", "kind": "moderator",
                                           "policy": "block"}).raise_for_status()
            start = time.monotonic()
            one.post(f"{API}/banks/confirmed/media", content=banked,
                     headers={"Content-Type": "image/jpeg"}).raise_for_status()

            def matched() -> bool:
                answer = two.post(f"{API}/match", content=banked,
                                  headers={"Content-Type": "image/jpeg"})
                return bool(answer.raise_for_status().json()["matches"])

            until("serve-2 matches", matched, 30, 0.02)
            fig["ms"] = f"{(time.monotonic() - start) * 1000:.0f}"
        with report.check("bot deletes the banked photo, keeps the ordinary one") as fig:
            posts = [api.photo_message(GROUP, 10_001, banked),
                     api.photo_message(GROUP, 10_002, photo_bytes(8, (800, 600)))]
            bad, good = ((GROUP, post["message"]["message_id"]) for post in posts)
            start = time.monotonic()
            for post in posts:
                api.add_update(post)
            until("banked photo deleted", lambda: bad in api.deleted(), 120, 0.05)
            fig["seconds"] = f"{time.monotonic() - start:.2f}"
            time.sleep(5)
            if good in api.deleted():
                raise RuntimeError("the ordinary photo was deleted")
        with report.check("distributed scan = local scan") as fig:
            lines = compose("run", "--rm", "-T", "worker", "scan", "--distributed",
                            "/export", "--jsonl", "--no-resume").splitlines()
            found = {(r["source"]["chat_id"], r["source"]["message_id"])
                     for r in map(json.loads, lines[:-1]) if r.get("matches")}
            planted = {(p.chat_id, p.message_id) for p in export.planted}
            distributed = json.loads(lines[-1])["summary"]["totals"]
            local = local_scan(work, banked, export.root)
            fig["planted found"] = f"{len(found & planted)}/{len(planted)}"
            fig["findings"] = f"{distributed['findings']} (local {local['findings']})"
            if found != planted or distributed != local:
                raise RuntimeError(f"found {sorted(found)}, totals {distributed} vs {local}")
    finally:
        api.stop()
        if args.keep:
            print(f"stack left running: {' '.join(compose.cmd)} down -v")
        else:
            compose("down", "-v", "--remove-orphans", check=False)
        shutil.rmtree(work, ignore_errors=True)
    print("compose check:", "FAILED " + ", ".join(report.failed) if report.failed else "ok")
    return 1 if report.failed else 0


def local_scan(work: Path, banked: bytes, export: Path) -> dict[str, Any]:
    """The totals of a scan of ``export`` in this process's environment, same bank."""
    rempart = [str(Path(sys.executable).parent / "rempart")]
    db = f"sqlite:///{work / 'local.sqlite3'}"
    (work / "banked.jpg").write_bytes(banked)
    sh(*rempart, "bank", "create", "confirmed", "--policy", "block", "--db", db)
    sh(*rempart, "bank", "add", "confirmed", str(work / "banked.jpg"), "--db", db)
    lines = sh(*rempart, "scan", str(export), "--jsonl", "--db", db).splitlines()
    totals: dict[str, Any] = json.loads(lines[-1])["summary"]["totals"]
    return totals


if __name__ == "__main__":
    sys.exit(main())
