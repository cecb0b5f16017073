"""Real brokers and real ``rempart worker`` processes for the tests of background work.

``broker_url`` (a fixture in conftest) gives Redis and RabbitMQ in turn; under ``CI=true`` an
unreachable broker fails the test, elsewhere it skips. ``worker(...)`` starts a worker on its
own queue prefix so that tests running side by side never take each other's tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
BROKERS = {
    "redis": os.environ.get("REMPART_TEST_BROKER_REDIS", "redis://127.0.0.1:6379/2"),
    "amqp": os.environ.get("REMPART_TEST_BROKER_AMQP", "amqp://guest:guest@127.0.0.1:5672//"),
}
MAIN = "import sys; from rempart.main import main; sys.argv[0] = 'rempart'; main()"


def reachable_broker(kind: str) -> str:
    """The test broker of ``kind`` if it answers; skips (fails under CI=true) otherwise."""
    from kombu import Connection

    url = BROKERS[kind]
    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as e:
        message = f"broker unreachable at {url}: {type(e).__name__}: {e}"
        if IN_CI:
            pytest.fail(message + " (CI=true: broker tests must run)")
        pytest.skip(message)
    return url


def queue_prefix() -> str:
    """A fresh queue prefix: this test's tasks reach only this test's workers."""
    return f"t{uuid.uuid4().hex[:10]}-"


def worker_env(broker: str, db: str, prefix: str, **extra: str) -> dict[str, str]:
    """The environment of a worker (and of the process that sends it tasks)."""
    return {**os.environ, "REMPART_BROKER_URL": broker, "REMPART_DATABASE_URL": db,
            "REMPART_QUEUE__PREFIX": prefix, "REMPART_QUEUE__VISIBILITY_TIMEOUT_SECONDS": "5",
            **extra}


@contextmanager
def worker(broker: str, db: str, prefix: str, *, concurrency: int = 1, queues: str | None = None,
           log: Path | None = None, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """A ``rempart worker`` process, stopped (SIGTERM, then SIGKILL) at the end."""
    argv = [sys.executable, "-c", MAIN, "worker", "--concurrency", str(concurrency),
            "--loglevel", "WARNING"]
    if queues:
        argv += ["--queues", queues]
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(argv, env=worker_env(broker, db, prefix, **extra), stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]
