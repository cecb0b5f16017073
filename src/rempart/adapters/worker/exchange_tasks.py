"""Scheduled exchange work on the task queue: fetching every exchange (and sending StopNCII
the moderators' decisions), and submitting statements of reasons to the Transparency
Database, on the beat (``rempart beat``) at the periods of ``settings.schedule``.

Each exchange is fetched from its checkpoint as ``rempart exchange fetch`` does; one failing
(an unreachable source, missing credentials) is reported in the task's result and the others
go on. Credentials come from the worker's environment, never from the broker message.

Example::

    celery.send_task("rempart.maintenance.exchanges")   # or wait for the beat
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery

from rempart.config import ScheduleSettings
from rempart.services.errors import RempartError
from rempart.services.exchanges import ExchangeSourceError

log = logging.getLogger(__name__)
EXCHANGES = "rempart.maintenance.exchanges"
STATEMENTS = "rempart.maintenance.statements"


def register(celery: Celery, schedule: ScheduleSettings) -> None:
    """Add the exchange and statement tasks to ``celery`` and schedule them (a period of 0
    leaves a task off the beat)."""

    @celery.task(name=EXCHANGES, shared=False)
    def exchanges_task() -> list[dict[str, Any]]:
        from rempart.adapters.exchanges import feedback_sink_for, source_for
        from rempart.core.exchanges import FEEDBACK_ENV

        service = celery.rempart.get().exchanges
        done: list[dict[str, Any]] = []
        for exchange in service.exchanges():
            result: dict[str, Any] = {"exchange": exchange.name}
            try:
                result["fetch"] = service.fetch(exchange.name,
                                                source_for(exchange, os.environ)).to_json()
                if os.environ.get(FEEDBACK_ENV.get(exchange.kind, ""), ""):  # feedback is opt-in
                    sink = feedback_sink_for(exchange, os.environ)
                    result["feedback"] = service.feedback(exchange.name, sink).to_json()
            except (ExchangeSourceError, RempartError) as e:  # the others go on
                log.warning("exchange %s: %s", exchange.name, e)
                result["failed"] = str(e)
            done.append(result)
        return done

    @celery.task(name=STATEMENTS, shared=False)
    def statements_task() -> dict[str, Any]:
        from rempart.adapters.tdb import tdb_client_for
        from rempart.services.transparency import statement_service

        app = celery.rempart.get()
        client = tdb_client_for(os.environ, app.settings.tdb_url)
        return statement_service(app.store).submit(client).to_json()

    beat = dict(celery.conf.beat_schedule or {})
    if schedule.exchanges_seconds:
        beat["exchanges"] = {"task": EXCHANGES, "schedule": schedule.exchanges_seconds}
    if schedule.statements_seconds:
        beat["statements"] = {"task": STATEMENTS, "schedule": schedule.statements_seconds}
    celery.conf.beat_schedule = beat
