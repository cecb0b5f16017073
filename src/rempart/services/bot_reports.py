"""A chat member's ``/report`` of a message: the message's notice in the notice-and-action
workflow, then the command removed, the receipt (with the secret) and the admins' notice,
stored as actions to send.

One notice per message: a repeat (by anyone) only removes its command, as does a report over
the member's limit (``report:{chat}:{member}`` in the shared rate store), beyond which she is
told to wait at most once a minute (a flood of commands gets no flood of replies).

Example::

    reports = BotReports(SqlBotStore(engine), notices, SqlRateStore(engine))
    outcome = reports.file(command, reported, "ncii", admin_chat_id=-100123)
    outcome.status                                      # 'filed'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rempart.core.workflow import Category
from rempart.services.bot_actions import command_deletion, report_actions, report_keys, reported_key
from rempart.services.bot_messages import BotMessage
from rempart.services.notices import NoticeService, Submission
from rempart.services.rate_limits import SharedLimiter
from rempart.store.bot import OutboxRow, SqlBotStore
from rempart.store.limits import RateStore

ReportStatus = Literal["filed", "already_reported", "too_many", "handled"]
# A member's /report: a few a minute (one notice per message whatever the count).
REPORTS_PER_MINUTE = 3.0
REPORT_BURST = 3

__all__ = ["REPORTS_PER_MINUTE", "REPORT_BURST", "BotReports", "ReportOutcome", "ReportStatus"]


@dataclass(frozen=True)
class ReportOutcome:
    """What a ``/report`` gave: ``filed`` (the message's notice), ``already_reported`` (it has
    one: nothing new), ``too_many`` (over the member's limit: ``wait`` seconds; ``tell`` her
    or not), ``handled`` (this update was, before a restart); the actions stored to send."""

    status: ReportStatus
    actions: list[OutboxRow]
    wait: float = 0.0
    tell: bool = True


class BotReports:
    """Members' reports over the bot's store, the notice workflow and the shared rate store."""

    def __init__(self, store: SqlBotStore, notices: NoticeService | None,
                 rates: RateStore) -> None:
        self.store = store
        self.notices = notices
        self._reports = SharedLimiter(rates, "report", REPORTS_PER_MINUTE, REPORT_BURST)
        self._told = SharedLimiter(rates, "report-told", 1.0, 1)

    def file(self, command: BotMessage, reported: BotMessage, category: str, note: str = "",
             *, admin_chat_id: int | None = None) -> ReportOutcome:
        """File ``reported``'s notice for the member who sent ``command`` and store what to
        send (the receipt to her, a notice to ``admin_chat_id``). Nothing new when this update
        was already handled (a retry after a crash)."""
        if self.notices is None:
            raise RuntimeError("notices are not configured")
        if self.store.action_keys(report_keys(command)):
            return ReportOutcome("handled", [])
        who = command.sender_id
        member = f"{command.chat_id}:{who if who is not None else 'chat'}"
        wait = self._reports.wait(member)
        if wait > 0:
            return ReportOutcome("too_many", self.store.add_actions([command_deletion(command)]),
                                 wait, tell=self._told.wait(member) == 0)
        if self.store.action_keys([reported_key(reported)]):
            return ReportOutcome("already_reported",
                                 self.store.add_actions([command_deletion(command)]))
        try:
            cat = Category(category)
        except ValueError:
            cat = Category.NCII
        explanation = (f"Reported from Telegram with /report by a member of the chat"
                       f" (message {reported.message_id}). {note}").strip()
        receipt = self.notices.submit(Submission(
            cat, explanation, good_faith=True, message_link=reported.link,
            chat_id=reported.chat_id, message_id=reported.message_id,
            location_text=(f"Telegram chat {reported.chat_title or reported.chat_id}, "
                           f"message {reported.message_id}")))
        return ReportOutcome("filed", self.store.add_actions(report_actions(
            command, reported, receipt.case_number, receipt.secret, admin_chat_id)))
