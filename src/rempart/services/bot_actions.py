"""What the bot asks of the Bot API for a decision, a ``/report`` or a purge, as durable actions
(:class:`~rempart.store.bot_work.NewAction`), and the text of the admins' alerts.

Alerts tell a group's admins what they need to act — what was removed, the bank and its action,
the signal and distance, a link to the message — and nothing about the victim: no case number,
no source, no labels of the bank entry (``minor``…), never the media.

Example::

    always, if_new = decision_actions(message, decision, [], admin_chat_id=-100, alert="…")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rempart.core.bot_policy import Decision
from rempart.core.verdict import Match
from rempart.services.bot_messages import BotMessage
from rempart.store.bot_work import NewAction

IN_CHAT_NOTE = "Rempart removed a message (matched known abusive content)."


def _key(message: BotMessage, what: str) -> str:
    return f"{message.chat_id}:{message.message_id}:{message.update_id}:{what}"


def decision_actions(message: BotMessage, decision: Decision, album_ids: Sequence[int],
                     admin_chat_id: int | None, alert: str | None
                     ) -> tuple[list[NewAction], list[NewAction]]:
    """``(always, if_new)``: the deletion (the message and its album) happens every time;
    punishment and the alert only the first time the finding is seen."""
    m = message
    always: list[NewAction] = []
    if decision.delete:
        always.append(NewAction(_key(m, "delete"), m.chat_id, "delete", "action",
                                {"message_ids": sorted({m.message_id, *album_ids})},
                                m.update_id))
    if_new: list[NewAction] = []
    if decision.sender in ("restrict", "ban") and m.user_id is not None:
        if_new.append(NewAction(_key(m, decision.sender), m.chat_id, decision.sender, "action",
                                {"user_id": m.user_id}, m.update_id))
    if decision.ban_sender_chat and m.sender_chat_id is not None:
        if_new.append(NewAction(_key(m, "ban_sender_chat"), m.chat_id, "ban_sender_chat",
                                "action", {"sender_chat_id": m.sender_chat_id}, m.update_id))
    if decision.alert and alert:
        target, text = admin_chat_id, alert
        if target is None:  # no admins' chat: a short note in the chat itself, no evidence
            target, text = m.chat_id, (IN_CHAT_NOTE if decision.delete else "")
        if text:
            if_new.append(NewAction(_key(m, "alert"), target, "message", "alert",
                                    {"text": text}, m.update_id))
    return always, if_new


def reported_key(reported: BotMessage) -> str:
    """The key of the command deletion of a message's first ``/report``: stored, it says the
    message has its notice (one per message, however many members report it)."""
    return f"{reported.chat_id}:{reported.message_id}:reported"


def report_keys(command: BotMessage) -> list[str]:
    """The keys only this ``/report`` command's own actions have (one stored: handled)."""
    return [_key(command, what) for what in ("delete", "receipt", "notice")]


def command_deletion(command: BotMessage) -> NewAction:
    """The removal of a ``/report`` that files nothing (a repeat, or over the member's limit):
    it names the reporter, and a flood of them must not stay in the chat."""
    return NewAction(_key(command, "delete"), command.chat_id, "delete", "action",
                     {"message_ids": [command.message_id]}, command.update_id)


def report_actions(command: BotMessage, reported: BotMessage, case_number: str, secret: str,
                   admin_chat_id: int | None) -> list[NewAction]:
    """A ``/report`` filing the message's notice: the command removed (it names the reporter;
    keyed by :func:`reported_key`), the receipt sent privately to the reporter, the admins
    told that a report exists (without its case number)."""
    actions = [replace(command_deletion(command), dedup_key=reported_key(reported))]
    if command.user_id is not None:
        actions.append(NewAction(
            _key(command, "receipt"), command.user_id, "message", "receipt",
            {"text": (f"Thank you. Your report was received: case {case_number}.\n"
                      f"Follow it with this secret (keep it private): {secret}")},
            command.update_id))
    if admin_chat_id is not None:
        where = reported.link or f"message {reported.message_id}"
        actions.append(NewAction(
            _key(command, "notice"), admin_chat_id, "message", "notice",
            {"text": (f"Rempart: a member reported {where} in "
                      f"{reported.chat_title or reported.chat_id}; the moderators will "
                      "review it.")}, command.update_id))
    return actions


def purge_actions(command: BotMessage, user_id: int, message_ids: Sequence[int]
                  ) -> list[NewAction]:
    """``/rempart_purge``: ban the user, delete their logged messages, tell the admin."""
    actions = [NewAction(_key(command, "ban"), command.chat_id, "ban", "action",
                         {"user_id": user_id}, command.update_id)]
    if message_ids:
        actions.append(NewAction(_key(command, "delete"), command.chat_id, "delete", "action",
                                 {"message_ids": sorted(set(message_ids))}, command.update_id))
    actions.append(NewAction(
        _key(command, "notice"), command.chat_id, "message", "notice",
        {"text": f"Banned user {user_id}; deleting {len(message_ids)} message(s) from the "
                 "last 48 h."}, command.update_id))
    return actions


def chat_notice(chat_id: int, update_id: int, text: str) -> NewAction:
    """A message to a chat about the bot itself (rights missing, active)."""
    return NewAction(f"{chat_id}:member:{update_id}", chat_id, "message", "notice",
                     {"text": text}, update_id)


def alert_text(message: BotMessage, decision: Decision,
               matches: Sequence[Match], text_labels: Sequence[str],
               strikes: int) -> str:
    """The admins' alert: what was done and why in general terms (bank, action, signal and
    distance of each match, never its entry's provenance), and where."""
    m = message
    what = "Removed" if decision.delete else "Flagged"
    lines = [f"Rempart: {what} message {m.message_id} in {m.chat_title or m.chat_id}."]
    if m.link:
        lines.append(f"Link: {m.link}")
    for match in matches:
        lines.append(f"Match: bank {match.bank} ({match.action}), "
                     f"{match.signal} distance {match.distance}")
    if text_labels:
        lines.append("Text classified as: " + ", ".join(text_labels))
    sender = m.sender_id
    if sender is not None:
        action = {"ban": "banned", "restrict": "restricted"}.get(decision.sender, "")
        if decision.ban_sender_chat:
            action = "channel identity banned"
        lines.append(f"Sender: {sender} (removals: {strikes})"
                     + (f", {action}" if action else ""))
    if decision.review:
        lines.append("Queued for review in the console.")
    return "\n".join(lines)
