"""Rules over the word classes: which label the grammar supports, how strongly, and why.

A rule names the word classes that made it fire; their matches are the spans a moderator sees.
Honest contexts (victims asking for help, reports, news and law) switch rules off and are
also handed to the model as features.

Example::

    >>> from rempart.core.text.normalise import normalise
    >>> e = analyse(normalise("qui a des nudes de la meuf du 93 ?").text)
    >>> e.fired["ncii_request"].name
    'request+content+target'
"""

from __future__ import annotations

from dataclasses import dataclass

from rempart.core.text.lexicon import CLASSES

_ORDER = tuple(CLASSES)
_PAIRED = ("request", "offer", "exchange", "content", "content_weak", "target", "locator",
           "channel", "link", "minor", "csam_code", "sexual", "pii", "harass", "help", "report",
           "news", "nonconsent", "missing", "parent", "group", "grooming", "payment")
# "folder" is not here: in English it is nearly always a colleague's.
_INTIMATE_WEAK = frozenset({"dossiers", "dossier", "doss", "bails", "fiche"})
_INSULTS = frozenset({"salope", "salopes", "pute", "putes", "cette salope", "cette pute"})
_SOFT_CODES = frozenset({"cp", "pt", "pizzaemoji", "cheese pizza", "cheesepizza"})
_COMMERCE = frozenset({"vends", "vend", "a vendre", "dispo", "disponible", "crypto", "btc",
                       "paysafecard", "pcs", "paypal", "prix", "collection", "collec", "hmu",
                       "hit me up", "dm for", "mp pour", "dm pour", "selling", "for sale"})
# Asking a child's age is grooming only beside something else (secrecy, gifts, a camera).
_AGE_QUESTIONS = frozenset({"quel age", "how old", "what grade", "quelle classe"})
# Identifiers that are only context: someone's family, job or "find".
_SOFT_PII = frozenset({"pere", "mere", "famille", "parents", "copain", "son mec", "travaille",
                       "bosse", "boulot", "taf", "employeur", "patron", "boss", "compte", "nom",
                       "prenom", "find", "lives", "works", "school", "trouve", "retrouve",
                       "identite", "qui c est", "c est qui", "vit", "habite", "sa mere",
                       "sa soeur", "son frere", "son pere", "ses parents", "sa famille"})
_FEMALE = frozenset({"elle", "d elle", "de elle", "sur elle", "her", "she"})
_STRONG_MINOR_PREFIX = ("mineur", "moins de 18", "-1", "under", "pedo", "childporn",
                        "child porn", "kiddie", "preteen")


@dataclass(frozen=True, slots=True)
class Rule:
    """One fired rule: its name, strength (0-1) and the classes whose matches explain it."""

    name: str
    score: float
    classes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Matches per word class (normalised offsets), fired rules per label, model features."""

    hits: dict[str, tuple[tuple[int, int, str], ...]]
    fired: dict[str, Rule]
    features: tuple[str, ...]
    gates: frozenset[str] = frozenset()
    """Labels the model may propose without a rule (the grammar's minimum is present)."""
    honest: bool = False
    """A victim, a report, news or prevention speaks: the model alone does not label it."""


# Classes that only qualify a message: skipped when nothing suspicious matched (most chat).
_CONTEXT = ("help", "report", "news", "nude_ok", "leak_ok", "art", "dossier_ok", "bails_ok",
            "missing", "parent", "harass", "nonconsent", "sexual", "locator", "group", "channel",
            "grooming", "payment")
_CUES = tuple(n for n in _ORDER if n not in _CONTEXT)
_CUE_FINDERS = tuple((n, CLASSES[n].finditer) for n in _CUES)
_CONTEXT_FINDERS = tuple((n, CLASSES[n].finditer) for n in _CONTEXT)
_TRIGGERS = ("content", "content_weak", "minor", "csam_code", "pii", "link", "offer",
             "exchange")


def _find(text: str) -> dict[str, tuple[tuple[int, int, str], ...]]:
    hits: dict[str, tuple[tuple[int, int, str], ...]] = {}
    for name, finditer in _CUE_FINDERS:
        found = [(m.start(), m.end(), m.group()) for m in finditer(text)]
        if found:
            hits[name] = tuple(found)
    if any(t in hits for t in _TRIGGERS):
        for name, finditer in _CONTEXT_FINDERS:
            found = [(m.start(), m.end(), m.group()) for m in finditer(text)]
            if found:
                hits[name] = tuple(found)
    return hits


def _words(hits: dict[str, tuple[tuple[int, int, str], ...]], name: str) -> set[str]:
    return {w for _, _, w in hits.get(name, ())}


def analyse(text: str) -> Evidence:
    """Run every word class and rule on NORMALISED ``text``."""
    hits = _find(text)
    has = hits.__contains__
    honest = has("help") or has("report") or has("news")
    weak = _words(hits, "content_weak")
    intimate_weak = bool(weak & _INTIMATE_WEAK) and not has("dossier_ok") and not has("bails_ok")
    nude_only = _words(hits, "content") <= {"nude", "nu", "nue", "nus", "nues"}
    benign_nude = nude_only and (has("nude_ok") or has("art"))
    content_words = _words(hits, "content")
    benign_leak = bool(content_words) and has("leak_ok") and all(
        w.startswith("leak") for w in content_words)
    content = has("content") and not benign_nude and not benign_leak
    intimate = content or intimate_weak or (bool(weak) and (has("sexual") or has("nonconsent")))
    ask = has("request")
    give = has("offer") or has("exchange")
    codes = _words(hits, "csam_code")
    hard_code = bool(codes - _SOFT_CODES)
    minors = _words(hits, "minor")
    strong_minor = any(w.startswith(_STRONG_MINOR_PREFIX) or w[:2].isdigit() for w in minors)
    trade = ask or give or has("channel") or has("link") or has("group")
    # Coded words (cp, pizza) need a real trade context: private channel, link, swap, sale.
    code_trade = ask or has("exchange") or has("channel") or has("link") or has("group") or bool(
        _words(hits, "offer") & _COMMERCE)
    about_her = bool(_words(hits, "target") - {"ex"}) and not has("parent")
    intimate_any = intimate or (bool(weak) and about_her and (ask or give))
    pii = _words(hits, "pii") | {w for w in _words(hits, "locator") if not w.startswith("du ")}
    insult = bool(_words(hits, "target") & _INSULTS)
    gates: set[str] = set()
    if not honest and intimate_any:
        gates |= {"ncii_request", "ncii_share"}
    # A missing-person appeal names a minor and asks to share: never a trade by itself.
    minor_context = minors and not has("missing") and (
        intimate_any or has("sexual") or trade or weak or has("grooming"))
    if not has("parent") and (hard_code or (codes and code_trade) or minor_context) and (
            not honest or hard_code):
        gates.add("child_exploitation")
    if _words(hits, "pii") and not has("missing") and not honest and (
            has("harass") or intimate_any or has("sexual") or insult or len(pii) >= 2):
        gates.add("doxxing")
    if has("link") and not honest and (intimate_any or codes or minors or "fisha" in text):
        gates.add("group_promotion")
    fired: dict[str, Rule] = {}

    def fire(label: str, name: str, score: float, *classes: str) -> None:
        if label not in fired or fired[label].score < score:
            fired[label] = Rule(name, score, tuple(c for c in classes if has(c)))

    if not honest:
        if ask and intimate:
            if has("target") or has("locator"):
                fire("ncii_request", "request+content+target", 0.95,
                     "request", "content", "content_weak", "target", "locator")
            else:
                fire("ncii_request", "request+content", 0.7, "request", "content", "content_weak")
        # Paying for, or selling, pictures of a woman: a trade even in plain words.
        paid = has("payment") and bool(weak) and (about_her or intimate)
        if paid and ask and not give:
            fire("ncii_request", "payment+content", 0.9, "request", "payment", "content_weak",
                 "target")
        elif paid and give and not ask:
            fire("ncii_share", "payment+content", 0.9, "offer", "payment", "content_weak",
                 "target")
        if give and intimate:
            fire("ncii_share", "offer+content", 0.9 if has("target") or content else 0.75,
                 "offer", "exchange", "content", "content_weak", "target")
        if has("nonconsent") and (content or weak) and not has("missing"):
            fire("ncii_share", "nonconsent+content", 0.85, "nonconsent", "content",
                 "content_weak")
        if hard_code:
            fire("child_exploitation", "csam-code", 0.95, "csam_code")
        elif codes and code_trade and not has("parent"):
            fire("child_exploitation", "coded-minor+trade", 0.9, "csam_code", "request",
                 "offer", "exchange", "channel", "link")
        if minors and not has("parent") and not has("missing"):
            if content or (has("sexual") and (weak or ask or give)):
                fire("child_exploitation", "minor+sexual-content", 0.9, "minor", "content",
                     "sexual", "content_weak")
            elif weak and (ask or give or has("channel")):
                fire("child_exploitation", "minor+content+trade", 0.9 if strong_minor else 0.75,
                     "minor", "content_weak", "request", "offer", "exchange", "channel")
            elif _words(hits, "grooming") - _AGE_QUESTIONS and not honest:
                fire("child_exploitation", "minor+grooming", 0.9, "minor", "grooming")
            elif strong_minor and (give or has("channel") or has("link") or has("group")):
                fire("child_exploitation", "minor+group/trade", 0.85, "minor", "group", "link",
                     "channel", "offer", "exchange")
        groom = _words(hits, "grooming")
        if not minors and len(groom) >= 2 and ask and (weak or content) and not has("parent"):
            fire("child_exploitation", "grooming+request", 0.9, "grooming", "request",
                 "content_weak", "content")
        # Child exploitation that asks for, or offers, pictures is also an NCII request/share.
        child = fired.get("child_exploitation")
        if child and child.score >= 0.9 and (content or weak or codes):
            if ask:
                fire("ncii_request", "child+request", 0.9, "request", "content", "content_weak")
            if give:
                fire("ncii_share", "child+offer", 0.9, "offer", "exchange", "content",
                     "content_weak")
        if has("pii") and not has("missing"):
            if has("harass"):
                fire("doxxing", "identity+harassment", 0.9, "pii", "harass", "target")
            elif ask and has("target") and (intimate or has("sexual")):
                fire("doxxing", "identity-request+target", 0.7, "pii", "request", "target")
            elif len(pii - _SOFT_PII) >= 1 and len(pii) >= 3 and (
                    ask or give or has("target") or has("harass")):
                fire("doxxing", "many-identifiers", 0.9, "pii", "target", "harass")
            elif len(pii) >= 2 and (ask or give):
                fire("doxxing", "several-identifiers", 0.7, "pii", "request", "offer")
        if has("link") and (intimate or codes or strong_minor or "fisha" in text):
            fire("group_promotion", "invite+harmful-context", 0.9, "link", "content",
                 "content_weak", "csam_code", "minor")
        elif has("link") and fired:
            fire("group_promotion", "invite+harmful-label", 0.8, "link")

    features = [f"c:{n}" for n in hits]
    present = [n for n in _PAIRED if n in hits]
    features += [f"c:{a}&{b}" for i, a in enumerate(present) for b in present[i + 1:]]
    features += [f"r:{label}" for label in fired]
    features += [f"r:{label}:{rule.name}" for label, rule in fired.items()]
    if honest:
        features.append("c:honest")
    if benign_nude:
        features.append("c:benign_nude")
    if benign_leak:
        features.append("c:benign_leak")
    features += [f"g:{label}" for label in sorted(gates)]
    return Evidence(hits, fired, tuple(features), frozenset(gates | set(fired)), honest)
