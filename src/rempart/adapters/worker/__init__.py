"""Background work on a broker: the Celery application, its tasks and the executor that sends
named tasks to it.

Heavy or deferred work (a bot update's media checks, a batch of an export scan, a bulk bank
ingest, the retention purge) runs as Celery tasks on workers (``rempart worker``) when
``REMPART_BROKER_URL`` names a broker (Redis or RabbitMQ); without one the same tasks run in
the process that asks for them. Only references travel through the broker (an update's id, a
scan batch's id, signals), never media: a broker may keep its queues on disk.

Example::

    celery = make_celery(settings, context)     # app.worker_celery(settings) composes it
    celery.send_task("rempart.maintenance.purge")
"""

from rempart.adapters.worker.celery_app import QUEUES, WorkerContext, make_celery

__all__ = ["QUEUES", "WorkerContext", "make_celery"]
