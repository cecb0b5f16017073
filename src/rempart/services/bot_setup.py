"""The bot service and its notice service, built on the bank store's database.

``rempart bot`` builds the App (matching, rate limits) and then this, so the adapter never
opens a store itself.

Example::

    app = build(settings)
    service = bot_service(app.store, app.matching, settings, limits=app.limits)
"""

from __future__ import annotations

from rempart.config import Settings
from rempart.services.bot import BotService
from rempart.services.matching import MatchService
from rempart.services.notices import NoticeService
from rempart.store.audit import SqlAuditLog
from rempart.store.bot import SqlBotStore
from rempart.store.limits import RateStore
from rempart.store.notices import SqlNoticeStore
from rempart.store.sql import SqlBankStore
from rempart.store.users import SqlUserStore

__all__ = ["bot_service"]


def bot_service(bank: SqlBankStore, matching: MatchService, settings: Settings, *,
                limits: RateStore | None = None) -> BotService:
    """The bot service on ``bank``'s database, with takedown notices as configured."""
    engine = bank.engine
    notices = NoticeService(SqlNoticeStore(engine), SqlUserStore(engine), SqlAuditLog(engine),
                            settings.notices)
    return BotService(SqlBotStore(engine), matching, notices, settings.bot, limits=limits)
