"""Stores and services for offline tools (the CLI), opened from one database URL.

The HTTP server and the bot receive theirs from ``rempart.app``; a one-shot command opens the
bank store here and derives the rest from its engine, so adapters never import ``rempart.store``.

Example::

    bank = open_bank_store("sqlite:///rempart.db")
    try:
        users = user_service(bank)
    finally:
        bank.close()
"""

from __future__ import annotations

from sqlalchemy import Engine

from rempart.core.tokens import SCOPES
from rempart.services.cases import CaseService
from rempart.services.errors import RempartError
from rempart.services.evidence import EvidenceService
from rempart.services.users import UserService
from rempart.store.audit import SqlAuditLog
from rempart.store.cases import SqlCaseStore
from rempart.store.evidence_reads import SqlEvidenceReads
from rempart.store.interface import BankStore
from rempart.store.lockouts import SqlLockoutStore
from rempart.store.retention import SqlRetentionStore
from rempart.store.scan_interface import ScanStore
from rempart.store.scans import SqlScanStore
from rempart.store.sessions import SqlSessionStore
from rempart.store.sql import SqlBankStore, open_store
from rempart.store.tokens import SqlTokenStore
from rempart.store.users import SqlUserStore

__all__ = ["SCOPES", "BankStore", "ScanStore", "evidence_service", "lockout_store",
           "open_bank_store", "retention_store", "scan_store", "token_store", "user_service"]


def open_bank_store(url: str) -> SqlBankStore:
    """The bank store of the database at ``url``, migrated to the latest schema; close it after."""
    return open_store(url)


def engine_of(bank: BankStore) -> Engine:
    """The database engine behind ``bank`` (the SQL store's)."""
    # The engine is not part of the BankStore Protocol: only the SQL store has one.
    engine = getattr(bank, "engine", None)
    if not isinstance(engine, Engine):
        raise RempartError("this store has no database engine")
    return engine


def retention_store(bank: BankStore) -> SqlRetentionStore:
    """The retention store on ``bank``'s database."""
    return SqlRetentionStore(engine_of(bank))


def token_store(bank: BankStore) -> SqlTokenStore:
    """The API token store on ``bank``'s database."""
    return SqlTokenStore(engine_of(bank))


def user_service(bank: BankStore) -> UserService:
    """The user service on ``bank``'s database: a user it disables loses her sessions, and
    its links and revocations are logged."""
    engine = engine_of(bank)
    return UserService(SqlUserStore(engine), sessions=SqlSessionStore(engine),
                       audit_log=SqlAuditLog(engine))


def lockout_store(bank: BankStore) -> SqlLockoutStore:
    """The sign-in lockout store on ``bank``'s database."""
    return SqlLockoutStore(engine_of(bank))


def scan_store(bank: BankStore) -> ScanStore:
    """The scan results store on ``bank``'s database."""
    return SqlScanStore(engine_of(bank))


def evidence_service(bank: BankStore) -> EvidenceService:
    """The evidence service on ``bank``'s database (victim cases and scan findings)."""
    engine = engine_of(bank)
    cases = CaseService(SqlCaseStore(engine), bank, SqlScanStore(engine))
    return EvidenceService(SqlEvidenceReads(engine), cases, bank, SqlAuditLog(engine))
