"""What the benchmarks that start processes share: the ``rempart`` command as a child, free
ports, servers waited for and stopped, scratch PostgreSQL databases and ``rempart worker``
processes.

Example::

    with scratch_database() as url, worker_processes(2, env, queues="scan") as procs:
        ...                                   # procs[0] may be killed and replaced
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

ADMIN_URL = os.environ.get("REMPART_BENCH_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# ``python -c MAIN args…`` runs ``rempart args…`` with this interpreter and this source tree.
MAIN = "import sys; from rempart.main import main; sys.argv[0] = 'rempart'; main()"


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values``, nearest rank; NaN when empty.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.5)
    2.0
    """
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_ready(proc: subprocess.Popen[Any], url: str, timeout: float, what: str,
                     interval: float = 0.05) -> None:
    """Poll ``url`` until it answers 200; RuntimeError once ``proc`` (``what``) exits, with
    the end of its stderr when piped, or after ``timeout`` seconds."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else b""
            tail = err.decode(errors="replace") if isinstance(err, bytes) else err
            raise RuntimeError(f"{what} exited: {tail[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"{what} did not start within {timeout:g} s")


def stop_process(proc: subprocess.Popen[Any], timeout: float = 30.0) -> None:
    """Stop ``proc``: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def scratch_database(admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"rempart_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def start_worker(env: dict[str, str], queues: str, pool: str = "prefork",
                 concurrency: int = 1) -> subprocess.Popen[bytes]:
    """One ``rempart worker`` process (its own session: ``killpg`` stops its children)."""
    argv = [sys.executable, "-c", MAIN, "worker", "--concurrency", str(concurrency),
            "--pool", pool, "--queues", queues, "--loglevel", "ERROR"]
    return subprocess.Popen(argv, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


@contextlib.contextmanager
def worker_processes(count: int, env: dict[str, str], queues: str, pool: str = "prefork",
                     concurrency: int = 1) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` workers, stopped at the end (SIGTERM, then SIGKILL); the list may grow."""
    procs = [start_worker(env, queues, pool, concurrency) for _ in range(count)]
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
