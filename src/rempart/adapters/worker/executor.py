"""Named tasks (``module:function``) sent to the workers: the runtime's ``tasks`` executor of a
deployment with a broker, in place of :class:`~rempart.runtime.ChildProcessTasks`.

The caller gets a :class:`~concurrent.futures.Future` as from any executor; a bulk ingest
posted to one ``rempart serve`` is parsed and written by a worker, on another machine if need
be, while the server goes on answering lookups.

Example::

    tasks = CeleryTasks(celery)
    tasks.submit("rempart.adapters.http.bank_ingest:ingest_bulk", url, 1000, "feed", body)
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

from celery import Celery

from rempart.adapters.worker.tasks import NAMED, encode_args


class CeleryTasks:
    """:class:`rempart.runtime.Tasks` on Celery: ``submit`` sends, a thread waits for the
    result (``timeout`` seconds at most, then the future fails with ``TimeoutError``)."""

    def __init__(self, celery: Celery, timeout: float = 600.0) -> None:
        self.celery = celery
        self.timeout = timeout

    def submit(self, task: str, /, *args: Any) -> Future[Any]:
        """Send ``module:function`` with ``args`` (JSON values and bytes) to a worker."""
        future: Future[Any] = Future()
        result = self.celery.send_task(NAMED, args=[task, encode_args(args)])

        def wait() -> None:
            try:
                future.set_result(result.get(timeout=self.timeout, propagate=True))
            except BaseException as e:
                future.set_exception(e)
            finally:
                result.forget()

        threading.Thread(target=wait, name="rempart-task-wait", daemon=True).start()
        return future

    def close(self) -> None:
        """Close this process's broker and result connections (the workers go on)."""
        consumer = getattr(self.celery.backend, "result_consumer", None)
        if consumer is not None and getattr(consumer, "_connection", None) is not None:
            consumer._connection.close()
        self.celery.close()
