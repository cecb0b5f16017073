"""What the Telegram bot does about one message: pure rules over matches, text labels and the
chat's settings. No I/O: the bot service feeds it, the adapter carries the decision out.

Rules (per chat, see :class:`ChatPolicy`):

- a match in a ``block`` bank deletes the message, counts a strike against the sender and
  restricts (or bans) them; ``strikes_to_ban`` removals ban them;
- a ``review`` match (a review bank, an unconfirmed victim registration, an entry held by the
  flood guard) never deletes by itself: it queues the message for review and tells the admins,
  without a strike (anyone can register hashes anonymously; only a moderator's confirmation
  makes them act);
- an ``alert`` match only tells the admins;
- text labels in ``text_delete_labels`` delete and queue for review, those in
  ``text_alert_labels`` only alert; text never counts a strike (the classifier can be wrong);
- a label the message only carries read with the one it replies to (``context_labels``)
  never deletes: it alerts, and queues for review what would have been deleted;
- a sender posting as a channel identity is banned with ``banChatSenderChat`` instead.

Example::

    >>> d = decide([MediaHit("victims", "block", 4)], (), ChatPolicy(), strikes_before=0)
    >>> (d.delete, d.sender, d.strike)
    (True, 'restrict', True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

SenderAction = Literal["none", "restrict", "ban"]
SENDER_ACTIONS: tuple[str, ...] = ("none", "restrict", "ban")
DELETE_WINDOW_SECONDS = 48 * 3600  # Bot API: a message older than 48 h cannot be deleted
DELETE_CHUNK = 100  # deleteMessages takes 1 to 100 ids
REQUIRED_RIGHTS: dict[str, tuple[str, ...]] = {
    "group": ("can_delete_messages", "can_restrict_members"),
    "supergroup": ("can_delete_messages", "can_restrict_members"),
    "channel": ("can_delete_messages",),
}


@dataclass(frozen=True)
class ChatPolicy:
    """Per-chat settings (stored as JSON in ``bot_chats.settings``)."""

    enabled: bool = True
    sender_action: SenderAction = "restrict"
    strikes_to_ban: int = 3
    admin_chat_id: int | None = None
    text_delete_labels: tuple[str, ...] = ("ncii_request", "ncii_share", "child_exploitation")
    text_alert_labels: tuple[str, ...] = ("doxxing", "group_promotion")
    banks: tuple[str, ...] | None = None  # None: every enabled bank

    def __post_init__(self) -> None:
        if self.sender_action not in SENDER_ACTIONS:
            raise ValueError(f"sender_action must be one of {', '.join(SENDER_ACTIONS)}")
        if self.strikes_to_ban < 1:
            raise ValueError("strikes_to_ban must be at least 1")

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None, base: ChatPolicy | None = None
                  ) -> ChatPolicy:
        """Settings from JSON over ``base`` (unknown keys are ignored, lists become tuples)."""
        values = asdict(base or cls())
        known = {f.name for f in fields(cls)}
        for key, value in (data or {}).items():
            if key in known:
                values[key] = tuple(value) if isinstance(value, list) else value
        for key in ("text_delete_labels", "text_alert_labels", "banks"):
            if isinstance(values[key], list):
                values[key] = tuple(values[key])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = asdict(self)
        for key in ("text_delete_labels", "text_alert_labels", "banks"):
            if out[key] is not None:
                out[key] = list(out[key])
        return out

    def with_setting(self, key: str, raw: str) -> ChatPolicy:
        """A copy with one setting parsed from an admin's text (``/rempart set KEY VALUE``)."""
        current = {f.name: f for f in fields(self)}
        if key not in current:
            raise ValueError(f"unknown setting {key!r}; known: {', '.join(sorted(current))}")
        value: Any
        old = getattr(self, key)
        if isinstance(old, bool):
            if raw.lower() not in ("on", "off", "true", "false", "yes", "no", "1", "0"):
                raise ValueError(f"{key} is on or off")
            value = raw.lower() in ("on", "true", "yes", "1")
        elif key in ("strikes_to_ban", "admin_chat_id"):
            value = None if raw.lower() in ("none", "off") and key == "admin_chat_id" else int(raw)
        elif key in ("text_delete_labels", "text_alert_labels", "banks"):
            parts = tuple(p for p in raw.replace(",", " ").split() if p)
            value = None if key == "banks" and parts in ((), ("all",)) else parts
        else:
            value = raw
        return ChatPolicy.from_json({**self.to_json(), key: value})


@dataclass(frozen=True)
class MediaHit:
    """One bank match on the message's media: bank name, its policy, the distance."""

    bank: str
    policy: str  # block, review, alert (the bank's action for this match)
    distance: int | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """What to do about one message; ``reasons`` explain it to the admins."""

    delete: bool = False
    sender: SenderAction = "none"
    ban_sender_chat: bool = False
    alert: bool = False
    review: bool = False
    strike: bool = False
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def acts(self) -> bool:
        """True when anything at all is to be done."""
        return self.delete or self.alert or self.review


Sender = Literal["user", "channel_identity", "anonymous_admin", "channel_post"]


def decide(
    hits: Sequence[MediaHit],
    text_labels: Sequence[str],
    policy: ChatPolicy,
    *,
    strikes_before: int,
    sender: Sender = "user",
    context_labels: Sequence[str] = (),
) -> Decision:
    """The decision for one message (see the module's rules)."""
    if not policy.enabled:
        return Decision()
    reasons: list[str] = []
    delete = alert = review = strike = False
    for hit in hits:
        where = f"bank {hit.bank} ({hit.policy}" + (
            f", distance {hit.distance})" if hit.distance is not None else ")")
        reasons.append(where)
        if hit.policy == "block":
            delete = strike = alert = True
        elif hit.policy == "review":
            review = alert = True
        else:
            alert = True
    for label in text_labels:
        if label in policy.text_delete_labels:
            delete = review = alert = True
            reasons.append(f"text: {label}")
        elif label in policy.text_alert_labels:
            alert = True
            reasons.append(f"text: {label}")
    for label in context_labels:
        if label in policy.text_delete_labels or label in policy.text_alert_labels:
            review = review or label in policy.text_delete_labels
            alert = True
            reasons.append(f"text in context: {label}")
    action: SenderAction = "none"
    ban_sender_chat = False
    if strike and sender == "user":
        action = "ban" if strikes_before + 1 >= policy.strikes_to_ban else policy.sender_action
    elif strike and sender == "channel_identity":
        ban_sender_chat = policy.sender_action != "none" or (
            strikes_before + 1 >= policy.strikes_to_ban)
    if sender != "user" and sender != "channel_identity":
        strike = False  # nobody to count it against (the chat itself posted)
    return Decision(delete, action, ban_sender_chat, alert, review, strike, tuple(reasons))


def missing_rights(chat_type: str, status: str, rights: Mapping[str, Any]) -> list[str]:
    """What the bot lacks in a chat: ``admin`` or the names of missing admin rights."""
    if chat_type == "private":
        return []
    if status not in ("administrator", "creator"):
        return ["admin"]
    return [r for r in REQUIRED_RIGHTS.get(chat_type, ()) if not rights.get(r)]


def message_link(chat_id: int, message_id: int, username: str | None = None) -> str | None:
    """A ``t.me`` link to a message: public by username, private by ``t.me/c/...``."""
    if username:
        return f"https://t.me/{username}/{message_id}"
    text = str(chat_id)
    if text.startswith("-100"):
        return f"https://t.me/c/{text[4:]}/{message_id}"
    return None  # basic groups and private chats have no message links


def chunks(ids: Sequence[int], size: int = DELETE_CHUNK) -> list[list[int]]:
    """Sorted, de-duplicated ids in chunks of at most ``size`` (for deleteMessages)."""
    ordered = sorted(set(ids))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]
