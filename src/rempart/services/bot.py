"""The Telegram bot's business rules, free of any Bot API library: which files to check, what
a verdict is worth, what to do about a message (``core.bot_policy``), strikes, findings and
review items, alerts that carry evidence but never media, purges; members' ``/report`` is
``services.bot_reports``.

The adapter (``adapters.telegram_bot``) turns updates into :class:`BotMessage` values
(``services.bot_messages``: a message, its files, a file's verdict), downloads
the files this service asks for, hands the bytes to :meth:`BotService.check_bytes` (they are
dropped after hashing) and sends the actions of the returned :class:`Outcome`: they are stored
(outbox) in the transaction that records the findings, so none is lost on a crash.

Example::

    service = BotService(SqlBotStore(engine), matching, notices, BotSettings())
    verdict = service.check_bytes(media, data)        # hashes and matches, keeps no bytes
    outcome = service.decide(message, [verdict])      # Decision, findings, stored actions
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from rempart.config import BotSettings
from rempart.core.bot_policy import DELETE_WINDOW_SECONDS, ChatPolicy, Decision, MediaHit, decide
from rempart.core.conversations import read_item
from rempart.core.signals.exact import exact_hashes
from rempart.core.verdict import Match, Verdict
from rempart.services.bot_actions import alert_text, chat_notice, decision_actions, purge_actions
from rempart.services.bot_messages import BotMedia, BotMessage, Fetched, NotFetched, Prepared
from rempart.services.bot_reports import BotReports, ReportOutcome
from rempart.services.bot_work import BotWork
from rempart.services.matching import MatchService
from rempart.services.notices import NoticeService
from rempart.services.sightings import Seen, review_item, sighting_hits
from rempart.store.bot import OutboxRow, SqlBotStore
from rempart.store.limits import RateStore, SqlRateStore
from rempart.store.reviews import NewReviewItem
from rempart.store.rows import utc_now

_CACHE = 20_000  # verdicts kept in memory, per Telegram file and per SHA-256 each


@dataclass(frozen=True)
class Outcome:
    """The decision about one message and what the admins are told."""

    message: BotMessage
    decision: Decision
    verdicts: tuple[Verdict, ...]
    text_labels: tuple[str, ...]
    first_time: bool
    strikes: int
    admin_chat_id: int | None
    alert_text: str | None = None
    actions: tuple[OutboxRow, ...] = ()  # stored now, to send at once


class BotService:
    """Rules of the bot over its store, the matcher and the notice workflow."""

    def __init__(self, store: SqlBotStore, matching: MatchService,
                 notices: NoticeService | None, settings: BotSettings | None = None,
                 limits: RateStore | None = None) -> None:
        self.store = store
        self.matching = matching
        self.notices = notices
        self.settings = settings or BotSettings()
        self.defaults = ChatPolicy.from_json(self.settings.chat_defaults)
        self.work = BotWork(store, self.settings.action_attempts)
        self._policies: dict[int, ChatPolicy] = {}
        self._by_sha: OrderedDict[str, Verdict] = OrderedDict()
        self._by_uid: OrderedDict[str, Verdict] = OrderedDict()
        self._lock = threading.Lock()
        self.reports = BotReports(store, notices,
                                  limits if limits is not None else SqlRateStore(store.engine))

    # --- chats and their policy -------------------------------------------------------------

    def policy(self, chat_id: int) -> ChatPolicy:
        """The chat's policy (defaults for a chat never configured)."""
        cached = self._policies.get(chat_id)
        if cached is None:
            chat = self.store.get_chat(chat_id)
            cached = ChatPolicy.from_json(chat.settings if chat else None, self.defaults)
            self._policies[chat_id] = cached
        return cached

    def forget_policy(self, chat_id: int) -> None:
        """Read the chat's policy again next time (another process may have changed it)."""
        self._policies.pop(chat_id, None)

    def set_policy(self, chat_id: int, chat_type: str, key: str, raw: str) -> ChatPolicy:
        """Change one setting of a chat (raises ValueError with a readable message)."""
        policy = self.policy(chat_id).with_setting(key, raw)
        self.store.save_chat(chat_id, chat_type, settings=policy.to_json())
        self._policies[chat_id] = policy
        return policy

    # --- files ------------------------------------------------------------------------------

    def prepare(self, message: BotMessage) -> Prepared:
        """Log the message (for purges) and tell what checking it needs: the verdicts already
        known and the files to download (a file over the limit: its thumbnail)."""
        self.log(message)
        cached: dict[str, Verdict] = {}
        fetch: list[BotMedia] = []
        for media in message.media:
            target: BotMedia | None = media
            while target is not None:
                known = self.cached_verdict(target)
                if known is not None:
                    cached[target.file_unique_id] = known
                    break
                if self.fits(target):
                    fetch.append(target)
                    break
                target = target.thumbnail
        return Prepared(cached, tuple(fetch))

    def fits(self, media: BotMedia) -> bool:
        """Whether a file is to be downloaded: hashable and not over the download limit."""
        return media.hashable and (media.file_size or 0) <= self.settings.download_limit_bytes

    def finish(self, message: BotMessage, prepared: Prepared,
               fetched: dict[str, Fetched]) -> Outcome:
        """Check the downloaded files (bytes dropped after hashing) and decide about the
        message (CPU-bound: call it off the event loop)."""
        verdicts = [self._verdict(media, prepared.cached, fetched) for media in message.media]
        return self.decide(message, verdicts)

    def _verdict(self, media: BotMedia, cached: dict[str, Verdict],
                 fetched: dict[str, Fetched]) -> Verdict:
        known = cached.get(media.file_unique_id)
        if known is not None:
            return known
        got = fetched.pop(media.file_unique_id, None)
        if isinstance(got, bytes):
            return self.check_bytes(media, got)
        if isinstance(got, NotFetched) and got.reason == "not_media":
            return self.not_media(media)
        if isinstance(got, NotFetched) and got.reason == "failed":
            return self.failed(media, got.detail)
        verdict = self.too_large(media, media.file_size)
        if media.thumbnail is None:
            return verdict
        thumb = self._verdict(media.thumbnail, cached, fetched)
        return replace(thumb, key=media.file_unique_id, status="not_checked",
                       error=verdict.error, seq=verdict.seq, cached=False)


    def cached_verdict(self, media: BotMedia) -> Verdict | None:
        """A verdict for this exact Telegram file, if still valid (no bank change since)."""
        with self._lock:
            verdict = self._by_uid.get(media.file_unique_id)
        if verdict is None:
            stored = self.store.seen_file(media.file_unique_id)
            if stored is None:
                return None
            verdict = Verdict.from_record(media.file_unique_id, stored)
        if verdict.status == "checked" and verdict.seq != self.matching.seq:
            return None  # banks changed: a file clean then may match now
        return replace(verdict, cached=True)

    def too_large(self, media: BotMedia, size: int | None) -> Verdict:
        """Record a file over the download limit as not checked."""
        return self._not_checked(media, f"too_large:{size}" if size else "too_large")

    def failed(self, media: BotMedia, error: str) -> Verdict:
        """A file that could not be downloaded (not remembered: try again next time)."""
        return Verdict(media.kind, None, error=error[:200], status="error",
                       key=media.file_unique_id)

    def not_media(self, media: BotMedia) -> Verdict:
        """A document whose first bytes are no image or video format: nothing to hash."""
        return self._not_checked(media, "not_media")

    def _not_checked(self, media: BotMedia, why: str) -> Verdict:
        verdict = Verdict(media.kind, None, error=why, status="not_checked",
                          key=media.file_unique_id, seq=self.matching.seq)
        self._remember(verdict)
        return verdict

    def check_bytes(self, media: BotMedia, data: bytes) -> Verdict:
        """Hash and match downloaded bytes (CPU-bound: call it off the event loop)."""
        digests = exact_hashes(data)
        seq = self.matching.seq
        with self._lock:
            same = self._by_sha.get(digests[1])
        if same is not None and same.seq == seq and same.status == "checked":
            verdict = replace(same, key=media.file_unique_id)
            self._remember(verdict)
            return replace(verdict, cached=True)
        # Hits are recorded by decide(), with the message's chat and sender, for this file and
        # for every later message carrying it (a cached verdict): forwards count.
        verdict = replace(self.matching.match_bytes(data, record=False, digests=lambda: digests),
                          key=media.file_unique_id, seq=seq)
        self._remember(verdict)
        return verdict

    def _remember(self, verdict: Verdict) -> None:
        with self._lock:
            for cache, key in ((self._by_uid, verdict.key),
                               (self._by_sha, verdict.sha256)):
                if key is None:
                    continue
                cache[key] = verdict
                cache.move_to_end(key)
                while len(cache) > _CACHE:
                    cache.popitem(last=False)
        self.store.remember_file(verdict.key, verdict.sha256, verdict.to_record())

    # --- messages ---------------------------------------------------------------------------

    def log(self, message: BotMessage) -> bool:
        """Log the message id for purges; False when it was already logged."""
        if message.edited:
            return False
        return self.store.log_message(message.chat_id, message.message_id, message.user_id,
                                      message.sender_chat_id, message.date)

    def decide(self, message: BotMessage, verdicts: Sequence[Verdict]) -> Outcome:
        """Decide about a message from its files' verdicts and its text; store the findings and
        the actions (deletion every time; punishment and alert the first time) together."""
        seen = Seen("bot", message.place, message.poster, message.location(), utc_now())
        verdicts = self._sighted(seen, verdicts)
        policy = self.policy(message.chat_id)
        # Read as the scanner reads an export's message, with the message it replies to.
        classified = read_item(message.item(), message.earlier())
        labels = classified.labels if classified is not None else ()
        own, in_context = ((), labels) if classified is not None and classified.context else (
            labels, ())
        hits = [(verdict, m) for verdict in verdicts for m in verdict.matches
                if policy.banks is None or m.bank in policy.banks]
        strikes = self.strikes_of(message)
        decision = decide([MediaHit(m.bank, m.action, m.distance, m.labels) for _, m in hits],
                          own, policy, strikes_before=strikes, sender=message.sender,
                          context_labels=in_context)
        decision = self._album(message, decision)
        outcome = Outcome(message, decision, tuple(verdicts), labels, False, strikes,
                          policy.admin_chat_id)
        if not decision.acts:
            return outcome
        who = message.sender_id
        strike = (message.chat_id, who) if decision.strike and who is not None else None
        alert = alert_text(message, decision, [m for _, m in hits], labels,
                           strikes + (1 if strike else 0)) if decision.alert else None
        always, if_new = decision_actions(message, decision, self.album_members(message),
                                          policy.admin_chat_id, alert)
        findings = self._findings(message, seen, decision, hits, labels,
                                  classified.to_json() if classified is not None else {})
        recorded = self.store.record_outcome(findings, strike, always, if_new)
        if not recorded.new:
            # Seen before (a retried update, a repeated edit): delete again, punish and alert
            # once.
            decision = replace(decision, sender="none", ban_sender_chat=False, strike=False,
                               alert=False)
            alert = None
        return replace(outcome, decision=decision, first_time=recorded.new,
                       strikes=recorded.strikes if strike and recorded.new else strikes,
                       alert_text=alert, actions=tuple(recorded.actions))

    def _sighted(self, seen: Seen, verdicts: Sequence[Verdict]) -> list[Verdict]:
        """Record a message's sighting (``seen``) of every matched file for the flood guard
        (where and by whom: forwards of one file count, however its verdict was cached); a
        match whose entry this puts on hold asks for review only."""
        hits = [h for v in verdicts if v.matches and v.sha256
                for h in sighting_hits(v, seen, v.sha256)]
        held = set(self.matching.sightings.record(hits)) if hits else set()
        return [v.held(held) for v in verdicts]

    def strikes_of(self, message: BotMessage) -> int:
        """Removals counted against the message's sender (user or channel identity)."""
        who = message.sender_id
        return self.store.strikes(message.chat_id, who) if who is not None else 0

    def _findings(self, message: BotMessage, seen: Seen, decision: Decision,
                  hits: Sequence[tuple[Verdict, Match]],
                  labels: Sequence[str], text_verdict: dict[str, Any]) -> list[NewReviewItem]:
        """One review item per match the bot acted on and per flagged text: what was done
        about the message, for a moderator to confirm or dismiss. A match's item is built as
        every sighting's (``services.sightings.review_item``): it carries the seen file's own
        signals (``query_signals``) so that a moderator can allowlist it."""
        base = f"bot:{message.chat_id}:{message.message_id}"
        taken = {"delete": decision.delete, "sender": decision.sender,
                 "ban_sender_chat": decision.ban_sender_chat}
        items = [review_item(seen, f"{base}:{verdict.key}:{m.entry}", verdict, m,
                             evidence={"sha256": verdict.sha256, "action_taken": taken,
                                       "forward_origin": message.forward_origin})
                 for verdict, m in hits]
        if labels:
            items.append(NewReviewItem(
                "bot", "text_flag", f"{base}:text:{','.join(labels)}", seen.at,
                labels=tuple(labels), location=dict(seen.location),
                evidence={"text": message.text[:1000], **text_verdict,
                          "action_taken": taken}))
        if not hits and not labels:  # an album member deleted with its flagged sibling
            items.append(NewReviewItem(
                "bot", "media_match", f"{base}:album", seen.at, location=dict(seen.location),
                evidence={"album": message.media_group_id, "action_taken": taken}))
        return items

    def _album(self, message: BotMessage, decision: Decision) -> Decision:
        """Albums: one flagged photo takes its whole album down (members seen before/after).
        What is known of an album is stored: whichever process handles the next member (a
        chat's updates run one at a time, so reading and writing it here is safe)."""
        group = message.media_group_id
        if group is None:
            return decision
        now = utc_now()
        album = self._album_of(message.chat_id, group, now)
        members = {*album.get("members", ()), message.message_id}
        flagged = bool(album.get("flagged"))
        if decision.delete:
            flagged = True
        elif flagged:
            decision = replace(decision, delete=True,
                               reasons=(*decision.reasons, "album with a removed item"))
        self.store.save_album(message.chat_id, group, {
            "members": sorted(members), "flagged": flagged, "seen": now.isoformat()})
        return decision

    def _album_of(self, chat_id: int, group: str, now: datetime) -> dict[str, Any]:
        album = self.store.album(chat_id, group)
        if album is None or datetime.fromisoformat(album["seen"]) < now - timedelta(
                seconds=self.settings.album_seconds):
            return {}
        return album

    def album_members(self, message: BotMessage) -> list[int]:
        """Other messages of the message's album seen so far."""
        if message.media_group_id is None:
            return []
        album = self._album_of(message.chat_id, message.media_group_id, utc_now())
        return sorted(set(album.get("members", ())) - {message.message_id})

    def forget_albums(self) -> int:
        """Drop albums not seen for ``album_seconds`` (a sweep calls it now and then)."""
        return self.store.prune_albums(
            utc_now() - timedelta(seconds=self.settings.album_seconds))

    # --- commands and chats -----------------------------------------------------------------

    def report(self, command: BotMessage, reported: BotMessage, category: str,
               note: str = "") -> ReportOutcome:
        """A member's ``/report`` (``services.bot_reports``), its admins' notice sent to the
        chat's admin chat."""
        return self.reports.file(command, reported, category, note,
                                 admin_chat_id=self.policy(command.chat_id).admin_chat_id)

    def purge_targets(self, chat_id: int, user_id: int, now: datetime | None = None
                      ) -> list[int]:
        """The user's logged messages still deletable (sent in the last 48 h)."""
        since = (now or utc_now()) - timedelta(seconds=DELETE_WINDOW_SECONDS)
        return self.store.messages_since(chat_id, user_id, since)

    def purge(self, command: BotMessage, user_id: int,
              message_ids: Sequence[int] | None = None) -> list[OutboxRow]:
        """``/rempart_purge`` by an admin: ban, delete the last 48 h (the logged messages, or
        ``message_ids`` where the platform lists them itself), stored to be sent."""
        ids = (list(message_ids) if message_ids is not None
               else self.purge_targets(command.chat_id, user_id))
        return self.store.add_actions(purge_actions(command, user_id, ids))

    def chat_changed(self, chat_id: int, chat_type: str, title: str | None, status: str,
                     rights: dict[str, Any], update_id: int, missing: Sequence[str]
                     ) -> list[OutboxRow]:
        """The bot's membership changed: remember its rights, tell the chat what it lacks."""
        self.store.save_chat(chat_id, chat_type, title, rights={**rights, "status": status})
        if status in ("left", "kicked"):
            return []
        if missing:
            text = ("Rempart needs to be an admin with these rights to remove banked images: "
                    + ", ".join(missing) + ".")
        else:
            text = "Rempart is active: banked images posted here will be removed."
        return self.store.add_actions([chat_notice(chat_id, update_id, text)])

    def status_text(self, chat_id: int, missing: Sequence[str]) -> str:
        """The ``/rempart`` answer for admins: rights, policy, banks."""
        policy = self.policy(chat_id)
        lines = ["Rempart is active." if policy.enabled else "Rempart is paused here."]
        lines.append("Missing rights: " + ", ".join(missing) if missing else
                     "Rights: OK (delete messages, restrict members).")
        banks = self.matching.store.list_banks()
        lines.append(f"Banks: {len(banks)} ({', '.join(b.name for b in banks[:10])})"
                     if banks else "Banks: none loaded.")
        for key, value in policy.to_json().items():
            lines.append(f"  {key}: {value}")
        lines.append("Change with /rempart set KEY VALUE.")
        return "\n".join(lines)

