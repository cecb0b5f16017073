"""Evasion-resistant normalisation with an offset map back to the original text.

Folds case, accents, fullwidth and mathematical letters, Cyrillic/Greek look-alikes, zero-width
characters, keycap digits (``0️⃣6️⃣``), emojis used as words, spaced or dotted words
(``n u d e s``, ``c.p``, ``m*1*n*3*u*r*3*s``), leetspeak (``nud3s``, ``m1neures``,
``fot05``), masked words (``n*des``, ``p*cs``), runs of repeated letters and SMS spellings
(``qqn``, ``kelk1``, ``jveu``). Every character of the result remembers which original
characters it came from, so a match found in the normalised text points back into the message
a moderator reads.

Work is bounded per message: only the first ``MAX_CHARS`` characters are read, every pattern is
a constant that runs in linear time, and masked words are resolved by a scan, not a pattern.

Example::

    >>> n = normalise("Qui a des NUD3S ?")
    >>> n.text
    'qui a des nudes ?'
    >>> n.original_span(10, 15)
    (10, 15)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

MAX_CHARS = 4096
"""Characters of a message that are read (Telegram's own message limit); the rest is ignored."""
_MAX_FOLDED = 4 * MAX_CHARS
# Folding expands a character (an emoji word, ``ﷺ`` to 18 letters) and SMS spellings a word
# (``u`` to ``you``): the folded text, then the normalised text, are cut here.

# Look-alike letters that NFKD leaves alone (Cyrillic, Greek, a few Latin extras).
_HOMOGLYPHS: dict[str, str] = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "ո": "n", "ս": "u", "ӏ": "l", "ь": "b", "п": "n", "г": "r", "и": "u", "л": "n",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "μ": "u", "ω": "w", "ϲ": "c", "ς": "c", "σ": "o",
    "œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ı": "i",
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "·": ".", "•": ".", "․": ".",
    "√": "v", "∪": "u", "€": "€", "£": "£", "¡": "i",
}
# Emojis that stand for words in these groups; other pictographs become a space.
_EMOJI_WORDS: dict[str, str] = {
    "🍕": "pizzaemoji", "🔞": "nsfwemoji", "🍑": "sexemoji", "🍆": "sexemoji",
    "💦": "sexemoji", "👅": "sexemoji", "🥵": "sexemoji", "📸": "photo", "📷": "photo",
    "🎥": "video", "📹": "video", "📼": "video", "🔗": "lien", "📩": "mp", "📨": "mp",
    "✉": "mp", "💌": "mp", "🗺": "mapemoji", "🍼": "bebemoji", "👶": "bebemoji",
    "👧": "enfantemoji", "🧒": "enfantemoji", "👦": "enfantemoji", "🏫": "ecole",
    "💰": "argent", "💸": "argent", "💶": "argent", "💵": "argent", "📢": "annonce",
}
# Invisible characters dropped outright (zero-width, soft hyphen, variation selectors, tags).
_INVISIBLE = {0x00AD, 0x034F, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060,
              0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0xFE0E, 0xFE0F, 0x20E3}
# 0x20E3 is the keycap of ``0️⃣``: the digit stays, so written phone numbers stay numbers.

# SMS spellings and respellings folded to one canonical form (before repeats are collapsed).
_SMS: dict[str, str] = {
    "qqn": "quelqu un", "qqun": "quelqu un", "qq1": "quelqu un", "qlq1": "quelqu un",
    "qlqn": "quelqu un", "qlqun": "quelqu un", "kelk1": "quelqu un", "kelkun": "quelqu un",
    "quelqu1": "quelqu un", "quelquun": "quelqu un", "qql": "quelqu un", "kk1": "quelqu un",
    "ki": "qui", "kel": "quel", "ke": "que", "koi": "quoi", "dla": "de la",
    "ya": "y a", "yen": "y en", "jai": "j ai", "g": "j ai", "jveux": "je veux", "jveu": "je veux",
    "jcherche": "je cherche", "chui": "je suis", "jsuis": "je suis", "jvous": "je vous",
    "jpost": "je poste", "jdrop": "je drop", "jenvoie": "j envoie", "tt": "tout", "ts": "tous",
    "vs": "vous", "ns": "nous", "pr": "pour", "ds": "dans", "stp": "s il te plait",
    "svp": "s il vous plait", "plz": "please", "pls": "please", "dms": "dm",
    "nudz": "nudes", "nuds": "nudes", "nudez": "nudes",
    "noodz": "nudes", "noods": "nudes", "nudess": "nudes", "nudies": "nudes", "nds": "nudes",
    "vids": "videos", "vid": "video", "vidz": "videos", "vidos": "videos", "tof": "photo",
    "tofs": "photos", "tofz": "photos", "pics": "photos", "pic": "photo", "ficha": "fisha",
    "fichas": "fishas", "snp": "snap", "sc": "snap", "ig": "insta", "adr": "adresse",
    "dpt": "dep", "departement": "dep", "sextap": "sextape", "onlyfan": "onlyfans",
    "any1": "anyone", "some1": "someone", "u": "you", "r": "are", "ur": "your",
    "gow": "go", "p tite": "petite", "p tites": "petites", "ptite": "petite",
    "ptites": "petites", "pdo": "pedo", "pedos": "pedo", "grp": "groupe", "group": "groupe",
    "nud": "nudes", "foto": "photo", "fotos": "photos", "fotoz": "photos", "jpaye": "je paye",
    "jpaie": "je paie", "jte": "je te", "jvais": "je vais", "jlache": "je lache",
    "jbalance": "je balance", "jvend": "je vends", "jvends": "je vends", "jenvoi": "j envoie",
    "jvx": "je veux", "jvoudrais": "je voudrais", "jrecherche": "je recherche",
    "jmets": "je mets", "jpartage": "je partage", "tepu": "pute", "tepus": "putes",
    "addy": "address", "gc": "groupe", "kan": "quand", "qu1": "qui",
}
_LEET: dict[str, str] = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                         "@": "a", "$": "s", "!": "i", "|": "l"}
# Number + unit or school grade: keep digits ("15ans", "14yo", "3eme", "4e", "2nde").
_UNIT = re.compile(r"\d+(?:e|eme|em|er|ere|nd|nde|st|th|yo|y|ans?|h|k|m|min|cm|kg|eur|x|go|mo)")
_MASKABLE = ("nudes", "nude", "pute", "putes", "salope", "salopes", "sexe", "porn", "porno",
             "sextape", "mineure", "mineures", "mineurs", "pedo", "leak", "leaks", "dossiers",
             "dossier", "fisha", "photos", "photo", "pics", "tofs", "videos", "video", "vids",
             "drive", "mega", "echange", "snap", "insta", "adresse", "collegiennes",
             "lyceennes", "communaute", "detient", "sextapes", "onlyfans", "pedos")

_SPACED = re.compile(r"(?<![\w'])(?:[a-z](?: |  )){3,}[a-z](?![\w'])")
_DOTTED = re.compile(r"(?<![\w.])(?:[a-z0-9][._\-*]){1,}[a-z0-9](?:[._\-*](?=\s|$))?(?![\w])")
_SEPARATORS = str.maketrans("", "", " ._-*")  # what _SPACED and _DOTTED put between letters
_TOKEN = re.compile(r"[\w@$!|*]+")
_REPEAT = re.compile(r"([a-z])\1{2,}")
_SMS_RE = re.compile(r"(?<![\w@])(?:" + "|".join(sorted(map(re.escape, _SMS), key=len,
                                                        reverse=True)) + r")(?![\w])")


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text and, for each of its characters, the original ``[start, end)``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` of the normalised text to the original text."""
        if end <= start or not self.starts:
            return (0, 0)
        end = min(end, len(self.starts))
        return (self.starts[start], self.ends[end - 1])


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    code = ord(ch)
    if code in _INVISIBLE or 0x1F3FB <= code <= 0x1F3FF or 0xE0000 <= code <= 0xE007F:
        return ""
    if ch in _EMOJI_WORDS:
        return " " + _EMOJI_WORDS[ch] + " "
    low = ch.lower()
    if low in _HOMOGLYPHS:
        return _HOMOGLYPHS[low]
    decomposed = unicodedata.normalize("NFKD", ch)
    out = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    out = "".join(_HOMOGLYPHS.get(c, c) for c in out)
    if len(out) == 1 and not out.isascii():
        cat = unicodedata.category(out)
        if cat.startswith("S") or cat == "Co":
            return " "
        if cat.startswith("Z"):
            return " "
    return out


_FOLDED: dict[int, str] = {}
"""Code point -> folded text (apostrophes as spaces), filled as characters are met."""
_FOLDED_MAX = 1 << 16


def _fold(text: str) -> tuple[str, list[int], list[int]]:
    """Fold ``text`` character by character, keeping at most ``_MAX_FOLDED`` characters."""
    if text.isascii():
        low = text.lower().replace("'", " ").replace("`", " ")
        idx = list(range(len(text)))
        return low, idx, [i + 1 for i in idx]
    table = _FOLDED
    distinct = set(text)
    if len(table) + len(distinct) > _FOLDED_MAX:
        table.clear()  # many distinct code points: bounded memory, not a slower path
    single = True
    for ch in distinct:
        out = table.get(ord(ch))
        if out is None:
            out = (ch.lower() if ch.isascii() else _fold_char(ch)).replace("'", " ")
            table[ord(ch)] = out
        single = single and len(out) == 1
    if single:
        # Accents and look-alikes only: one character for one, the offsets stay the identity.
        idx = list(range(len(text)))
        return text.translate(table), idx, [i + 1 for i in idx]
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        for c in table[ord(ch)]:
            chars.append(c)
            starts.append(i)
            ends.append(i + 1)
    if len(chars) > _MAX_FOLDED:
        del chars[_MAX_FOLDED:], starts[_MAX_FOLDED:], ends[_MAX_FOLDED:]
    return "".join(chars), starts, ends


def _sub(pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], text: str,
         starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """``pattern.sub`` that keeps the offset map: a replaced run maps to its whole source."""
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    changed = False
    for m in pattern.finditer(text):
        a, b = m.span()
        rep = repl(m)
        if rep == m.group(0):
            continue
        changed = True
        out.append(text[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        if len(rep) == b - a:
            new_starts.extend(starts[a:b])
            new_ends.extend(ends[a:b])
        elif rep:
            new_starts.extend([starts[a]] * len(rep))
            new_ends.extend([ends[b - 1]] * len(rep))
        out.append(rep)
        pos = b
    if not changed:
        return text, starts, ends
    out.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


def _unleet(m: re.Match[str]) -> str:
    tok = m.group(0)
    if tok.isalpha() or tok.isdigit() or not any(c.isalpha() for c in tok) or tok in _SMS:
        return tok
    if "*" in tok:
        return _unmask(tok)
    body, lead = tok, ""
    if body.startswith("@"):
        lead, body = "@", body[1:]
    if _UNIT.fullmatch(body) or body.isdigit():
        return tok
    letters = sum(c.isalpha() for c in body)
    chars = list(body)
    n = len(chars)
    first_alpha = next(i for i, c in enumerate(chars) if c.isalpha())
    last_alpha = max(i for i, c in enumerate(chars) if c.isalpha())
    interior = False
    for i in range(first_alpha + 1, last_alpha):
        if chars[i] in _LEET:
            chars[i] = _LEET[chars[i]]
            interior = True
    # A short leading digit run on a real word ("1nfo"), never a number + unit ("15ans").
    if 0 < first_alpha <= 1 and letters >= 3 and all(c in _LEET for c in chars[:first_alpha]):
        for i in range(first_alpha):
            chars[i] = _LEET[chars[i]]
    # A trailing digit only when the word was already leeted ("l0l1"), never "fisha78".
    if interior and last_alpha == n - 2 and chars[-1] in _LEET:
        chars[-1] = _LEET[chars[-1]]
    # One or two trailing look-alike digits on a word ("numer0", "fot05"), not "fisha78".
    elif not interior and letters >= 3 and n - last_alpha - 1 in (1, 2) and all(
            c in "0135" for c in chars[last_alpha + 1:]):
        for i in range(last_alpha + 1, n):
            chars[i] = _LEET[chars[i]]
    return lead + "".join(chars)


def _unmask(tok: str) -> str:
    hits = [w for w in _MASKABLE if _masks(tok, w)]
    return hits[0] if len(hits) == 1 or (hits and all(h.startswith(hits[0]) for h in hits)) \
        else tok.replace("*", "")


def _masks(tok: str, word: str) -> bool:
    """True when ``word`` (``[a-z]+``) is ``tok`` with each ``*`` standing for 0-2 letters.

    A scan over the positions of ``word`` still reachable (at most ``len(word) + 1``), linear in
    ``tok``: a message is never turned into a pattern (``'*' * 60 + 'a'`` would backtrack).
    """
    if len(tok) - tok.count("*") > len(word):
        return False
    reach = {0}
    for ch in tok:
        if ch == "*":
            reach = {j + k for j in reach for k in range(3) if j + k <= len(word)}
        else:
            reach = {j + 1 for j in reach if j < len(word) and word[j] == ch}
            if not reach:
                return False
    return len(word) in reach


def _join(m: re.Match[str]) -> str:
    run = m.group(0)
    # Numbers, dates and versions ("06.39.98", "v2.0") are not words spelt out.
    if sum(c.isalpha() for c in run) < 2:
        return run
    return run.translate(_SEPARATORS)


def _collapse(m: re.Match[str]) -> str:
    return m.group(1)


def _sms(m: re.Match[str]) -> str:
    return _SMS[m.group(0)]


def normalise(text: str) -> Normalised:
    """Fold ``text[:MAX_CHARS]`` for matching; see the module docstring for what is undone."""
    s, starts, ends = _fold(text[:MAX_CHARS])
    s, starts, ends = _sub(_SPACED, _join, s, starts, ends)
    s, starts, ends = _sub(_DOTTED, _join, s, starts, ends)
    s, starts, ends = _sub(_TOKEN, _unleet, s, starts, ends)
    s, starts, ends = _sub(_REPEAT, _collapse, s, starts, ends)
    s, starts, ends = _sub(_SMS_RE, _sms, s, starts, ends)
    if len(s) > _MAX_FOLDED:
        s, starts, ends = s[:_MAX_FOLDED], starts[:_MAX_FOLDED], ends[:_MAX_FOLDED]
    return Normalised(s, tuple(starts), tuple(ends))
