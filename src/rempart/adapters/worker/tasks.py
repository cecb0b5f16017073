"""Rempart's Celery tasks that need no adapter of their own: the retention purge (on the beat
schedule) and named tasks (a bulk bank ingest) sent by :class:`CeleryTasks`.

The bot's and the scanner's tasks are registered by their adapters' modules
(``register(celery)``) on the same application.

Example::

    celery.send_task("rempart.maintenance.purge")        # or wait for the daily beat
"""

from __future__ import annotations

import base64
from typing import Any

from celery import Celery

from rempart.core.clock import utc_now
from rempart.runtime import run_task
from rempart.services.offline import retention_store
from rempart.services.retention import RetentionPolicy, purge

PURGE = "rempart.maintenance.purge"
NAMED = "rempart.ingest.named"
DAY = 24 * 3600.0


def encode_args(args: tuple[Any, ...]) -> list[Any]:
    """Task arguments as JSON values: bytes travel as ``{"b64": …}``.

    >>> encode_args((1, b"hi"))
    [1, {'b64': 'aGk='}]
    """
    return [{"b64": base64.b64encode(a).decode()} if isinstance(a, bytes) else a for a in args]


def decode_args(args: list[Any]) -> list[Any]:
    """The inverse of :func:`encode_args`.

    >>> decode_args([1, {'b64': 'aGk='}])
    [1, b'hi']
    """
    return [base64.b64decode(a["b64"]) if isinstance(a, dict) and a.keys() == {"b64"} else a
            for a in args]


def register(celery: Celery, named: frozenset[str] = frozenset()) -> None:
    """Add the purge and the named-task runner (only the ``named`` functions may be run: a
    broker message never chooses what code runs) to ``celery``; schedule the purge daily."""

    @celery.task(name=PURGE, shared=False)
    def purge_task() -> list[dict[str, Any]]:
        app = celery.rempart.get()
        done = purge(retention_store(app.store), RetentionPolicy.from_settings(app.settings),
                     utc_now())
        return [item.to_json() for item in done]

    @celery.task(name=NAMED, ignore_result=False, shared=False)
    def named_task(task: str, args: list[Any]) -> Any:
        if task not in named:
            raise ValueError(f"task {task!r} is not one this deployment runs")
        return run_task(task, *decode_args(args))

    celery.conf.beat_schedule = {
        **(celery.conf.beat_schedule or {}),
        "purge": {"task": PURGE, "schedule": DAY},
    }
