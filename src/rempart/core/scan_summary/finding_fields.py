"""What the summary reads from one finding: chat key and name, sender, flagged text.

Example::

    >>> chat_key({"platform": "telegram", "chat_id": -1001234})
    'telegram:1234'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rempart.core.scan_summary.records import FlaggedSpan, Solicitation


def solicitation_of(finding: Mapping[str, Any], excerpt_chars: int = 1000) -> Solicitation | None:
    """The ``Solicitation`` record of a finding whose text carries labels, else ``None``."""
    text = finding.get("text") or {}
    labels = tuple(str(x) for x in text.get("labels") or ())
    if not labels:
        return None
    src = finding.get("source") or {}
    excerpt = finding.get("text_excerpt")
    excerpt = None if excerpt is None else str(excerpt)[:excerpt_chars]
    spans = tuple(FlaggedSpan(int(s["start"]), int(s["end"]), str(s.get("label", "")),
                              str(s.get("reason", "")))
                  for s in text.get("spans") or () if "start" in s and "end" in s)
    return Solicitation(
        chat_key(src), chat_name(src), src.get("message_id"), src.get("date_utc"),
        bool(src.get("date_is_local")), sender(src), src.get("link"), labels,
        {str(k): float(v) for k, v in (text.get("scores") or {}).items()}, spans, excerpt)


def chat_key(src: Mapping[str, Any]) -> str:
    """A chat's identity across exports: Telegram's bare chat id when known."""
    platform = str(src.get("platform") or "telegram")
    if platform == "telegram" and src.get("chat_id") is not None:
        return f"telegram:{bare_chat_id(int(src['chat_id']))}"
    if platform == "telegram":
        return f"telegram:{src.get('export', '')}:{src.get('chat_name') or ''}"
    return f"{platform}:{src.get('export', '')}"


def chat_name(src: Mapping[str, Any]) -> str:
    """The chat's name, else its id, else the export's."""
    if src.get("chat_name"):
        return str(src["chat_name"])
    if src.get("chat_id") is not None:
        return f"chat {src['chat_id']}"
    return str(src.get("export") or "(unnamed)")


def sender(src: Mapping[str, Any]) -> str | None:
    """``name (id)``, or whichever of the two is known."""
    name, sid = src.get("sender_name"), src.get("sender_id")
    if name and sid:
        return f"{name} ({sid})"
    return str(name or sid) if (name or sid) else None


def bare_chat_id(chat_id: int | None) -> int | None:
    """A Telegram chat id without the ``-100`` prefix (as ``t.me/c/<id>`` links write it)."""
    if chat_id is None or chat_id >= 0:
        return chat_id
    digits = str(-chat_id)
    return int(digits[3:]) if digits.startswith("100") and len(digits) > 3 else -chat_id
