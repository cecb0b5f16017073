"""The Telegram bot's business rules, free of any Bot API library: which files to check, what
a verdict is worth, what to do about a message (``core.bot_policy``), strikes, findings and
review items, alerts that carry evidence but never media, notices from ``/report``, purges.

The adapter (``adapters.telegram_bot``) turns updates into :class:`BotMessage` values, downloads
the files this service asks for, hands the bytes to :meth:`BotService.check_bytes` (they are
dropped after hashing) and carries out the returned :class:`Outcome`.

Example::

    service = BotService(SqlBotStore(engine), matching, notices, BotSettings())
    verdict = service.check_bytes(media, data)        # hashes and matches, keeps no bytes
    outcome = service.decide(message, [verdict])      # Decision + alert text
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from rempart.config import BotSettings
from rempart.core.bot_policy import (
    DELETE_WINDOW_SECONDS,
    ChatPolicy,
    Decision,
    MediaHit,
    Sender,
    decide,
    message_link,
)
from rempart.core.text import classify
from rempart.core.workflow import Category
from rempart.services.matching import MatchService
from rempart.services.notices import NoticeService, Receipt, Submission
from rempart.store.bot import NewReviewItem, SqlBotStore
from rempart.store.rows import utc_now

VerdictStatus = Literal["checked", "not_checked", "error"]
_CACHE = 20_000


@dataclass(frozen=True, slots=True)
class BotMedia:
    """One file of a message, as Telegram describes it (no bytes)."""

    file_id: str
    file_unique_id: str
    kind: str  # photo, video, animation, video_note, sticker, document, thumbnail
    file_size: int | None = None
    thumbnail: BotMedia | None = None
    hashable: bool = True  # False: only the thumbnail can be checked (animated stickers)


@dataclass(frozen=True, slots=True)
class BotMessage:
    """A message, edited message or channel post, reduced to what the rules need."""

    update_id: int
    chat_id: int
    chat_type: str
    message_id: int
    date: datetime
    text: str = ""
    media: tuple[BotMedia, ...] = ()
    chat_title: str | None = None
    chat_username: str | None = None
    user_id: int | None = None
    sender_chat_id: int | None = None
    media_group_id: str | None = None
    edited: bool = False
    channel_post: bool = False
    forward_origin: dict[str, Any] | None = None

    @property
    def link(self) -> str | None:
        """A ``t.me`` link to the message when one can exist."""
        return message_link(self.chat_id, self.message_id, self.chat_username)

    @property
    def sender(self) -> Sender:
        """Who posted: a user, a channel identity, the group's anonymous admin, the channel."""
        if self.channel_post or self.chat_type == "channel":
            return "channel_post"
        if self.sender_chat_id is not None:
            return "anonymous_admin" if self.sender_chat_id == self.chat_id else (
                "channel_identity")
        return "user"

    def location(self) -> dict[str, Any]:
        """Where it was seen, for review items and notices."""
        return {"platform": "telegram", "chat": self.chat_id, "chat_title": self.chat_title,
                "message": self.message_id, "link": self.link, "sender": self.user_id,
                "sender_chat": self.sender_chat_id, "date": self.date.isoformat()}


@dataclass(frozen=True, slots=True)
class MediaVerdict:
    """What checking one file gave: matches (bank, entry, distance, labels, action)."""

    file_unique_id: str
    status: VerdictStatus
    sha256: str | None = None
    matches: tuple[dict[str, Any], ...] = ()
    error: str | None = None
    cached: bool = False
    seq: int = 0

    def to_json(self) -> dict[str, Any]:
        """Stored in ``bot_seen_files.verdict``."""
        return {"status": self.status, "sha256": self.sha256, "matches": list(self.matches),
                "error": self.error, "seq": self.seq}

    @classmethod
    def from_json(cls, file_unique_id: str, data: dict[str, Any]) -> MediaVerdict:
        """A stored verdict, marked as cached."""
        return cls(file_unique_id, data.get("status", "checked"), data.get("sha256"),
                   tuple(data.get("matches") or ()), data.get("error"), True,
                   int(data.get("seq", 0)))


@dataclass(frozen=True)
class Outcome:
    """The decision about one message and what the admins are told."""

    message: BotMessage
    decision: Decision
    verdicts: tuple[MediaVerdict, ...]
    text_labels: tuple[str, ...]
    first_time: bool
    strikes: int
    admin_chat_id: int | None
    alert_text: str | None = None


@dataclass
class _Album:
    chat_id: int
    members: set[int] = field(default_factory=set)
    flagged: bool = False
    seen: float = field(default_factory=time.monotonic)


class BotService:
    """Rules of the bot over its store, the matcher and the notice workflow."""

    def __init__(self, store: SqlBotStore, matching: MatchService,
                 notices: NoticeService | None, settings: BotSettings | None = None) -> None:
        self.store = store
        self.matching = matching
        self.notices = notices
        self.settings = settings or BotSettings()
        self.defaults = ChatPolicy.from_json(self.settings.chat_defaults)
        self._policies: dict[int, ChatPolicy] = {}
        self._by_sha: OrderedDict[str, MediaVerdict] = OrderedDict()
        self._by_uid: OrderedDict[str, MediaVerdict] = OrderedDict()
        self._albums: dict[tuple[int, str], _Album] = {}
        self._lock = threading.Lock()

    # --- chats and their policy -------------------------------------------------------------

    def policy(self, chat_id: int) -> ChatPolicy:
        """The chat's policy (defaults for a chat never configured)."""
        cached = self._policies.get(chat_id)
        if cached is None:
            chat = self.store.get_chat(chat_id)
            cached = ChatPolicy.from_json(chat.settings if chat else None, self.defaults)
            self._policies[chat_id] = cached
        return cached

    def set_policy(self, chat_id: int, chat_type: str, key: str, raw: str) -> ChatPolicy:
        """Change one setting of a chat (raises ValueError with a readable message)."""
        policy = self.policy(chat_id).with_setting(key, raw)
        self.store.save_chat(chat_id, chat_type, settings=policy.to_json())
        self._policies[chat_id] = policy
        return policy

    # --- files ------------------------------------------------------------------------------

    def cached_verdict(self, media: BotMedia) -> MediaVerdict | None:
        """A verdict for this exact Telegram file, if still valid (no bank change since)."""
        with self._lock:
            verdict = self._by_uid.get(media.file_unique_id)
        if verdict is None:
            stored = self.store.seen_file(media.file_unique_id)
            if stored is None:
                return None
            verdict = MediaVerdict.from_json(media.file_unique_id, stored)
        if verdict.status == "checked" and verdict.seq != self.matching.seq:
            return None  # banks changed: a file clean then may match now
        return replace(verdict, cached=True)

    def too_large(self, media: BotMedia, size: int | None) -> MediaVerdict:
        """Record a file over the download limit as not checked."""
        verdict = MediaVerdict(media.file_unique_id, "not_checked",
                               error=f"too_large:{size}" if size else "too_large",
                               seq=self.matching.seq)
        self._remember(verdict)
        return verdict

    def failed(self, media: BotMedia, error: str) -> MediaVerdict:
        """A file that could not be downloaded (not remembered: try again next time)."""
        return MediaVerdict(media.file_unique_id, "error", error=error[:200])

    def check_bytes(self, media: BotMedia, data: bytes) -> MediaVerdict:
        """Hash and match downloaded bytes (CPU-bound: call it off the event loop)."""
        sha = hashlib.sha256(data).hexdigest()
        seq = self.matching.seq
        with self._lock:
            same = self._by_sha.get(sha)
        if same is not None and same.seq == seq and same.status == "checked":
            verdict = replace(same, file_unique_id=media.file_unique_id)
            self._remember(verdict)
            return replace(verdict, cached=True)
        report = self.matching.match_bytes(data)
        if report.hashes.error is not None:
            verdict = MediaVerdict(media.file_unique_id, "error", sha,
                                   error=report.hashes.error, seq=seq)
        else:
            verdict = MediaVerdict(media.file_unique_id, "checked", sha,
                                   tuple(report.matches), seq=seq)
        self._remember(verdict)
        return verdict

    def _remember(self, verdict: MediaVerdict) -> None:
        with self._lock:
            for cache, key in ((self._by_uid, verdict.file_unique_id),
                               (self._by_sha, verdict.sha256)):
                if key is None:
                    continue
                cache[key] = verdict
                cache.move_to_end(key)
                while len(cache) > _CACHE:
                    cache.popitem(last=False)
        self.store.remember_file(verdict.file_unique_id, verdict.sha256, verdict.to_json())

    # --- messages ---------------------------------------------------------------------------

    def log(self, message: BotMessage) -> bool:
        """Log the message id for purges; False when it was already logged."""
        if message.edited:
            return False
        return self.store.log_message(message.chat_id, message.message_id, message.user_id,
                                      message.sender_chat_id, message.date)

    def decide(self, message: BotMessage, verdicts: Sequence[MediaVerdict]) -> Outcome:
        """Decide about a message from its files' verdicts and its text; record findings."""
        policy = self.policy(message.chat_id)
        labels = classify(message.text).labels if message.text.strip() else ()
        hits: list[tuple[MediaVerdict, dict[str, Any]]] = []
        for verdict in verdicts:
            for m in verdict.matches:
                if policy.banks is None or m.get("bank") in policy.banks:
                    hits.append((verdict, m))
        strikes = self.strikes_of(message)
        decision = decide(
            [MediaHit(m["bank"], m.get("action") or m.get("policy") or "review",
                      m.get("distance"), tuple(m.get("labels") or ())) for _, m in hits],
            labels, policy, strikes_before=strikes, sender=message.sender)
        decision = self._album(message, decision)
        first = self._record(message, decision, hits, labels) if decision.acts else False
        if not first:
            # Seen before (a restart, a repeated edit): delete again, punish and alert once.
            decision = replace(decision, sender="none", ban_sender_chat=False, strike=False,
                               alert=False)
        if decision.strike:
            strikes = self._strike(message)
        outcome = Outcome(message, decision, tuple(verdicts), labels, first, strikes,
                          policy.admin_chat_id)
        if decision.alert:
            outcome = replace(outcome, alert_text=alert_text(outcome))
        return outcome

    def strikes_of(self, message: BotMessage) -> int:
        """Removals counted against the message's sender (user or channel identity)."""
        who = message.user_id if message.sender == "user" else message.sender_chat_id
        return self.store.strikes(message.chat_id, who) if who is not None else 0

    def _strike(self, message: BotMessage) -> int:
        who = message.user_id if message.sender == "user" else message.sender_chat_id
        return self.store.add_strike(message.chat_id, who) if who is not None else 0

    def _record(self, message: BotMessage, decision: Decision,
                hits: Sequence[tuple[MediaVerdict, dict[str, Any]]],
                labels: Sequence[str]) -> bool:
        """One review item (finding) per match and flagged label; True if any is new."""
        base = f"bot:{message.chat_id}:{message.message_id}"
        taken = {"delete": decision.delete, "sender": decision.sender,
                 "ban_sender_chat": decision.ban_sender_chat}
        new = False
        for verdict, m in hits:
            new |= self.store.add_review_item(NewReviewItem(
                kind="media_match", dedup_key=f"{base}:{verdict.file_unique_id}:{m['entry']}",
                labels=tuple(m.get("labels") or ()), location=message.location(),
                evidence={"match": m, "sha256": verdict.sha256, "action_taken": taken,
                          "forward_origin": message.forward_origin},
                bank=m.get("bank"), entry_id=m.get("entry"),
                content_group=m.get("content_group"), signal=m.get("signal"),
                distance=m.get("distance")))
        if labels:
            verdict_json = classify(message.text).to_json()
            new |= self.store.add_review_item(NewReviewItem(
                kind="text_flag", dedup_key=f"{base}:text:{','.join(labels)}",
                labels=tuple(labels), location=message.location(),
                evidence={"text": message.text[:1000], **verdict_json,
                          "action_taken": taken}))
        if not hits and not labels:  # an album member deleted with its flagged sibling
            new |= self.store.add_review_item(NewReviewItem(
                kind="media_match", dedup_key=f"{base}:album", labels=(),
                location=message.location(),
                evidence={"album": message.media_group_id, "action_taken": taken}))
        return new

    def _album(self, message: BotMessage, decision: Decision) -> Decision:
        """Albums: one flagged photo takes its whole album down (members seen before/after)."""
        if message.media_group_id is None:
            return decision
        now = time.monotonic()
        with self._lock:
            for key in [k for k, a in self._albums.items()
                        if now - a.seen > self.settings.album_seconds]:
                del self._albums[key]
            album = self._albums.setdefault((message.chat_id, message.media_group_id),
                                            _Album(message.chat_id))
            album.members.add(message.message_id)
            album.seen = now
            if decision.delete:
                album.flagged = True
            elif album.flagged:
                return replace(decision, delete=True,
                               reasons=(*decision.reasons, "album with a removed item"))
        return decision

    def album_members(self, message: BotMessage) -> list[int]:
        """Other messages of the message's album seen so far."""
        if message.media_group_id is None:
            return []
        with self._lock:
            album = self._albums.get((message.chat_id, message.media_group_id))
            members = set(album.members) if album else set()
        return sorted(members - {message.message_id})

    def deleted(self, chat_id: int, message_ids: Sequence[int]) -> int:
        """Record messages the bot deleted."""
        return self.store.mark_deleted(chat_id, message_ids)

    # --- commands ---------------------------------------------------------------------------

    def report(self, reported: BotMessage, reporter_id: int | None, category: str,
               note: str = "") -> Receipt:
        """A member's ``/report``: a notice in the notice-and-action workflow."""
        if self.notices is None:
            raise RuntimeError("notices are not configured")
        try:
            cat = Category(category)
        except ValueError:
            cat = Category.NCII
        explanation = (f"Reported from Telegram with /report by a member of the chat"
                       f" (message {reported.message_id}). {note}").strip()
        return self.notices.submit(Submission(
            cat, explanation, good_faith=True, message_link=reported.link,
            chat_id=reported.chat_id, message_id=reported.message_id,
            location_text=(f"Telegram chat {reported.chat_title or reported.chat_id}, "
                           f"message {reported.message_id}")))

    def purge_targets(self, chat_id: int, user_id: int, now: datetime | None = None
                      ) -> list[int]:
        """The user's logged messages still deletable (sent in the last 48 h)."""
        since = (now or utc_now()) - timedelta(seconds=DELETE_WINDOW_SECONDS)
        return self.store.messages_since(chat_id, user_id, since)

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


def alert_text(outcome: Outcome) -> str:
    """The admins' alert: evidence (bank, distance, labels, link), never the media itself."""
    m = outcome.message
    d = outcome.decision
    what = "Removed" if d.delete else "Flagged"
    lines = [f"Rempart: {what} message {m.message_id} in {m.chat_title or m.chat_id}."]
    if m.link:
        lines.append(f"Link: {m.link}")
    for verdict in outcome.verdicts:
        for match in verdict.matches:
            labels = ", ".join(match.get("labels") or ()) or "none"
            lines.append(f"Match: bank {match.get('bank')}, {match.get('signal')} distance "
                         f"{match.get('distance')}, labels {labels}, policy "
                         f"{match.get('action')}")
    if outcome.text_labels:
        lines.append("Text labels: " + ", ".join(outcome.text_labels))
    sender = m.user_id if m.sender == "user" else m.sender_chat_id
    if sender is not None:
        action = {"ban": "banned", "restrict": "restricted"}.get(d.sender, "")
        if d.ban_sender_chat:
            action = "channel identity banned"
        lines.append(f"Sender: {sender} (removals: {outcome.strikes})"
                     + (f", {action}" if action else ""))
    if d.review:
        lines.append("Queued for review in the console.")
    return "\n".join(lines)
