"""Transparency: statements of reasons sent to the EU Transparency Database
(:mod:`.statements`, mapped in :mod:`.tdb_mapping`) and the yearly transparency report of
Implementing Regulation (EU) 2024/2835 (:mod:`.report`).

Example::

    service = statement_service(bank_store)
    report = service.submit(TdbClient(url, token))
"""

from __future__ import annotations

from rempart.core.clock import utc_now
from rempart.services.errors import InvalidArgument
from rempart.services.offline import engine_of
from rempart.services.transparency.dashboard import DashboardFigures, dashboard_figures
from rempart.services.transparency.report import Report, build_report, period
from rempart.services.transparency.statements import (
    BATCH,
    MAX_ATTEMPTS,
    BatchAnswer,
    BatchReport,
    StatementService,
    StatementSink,
    SubmitReport,
    TdbUnavailable,
)
from rempart.store.deployment_secrets import SqlDeploymentSecrets
from rempart.store.interface import BankStore
from rempart.store.statement_outbox import SqlStatementOutbox
from rempart.store.transparency_reads import SqlTransparencyReads

__all__ = ["BATCH", "MAX_ATTEMPTS", "BatchAnswer", "BatchReport", "DashboardFigures", "Report",
           "StatementService", "StatementSink", "SubmitReport", "TdbUnavailable",
           "build_report", "console_figures", "statement_service",
           "transparency_report"]
PUID_SECRET = "tdb-puid"


def statement_service(bank: BankStore) -> StatementService:
    """The statement outbox service on ``bank``'s database (for one-shot commands)."""
    engine = engine_of(bank)
    secrets = SqlDeploymentSecrets(engine)
    return StatementService(SqlStatementOutbox(engine),
                            lambda: secrets.get(PUID_SECRET).encode())


def transparency_report(bank: BankStore, year: int) -> Report:
    """The transparency report of ``year`` from ``bank``'s database."""
    try:
        period(year)
    except ValueError as e:
        raise InvalidArgument(str(e)) from None
    return build_report(SqlTransparencyReads(engine_of(bank)), year)


def console_figures(bank: BankStore) -> DashboardFigures:
    """The console dashboard's charts' figures, from ``bank``'s database, up to now."""
    return dashboard_figures(SqlTransparencyReads(engine_of(bank)), utc_now())
