"""The Celery application: in-process without a broker, real workers on Redis and RabbitMQ."""

from __future__ import annotations

import json

import pytest

from rempart.adapters.http.bank_ingest import INGEST_TASK
from rempart.adapters.worker.executor import CeleryTasks
from rempart.adapters.worker.tasks import NAMED, PURGE
from rempart.app import build, worker_celery
from rempart.config import QueueSettings, Settings
from rempart.core.banks import BankKind
from rempart.services.banks import create_bank
from worker_support import queue_prefix, worker

BODY = json.dumps({"signals": [
    {"signal_type": "md5", "signal_value": f"{i:032x}"} for i in range(1, 4)
]}).encode()


def test_without_a_broker_tasks_run_in_process(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url)
    app = build(settings)
    try:
        celery = worker_celery(settings, app)
        assert celery.conf.task_always_eager
        done = celery.tasks[PURGE].delay().get()
        assert {d["kind"] for d in done} >= {"bot_messages", "sessions"}
    finally:
        app.close()


def test_a_broker_message_never_chooses_the_code_that_runs(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url)
    celery = worker_celery(settings)
    with pytest.raises(ValueError, match="not one this deployment runs"):
        celery.tasks[NAMED].delay("os:system", ["true"]).get()


def test_queues_carry_the_deployments_prefix() -> None:
    settings = Settings(broker_url="redis://127.0.0.1:6379/2",
                        queue=QueueSettings(prefix="helpline-"))
    celery = worker_celery(settings)
    route = celery.amqp.router.route({}, NAMED, (), {})
    assert route["queue"].name == "helpline-ingest"
    assert celery.conf.task_default_queue == "helpline-default"


def test_a_bulk_ingest_runs_on_a_real_worker(broker_url: str, sqlite_url: str) -> None:
    prefix = queue_prefix()
    settings = Settings(database_url=sqlite_url, broker_url=broker_url,
                        queue=QueueSettings(prefix=prefix))
    app = build(settings, load=False)  # migrated before the worker opens it
    create_bank(app.store, "feed", BankKind.PARTNER)
    app.close()
    with worker(broker_url, sqlite_url, prefix):
        tasks = CeleryTasks(worker_celery(settings), timeout=90)
        try:
            answer = tasks.submit(INGEST_TASK, sqlite_url, 1000, "feed", BODY).result(120)
        finally:
            tasks.close()
    assert answer["added"] == 3
