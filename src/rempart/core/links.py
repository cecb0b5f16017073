"""Telegram links in message text: invites, folders, public and private chats and posts, mentions.

Pure: works on strings only. Besides the plain forms (``t.me/+HASH``, ``t.me/joinchat/HASH``,
``telegram.me``/``telegram.dog``, ``tg://join?invite=HASH``, ``t.me/addlist/SLUG``,
``t.me/<name>[/<post>]``, ``t.me/c/<chat>/<post>``, ``<name>.t.me``, ``@name``) it recognises the
obfuscated spellings people use to slip past filters (``t . me / + abc``, ``t[.]me``,
``t(dot)me``, ``t me/+abc``, full-width dots and slashes, zero-width characters). Those records
carry ``obfuscated=True``: evading a filter is itself a signal.

Example::

    >>> [(x.kind, x.url) for x in extract_links("join t . me / + AbCdEf123 now")]
    [('invite', 'https://t.me/+AbCdEf123')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

LinkKind = Literal[
    "invite", "folder", "public_chat", "public_message", "private_chat", "private_message",
    "mention", "other_url",
]
LINK_KINDS: tuple[str, ...] = (
    "invite", "folder", "public_chat", "public_message", "private_chat", "private_message",
    "mention", "other_url",
)


@dataclass(frozen=True, slots=True)
class Link:
    """One link found in a text; ``start``/``end`` index the text it was found in.

    ``url`` is canonical (``https://t.me/...``) for Telegram links, as written otherwise.
    ``target`` is the invite hash, folder slug, lowercase username or private chat id.
    """

    kind: LinkKind
    url: str
    target: str
    start: int
    end: int
    message_id: int | None = None
    obfuscated: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "url": self.url, "target": self.target, "start": self.start,
                "end": self.end, "message_id": self.message_id, "obfuscated": self.obfuscated}


# Paths under t.me that are not chats or usernames (tdesktop's internal link handlers).
_RESERVED = frozenset({
    "joinchat", "addlist", "c", "s", "share", "proxy", "socks", "addstickers", "addemoji",
    "addtheme", "login", "confirmphone", "setlanguage", "bg", "iv", "invoice", "boost",
    "contact", "giftcode", "m", "a", "k", "z", "web", "dl", "blog", "faq", "apps", "api",
    "privacy", "tos", "addpreview", "nft", "stars", "premium", "auth", "username", "i",
})
_HASH = r"[A-Za-z0-9_-]{5,64}"
_NAME = r"[A-Za-z][A-Za-z0-9_]{3,31}"

# Plain links, one alternation so each text is scanned once.
_START = r"(?:(?i:https?)://(?i:www\.)?|(?<![\w.@/-])(?i:www\.)?)"
_PLAIN = re.compile(
    _START + r"(?i:t|telegram)\.(?i:me|dog)/"
    r"(?:(?:\+|%2[bB])(?P<plus>" + _HASH + r")"
    r"|(?i:joinchat)/(?P<joinchat>" + _HASH + r")"
    r"|(?i:addlist)/(?P<addlist>" + _HASH + r")"
    r"|c/(?P<cid>\d{1,20})(?:/(?P<cpost1>\d{1,12}))?(?:/(?P<cpost2>\d{1,12}))?"
    r"|s/(?P<sname>" + _NAME + r")(?:/(?P<spost>\d{1,12}))?"
    r"|(?P<name>" + _NAME + r")(?:/(?P<post1>\d{1,12}))?(?:/(?P<post2>\d{1,12}))?"
    r")(?![A-Za-z0-9_-])"
    r"|" + _START + r"(?P<sub>" + _NAME + r")\.(?i:t\.me)\b(?!\.)"
    r"|(?i:tg)://(?P<tg>[A-Za-z]+)\?(?P<tgq>[A-Za-z0-9_=&%.+-]+)"
    r"|(?<![\w@./])@(?P<mention>" + _NAME + r")(?![A-Za-z0-9_]|\.[A-Za-z])"
    r"|(?P<url>(?:(?i:https?)://|(?<![\w.@/-])(?i:www)\.)[^\s<>\"'«»“”]+)",
)

# Obfuscated hosts: separators other than a plain dot, spaces around dots and slashes.
_DOT = r"(?:\s*(?:\.|。|．|｡|·|•|,|\[\s*(?:\.|dot)\s*\]|\(\s*(?:\.|dot)\s*\)|\{\s*(?:\.|dot)\s*\})\s*|\s+dot\s+|\s+)"  # noqa: E501
_SLASH = r"\s*(?:/|／|∕|\\|\[\s*/\s*\]|\(\s*/\s*\))\s*"
_OBFUSCATED = re.compile(
    r"(?<![A-Za-z0-9])(?:https?\s*:\s*//\s*)?(?:t|telegram)" + _DOT + r"(?:me|dog)" + _SLASH
    + r"(?:(?:\+|＋|%2[bB])\s*(?P<plus>" + _HASH + r")"
    r"|joinchat" + _SLASH + r"(?P<joinchat>" + _HASH + r")"
    r"|addlist" + _SLASH + r"(?P<addlist>" + _HASH + r")"
    r"|c" + _SLASH + r"(?P<cid>\d{1,20})(?:" + _SLASH + r"(?P<cpost1>\d{1,12}))?"
    r"(?:" + _SLASH + r"(?P<cpost2>\d{1,12}))?"
    r"|(?P<name>" + _NAME + r")(?:" + _SLASH + r"(?P<post1>\d{1,12}))?"
    r"(?:" + _SLASH + r"(?P<post2>\d{1,12}))?"
    r")(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
# Characters inserted or substituted to break naive matching; removed/mapped before matching.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_SUSPECT = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff．｡／＋ｔｍｅＴＭＥ]")
_FOLD = str.maketrans({"．": ".", "｡": ".", "／": "/", "＋": "+", "ｔ": "t", "ｍ": "m", "ｅ": "e",
                       "Ｔ": "t", "Ｍ": "m", "Ｅ": "e"})
_TRAILING = ".,;:!?)]}'\"»”…"


def extract_links(text: str, *,
                  hrefs: Sequence[tuple[str, int, int]] = ()) -> tuple[Link, ...]:
    """Every link in ``text`` and in ``hrefs`` (``(url, start, end)`` of hidden link targets).

    Records are deduplicated on ``(kind, url)`` (the first occurrence wins) and sorted by start.
    """
    if not hrefs and not _may_have_links(text):
        return ()
    found: dict[tuple[str, str], Link] = {}

    def add(link: Link | None) -> None:
        if link is not None and (link.kind, link.url) not in found:
            found[(link.kind, link.url)] = link

    for m in _PLAIN.finditer(text):
        add(_from_plain(m, m.start(), m.end(), obfuscated=False, span_fixed=False))
    for href, start, end in hrefs:
        for m in _PLAIN.finditer(href):
            add(_from_plain(m, start, end, obfuscated=False, span_fixed=True))
    clean, index = _normalised(text)

    def span(m: re.Match[str]) -> tuple[int, int]:
        if index is None:
            return m.start(), m.end()
        return index[m.start()], index[m.end() - 1] + 1

    if index is not None:
        for m in _PLAIN.finditer(clean):
            add(_from_plain(m, *span(m), obfuscated=True, span_fixed=True))
    for m in _OBFUSCATED.finditer(clean):
        add(_from_match(m.groupdict(), *span(m), True))
    return tuple(sorted(found.values(), key=lambda x: (x.start, x.end, x.kind)))


def _may_have_links(text: str) -> bool:
    """A cheap test that rules out most link-free texts before the regular expressions run."""
    if "/" in text or "@" in text or "\\" in text:
        return True
    if text.isascii():
        lower = text.lower()
        return "t.me" in lower or "www." in lower
    return True


def canonical_message_link(chat: str | int, message_id: int) -> str:
    """``https://t.me/<username>/<id>`` for a username, ``https://t.me/c/<id>/<id>`` for a chat id.

    >>> canonical_message_link(-1001234567890, 5)
    'https://t.me/c/1234567890/5'
    """
    if isinstance(chat, int):
        return f"https://t.me/c/{bare_channel_id(chat)}/{message_id}"
    return f"https://t.me/{chat.lstrip('@').lower()}/{message_id}"


def bare_channel_id(chat_id: int) -> int:
    """The id used in ``t.me/c/...`` links: Bot API's ``-100`` prefix removed.

    >>> bare_channel_id(-1001234567890), bare_channel_id(1234567890)
    (1234567890, 1234567890)
    """
    if chat_id < 0:
        digits = str(-chat_id)
        return int(digits[3:]) if digits.startswith("100") and len(digits) > 3 else -chat_id
    return chat_id


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """``text`` without invisible characters and with look-alikes folded, and an index map
    from the cleaned text back to ``text`` (``None`` when nothing changed)."""
    if text.isascii() or not _SUSPECT.search(text):
        return text, None
    index: list[int] = []
    out: list[str] = []
    for i, ch in enumerate(text):
        if _INVISIBLE.match(ch):
            continue
        out.append(ch.translate(_FOLD))
        index.append(i)
    index.append(len(text))
    return "".join(out), index


def _from_plain(m: re.Match[str], start: int, end: int, *, obfuscated: bool,
                span_fixed: bool) -> Link | None:
    g = m.groupdict()
    url = g["url"]
    if url is not None:
        trimmed = url.rstrip(_TRAILING)
        if len(trimmed) < len("www.a.b"):
            return None
        if not span_fixed:
            end -= len(url) - len(trimmed)
        return Link("other_url", trimmed, _host(trimmed), start, end, None, obfuscated)
    if g["tg"] is not None:
        return _from_tg(g["tg"], g["tgq"], start, end, obfuscated)
    if g["mention"] is not None:
        name = g["mention"].lower()
        return Link("mention", f"https://t.me/{name}", name, start, end, None, obfuscated)
    if g["sub"] is not None:
        name = g["sub"].lower()
        if name in _RESERVED or name == "www":
            return None
        return Link("public_chat", f"https://t.me/{name}", name, start, end, None, obfuscated)
    return _from_match(g, start, end, obfuscated)


def _from_match(g: dict[str, str | None], start: int, end: int, obfuscated: bool) -> Link | None:
    invite = g.get("plus") or g.get("joinchat")
    if invite is not None:
        if invite.isdigit():  # t.me/+<digits> opens a chat by phone number, not an invite
            return Link("other_url", f"https://t.me/+{invite}", invite, start, end, None,
                        obfuscated)
        return Link("invite", f"https://t.me/+{invite}", invite, start, end, None, obfuscated)
    if g.get("addlist") is not None:
        slug = str(g["addlist"])
        return Link("folder", f"https://t.me/addlist/{slug}", slug, start, end, None, obfuscated)
    if g.get("cid") is not None:
        cid = str(int(str(g["cid"])))
        post = g.get("cpost2") or g.get("cpost1")
        if post is None:
            return Link("private_chat", f"https://t.me/c/{cid}", cid, start, end, None, obfuscated)
        return Link("private_message", f"https://t.me/c/{cid}/{int(post)}", cid, start, end,
                    int(post), obfuscated)
    name = g.get("name") or g.get("sname")
    if name is None:
        return None
    name = name.lower()
    if name in _RESERVED:  # t.me/share/..., t.me/proxy?...: Telegram links, not chats
        return Link("other_url", f"https://t.me/{name}", name, start, end, None, obfuscated)
    post = g.get("post2") or g.get("post1") or g.get("spost")
    if post is None:
        return Link("public_chat", f"https://t.me/{name}", name, start, end, None, obfuscated)
    return Link("public_message", f"https://t.me/{name}/{int(post)}", name, start, end,
                int(post), obfuscated)


def _from_tg(action: str, query: str, start: int, end: int, obfuscated: bool) -> Link | None:
    q = {k: v[0] for k, v in parse_qs(query).items()}
    action = action.lower()
    if action == "join" and "invite" in q:
        return _from_match({"plus": q["invite"]}, start, end, obfuscated)
    if action == "addlist" and "slug" in q:
        return _from_match({"addlist": q["slug"]}, start, end, obfuscated)
    if action == "resolve" and "domain" in q and re.fullmatch(_NAME, q["domain"]):
        post = q.get("post")
        return _from_match({"name": q["domain"], "post1": post if post and post.isdigit()
                            else None}, start, end, obfuscated)
    if action == "privatepost" and q.get("channel", "").isdigit():
        post = q.get("post")
        return _from_match({"cid": q["channel"], "cpost1": post if post and post.isdigit()
                            else None}, start, end, obfuscated)
    return Link("other_url", f"tg://{action}?{query}", action, start, end, None, obfuscated)


def _host(url: str) -> str:
    try:
        return urlsplit(url if "://" in url else "http://" + url).hostname or ""
    except ValueError:
        return ""
