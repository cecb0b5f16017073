"""The Celery application: broker and result backend from the settings, reliability options,
queues, and the per-process context tasks reach the composed application through.

Reliability: a task is acknowledged after it ran (``acks_late``) and given back to the queue
when its worker process dies (``reject_on_worker_lost``; on Redis once unacknowledged for
``visibility_timeout_seconds``), so a ``kill -9`` loses nothing; every task of Rempart is
idempotent, so one that runs again duplicates nothing. Messages are JSON only: a broker
message can never make a worker unpickle an object.

Example::

    >>> from rempart.config import Settings
    >>> celery = make_celery(Settings(), WorkerContext(lambda: None))
    >>> celery.conf.task_always_eager          # no broker: tasks run where they are sent
    True
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from rempart.config import Settings

QUEUES: tuple[str, ...] = ("bot", "scan", "ingest", "maintenance", "default")


class WorkerContext:
    """What a task reaches the application through: built on first use in each process (after
    the fork of a prefork worker, never inherited from the parent).

    Example::

        >>> context = WorkerContext(lambda: "app")
        >>> context.get()
        'app'
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._value: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        """The composed application of this process (built once)."""
        with self._lock:
            if self._value is None:
                self._value = self._factory()
            return self._value

    def set(self, value: Any) -> None:
        """Use ``value`` (a process that already has its application: the eager mode)."""
        with self._lock:
            self._value = value

    def forget(self) -> None:
        """Drop what a parent process built (called in each new worker process)."""
        with self._lock:
            self._value = None


def result_backend(broker_url: str | None) -> str | None:
    """Where task results go: the same Redis, RabbitMQ's reply queues, or nowhere.

    >>> result_backend("redis://127.0.0.1:6379/1")
    'redis://127.0.0.1:6379/1'
    >>> result_backend("amqp://guest:guest@127.0.0.1:5672//")
    'rpc://'
    >>> result_backend(None) is None
    True
    """
    if broker_url is None:
        return None
    if broker_url.startswith(("redis://", "rediss://", "redis+socket://")):
        return broker_url
    return "rpc://"


def make_celery(settings: Settings, context: WorkerContext,
                named: frozenset[str] = frozenset()) -> Celery:
    """The Celery application for ``settings.broker_url`` (eager, in-process, when None); its
    tasks find the application through ``context`` (``celery.rempart``); ``named``: the
    ``module:function`` tasks :class:`~rempart.adapters.worker.executor.CeleryTasks` may run."""
    broker = settings.broker_url
    queue = settings.queue
    celery = Celery("rempart", broker=broker or "memory://", backend=result_backend(broker),
                    set_as_current=False)
    celery.conf.update(
        task_always_eager=broker is None,
        task_eager_propagates=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=queue.prefetch,
        task_default_queue=f"{queue.prefix}default",
        task_routes={f"rempart.{q}.*": {"queue": queue.prefix + q} for q in QUEUES},
        task_ignore_result=True,  # a task that answers sets ignore_result=False itself
        result_expires=3600,
        broker_transport_options={"visibility_timeout": queue.visibility_timeout_seconds},
        result_backend_transport_options={"visibility_timeout": queue.visibility_timeout_seconds},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
    )
    celery.rempart = context

    @worker_process_init.connect(weak=False)
    def _fresh(**_: Any) -> None:
        context.forget()

    from rempart.adapters.worker import tasks

    tasks.register(celery, named)
    from rempart.adapters.worker import scan_tasks
    scan_tasks.register(celery)
    from rempart.adapters.telegram_bot import tasks as bot_tasks
    bot_tasks.register(celery)
    from rempart.adapters.worker import exchange_tasks
    exchange_tasks.register(celery, settings.schedule)
    return celery
