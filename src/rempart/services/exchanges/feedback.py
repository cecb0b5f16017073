"""Feedback to an exchange after a moderator's decision: a confirmed match of one of its
signals was blocked, a dismissed one was not (StopNCII's CSP feedback).

Decided review items of the exchange's bank are queued once each in the exchange's outbox
(``exchange_feedback``), then sent in batches; a batch the server refuses stays in the outbox
with its error and is tried again on the next run, ``MAX_ATTEMPTS`` times at most.

Example::

    report = send_feedback(store, exchange, sink)     # after `rempart exchange fetch`, say
"""

from __future__ import annotations

import logging

from rempart.core.exchanges import Exchange, FeedbackReport, review_opinion
from rempart.services.exchanges.errors import ExchangeSourceError
from rempart.services.exchanges.ports import ExchangeStore, FeedbackSink

log = logging.getLogger(__name__)
FEEDBACK_BATCH = 100
MAX_ATTEMPTS = 5
QUEUE_LIMIT = 5000  # decisions queued per run at most (the next run takes the rest)
SIGNAL_TYPES = ("pdq", "md5")  # what StopNCII shares, so what it takes feedback on


def send_feedback(store: ExchangeStore, exchange: Exchange, sink: FeedbackSink,
                  tags: tuple[str, ...] = ()) -> FeedbackReport:
    """Queue the opinions of new decisions, then send what the outbox holds."""
    report = FeedbackReport(exchange.name)
    rows = []
    for item_id, status, kind, value in store.decided_without_feedback(
            exchange.id, exchange.bank_id, QUEUE_LIMIT):
        opinion = review_opinion(status)
        if opinion is not None and kind in SIGNAL_TYPES:
            rows.append((item_id, kind, value, opinion, tags))
    report.queued = store.add_feedback(exchange.id, rows)
    while True:
        batch = store.pending_feedback(exchange.id, FEEDBACK_BATCH, MAX_ATTEMPTS)
        if not batch:
            return report
        ids = [item.id for item in batch]
        try:
            sink.send(batch)
        except ExchangeSourceError as e:
            store.mark_feedback(ids, str(e))
            report.failed += len(batch)
            report.error = str(e)
            log.warning("exchange %s: feedback not sent: %s", exchange.name, e)
            return report  # the server refuses: try again on the next run
        store.mark_feedback(ids, None)
        report.sent += len(batch)
