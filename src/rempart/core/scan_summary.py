"""From scan findings to what an association acts on: totals, timelines, link graph, risk.

Pure and incremental: ``Summarizer.add(finding)`` folds one finding (the JSON-ready dict of a
``rempart scan --jsonl`` line) into bounded state, ``result()`` builds a ``ScanSummary``. A
100k-message scan keeps per chat counters and capped lists, per banked content the first sighting
in each chat and the earliest ``max_sightings`` sightings, never all findings.

Risk score of a chat (the formula is stable enough to explain to a reader; weights below)::

    score = 10 × Σ policy weight of each distinct banked content seen in the chat
                 (block 1.0, review 0.6, alert 0.3)
          +  2 × matched messages beyond the first of each content (reposts)
          +  5 × contents first seen in this chat and later seen in another chat (a source)
          +  3 × contents that arrived here within 7 days of their first sighting elsewhere
          +  Σ label weight × messages carrying the text label
                 (child_exploitation 8, ncii_share 4, ncii_request 3, doxxing 3,
                  group_promotion 1)
          +  2 × distinct other groups advertised (invite, folder, public or private chat links)
          +  0.5 × distinct senders involved (at most 20 counted)

Dates: ``date_utc`` ending in ``Z`` is UTC; old exports' local dates (``date_is_local``) are
ordered as if they were UTC, and chats holding such dates say so (``dates_local``): their delays
are approximate by the exporting machine's UTC offset.

Example::

    >>> f = {"source": {"platform": "telegram", "export": "e", "chat_name": "Groupe A",
    ...      "chat_id": 1, "message_id": 2, "date_utc": "2024-01-01T10:00:00Z"},
    ...      "matches": [{"bank": "b", "entry": 1, "content_group": "g", "signal": "pdq",
    ...                   "distance": 4, "labels": [], "policy": "block"}], "links": []}
    >>> s = summarize([f])
    >>> s.totals.matched_messages, s.chats[0].score
    (1, 10.0)
"""

from __future__ import annotations

import heapq
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime
from typing import Any

SOLICITATION_WEIGHTS: dict[str, float] = {
    "child_exploitation": 8.0, "ncii_share": 4.0, "ncii_request": 3.0, "doxxing": 3.0,
    "group_promotion": 1.0,
}
POLICY_WEIGHTS: dict[str, float] = {"block": 1.0, "review": 0.6, "alert": 0.3}
BANKED_POINTS, REPOST_POINTS, ORIGIN_POINTS, FAST_POINTS = 10.0, 2.0, 5.0, 3.0
ADVERTISED_POINTS, SENDER_POINTS, SENDERS_COUNTED = 2.0, 0.5, 20
FAST_ARRIVAL_SECONDS = 7 * 86400
COMPONENT_NAMES: dict[str, str] = {
    "banked": "banked images", "reposts": "reposts of banked images",
    "origin": "content first seen here", "fast_arrivals": "content arriving fast from elsewhere",
    "solicitations": "solicitations", "advertising": "links to other groups",
    "senders": "senders involved",
}
# Link kinds that point at another chat; mentions count only when they name a chat of the scan.
_CHAT_LINKS = {"invite": "invite", "folder": "folder", "public_chat": "public",
               "public_message": "public", "private_chat": "private", "private_message": "private",
               "mention": "mention"}
_PUBLIC_LINK = re.compile(r"^https://t\.me/(?!c/)([A-Za-z][A-Za-z0-9_]{3,31})/\d+$")


@dataclass(frozen=True, slots=True)
class Sighting:
    """One message carrying a banked content."""

    chat_key: str
    chat_name: str
    date_utc: str | None
    date_is_local: bool
    message_id: int | None
    link: str | None
    sender: str | None
    forwarded_from: str | None
    signal: str
    distance: int
    path: str | None


@dataclass(frozen=True, slots=True)
class ChatPresence:
    """A banked content in one chat: when first and last seen, and how long after it was first
    seen anywhere (``delay_seconds``; ``None`` when undated, 0 for the chat where it started)."""

    chat_key: str
    chat_name: str
    first_seen: str | None
    last_seen: str | None
    sightings: int
    delay_seconds: float | None


@dataclass(frozen=True, slots=True)
class ContentTimeline:
    """Where one banked content (bank + content group) circulated, in date order.

    ``sightings`` holds the first sighting in every chat and the earliest others up to the cap;
    ``omitted`` counts the rest.
    """

    bank: str
    content_group: str
    entries: tuple[int, ...]
    labels: tuple[str, ...]
    policy: str
    first_seen: str | None
    last_seen: str | None
    total_sightings: int
    chats: tuple[ChatPresence, ...]
    sightings: tuple[Sighting, ...]
    omitted: int


@dataclass(frozen=True, slots=True)
class FlaggedSpan:
    """``text_excerpt[start:end]`` explains ``label``."""

    start: int
    end: int
    label: str
    reason: str


@dataclass(frozen=True, slots=True)
class Solicitation:
    """A message whose text the classifier labelled."""

    chat_key: str
    chat_name: str
    message_id: int | None
    date_utc: str | None
    date_is_local: bool
    sender: str | None
    link: str | None
    labels: tuple[str, ...]
    scores: dict[str, float]
    spans: tuple[FlaggedSpan, ...]
    text_excerpt: str | None


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A chat of the scan (``kind="chat"``) or an advertised target outside it."""

    id: str
    label: str
    kind: str
    chat_key: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """``source`` advertises ``target`` in ``count`` links."""

    source: str
    target: str
    count: int
    kinds: tuple[str, ...]
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True, slots=True)
class LinkGraph:
    """Which chat advertises which group."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


@dataclass(frozen=True, slots=True)
class ChatRisk:
    """One chat's findings, its score, the points behind it and the reasons in plain words."""

    rank: int
    chat_key: str
    name: str
    chat_type: str | None
    platform: str
    chat_id: int | None
    username: str | None
    messages_with_findings: int
    matched_messages: int
    banked_contents: int
    originated_contents: int
    fast_arrivals: int
    solicitation_messages: int
    solicitations: dict[str, int]
    links_out: int
    groups_advertised: int
    distinct_senders: int
    forwarded_share: float | None
    median_arrival_seconds: float | None
    first_seen: str | None
    last_seen: str | None
    dates_local: bool
    score: float
    components: dict[str, float]
    reasons: tuple[str, ...]
    ranking_reason: str


@dataclass(frozen=True, slots=True)
class Totals:
    """Counts over the whole scan; ``first_seen``/``last_seen`` span harmful findings."""

    findings: int
    messages_with_findings: int
    matched_messages: int
    match_records: int
    banked_contents: int
    solicitation_messages: int
    solicitations: dict[str, int]
    links_by_kind: dict[str, int]
    media_errors: dict[str, int]
    chats: int
    chats_with_matches: int
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """Everything a report needs; chats are ranked (report the first one first)."""

    scan_ids: tuple[str, ...]
    totals: Totals
    chats: tuple[ChatRisk, ...]
    timelines: tuple[ContentTimeline, ...]
    graph: LinkGraph
    solicitations: tuple[Solicitation, ...]
    limits: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``{"summary": ...}`` line of ``rempart scan --jsonl``)."""
        out = _plain(self)
        assert isinstance(out, dict)
        return out


def summarize(findings: Iterable[Mapping[str, Any]], **limits: int) -> ScanSummary:
    """The summary of ``findings`` (keyword arguments are ``Summarizer`` caps)."""
    s = Summarizer(**limits)
    for f in findings:
        s.add(f)
    return s.result()


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
        _chat_key(src), _chat_name(src), src.get("message_id"), src.get("date_utc"),
        bool(src.get("date_is_local")), _sender(src), src.get("link"), labels,
        {str(k): float(v) for k, v in (text.get("scores") or {}).items()}, spans, excerpt)


class _Date:
    """A sortable instant: undated items sort last."""

    __slots__ = ("key", "local", "text")

    def __init__(self, text: str | None, local: bool) -> None:
        self.text, self.local = text, local
        self.key = float("inf")
        if text:
            try:
                d = datetime.fromisoformat(text)
            except ValueError:
                return
            self.key = (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()

    @property
    def dated(self) -> bool:
        return self.key != float("inf")


class _Presence:
    __slots__ = ("count", "first", "first_seq", "first_sighting", "last")

    def __init__(self, when: _Date, seq: int, sighting: Sighting) -> None:
        self.first = self.last = when
        self.first_seq, self.first_sighting, self.count = seq, sighting, 0


@dataclass(slots=True)
class _Content:
    bank: str
    group: str
    entries: set[int] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    policy: str = "alert"
    total: int = 0
    per_chat: dict[str, _Presence] = field(default_factory=dict)
    heap: list[tuple[float, int, Sighting]] = field(default_factory=list)  # max-heap, negated


@dataclass(slots=True)
class _Edge:
    count: int = 0
    kinds: set[str] = field(default_factory=set)
    first: _Date | None = None
    last: _Date | None = None


@dataclass(slots=True)
class _Chat:
    key: str
    name: str
    chat_type: str | None
    platform: str
    chat_id: int | None
    username: str | None = None
    messages: int = 0
    matched: int = 0
    forwarded: int = 0
    solicitation_messages: int = 0
    solicitations: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[float, int, Solicitation]] = field(default_factory=list)
    targets: dict[tuple[str, str], _Edge] = field(default_factory=dict)
    mentions: dict[tuple[str, str], _Edge] = field(default_factory=dict)
    senders: set[str] = field(default_factory=set)
    first: _Date | None = None
    last: _Date | None = None
    dates_local: bool = False


class Summarizer:
    """Folds findings one at a time; memory is bounded by the caps, not by the message count."""

    def __init__(self, *, max_sightings_per_content: int = 50, max_examples_per_chat: int = 20,
                 max_targets_per_chat: int = 500, max_senders_per_chat: int = 10_000,
                 max_entries_per_content: int = 20, excerpt_chars: int = 1000) -> None:
        self.limits = {"max_sightings_per_content": max_sightings_per_content,
                       "max_examples_per_chat": max_examples_per_chat,
                       "max_targets_per_chat": max_targets_per_chat,
                       "max_senders_per_chat": max_senders_per_chat,
                       "max_entries_per_content": max_entries_per_content,
                       "excerpt_chars": excerpt_chars}
        self._seq = 0
        self._scan_ids: set[str] = set()
        self._chats: dict[str, _Chat] = {}
        self._contents: dict[tuple[str, str], _Content] = {}
        self._totals: Counter[str] = Counter()
        self._labels: Counter[str] = Counter()
        self._links: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._first: _Date | None = None
        self._last: _Date | None = None

    def add(self, finding: Mapping[str, Any]) -> None:
        """Fold one finding into the summary."""
        self._seq += 1
        seq = self._seq
        if finding.get("scan_id") and len(self._scan_ids) < 100:
            self._scan_ids.add(str(finding["scan_id"]))
        src = finding.get("source") or {}
        chat = self._chat(src)
        when = _Date(src.get("date_utc"), bool(src.get("date_is_local")))
        matches = [m for m in finding.get("matches") or () if isinstance(m, Mapping)]
        links = [x for x in finding.get("links") or () if isinstance(x, Mapping)]
        solicitation = solicitation_of(finding, self.limits["excerpt_chars"])
        media = finding.get("media") or {}
        self._totals["findings"] += 1
        if media.get("error"):
            kind = str(media["error"]).split(":", 1)[0].strip()[:40] or "error"
            self._errors[kind] += 1
        if not (matches or links or solicitation):
            return
        self._totals["messages_with_findings"] += 1
        chat.messages += 1
        sender = _sender(src)
        if sender and len(chat.senders) < self.limits["max_senders_per_chat"]:
            chat.senders.add(sender)
        if matches or solicitation:
            chat.first, chat.last = _earliest(chat.first, when), _latest(chat.last, when)
            self._first, self._last = _earliest(self._first, when), _latest(self._last, when)
            chat.dates_local |= when.local
        if matches:
            self._add_matches(chat, src, media, matches, when, seq)
        if solicitation:
            self._add_solicitation(chat, solicitation, seq)
        for link in links:
            self._add_link(chat, link, when)

    def _chat(self, src: Mapping[str, Any]) -> _Chat:
        key = _chat_key(src)
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat(key, _chat_name(src), src.get("chat_type"),
                                            str(src.get("platform") or "telegram"),
                                            src.get("chat_id"))
        if chat.username is None:
            m = _PUBLIC_LINK.match(str(src.get("link") or ""))
            chat.username = m.group(1).lower() if m else None
        return chat

    def _add_matches(self, chat: _Chat, src: Mapping[str, Any], media: Mapping[str, Any],
                     matches: list[Mapping[str, Any]], when: _Date, seq: int) -> None:
        self._totals["matched_messages"] += 1
        self._totals["match_records"] += len(matches)
        chat.matched += 1
        chat.forwarded += bool(src.get("forwarded_from") or src.get("forwarded_from_id"))
        best: dict[tuple[str, str], Mapping[str, Any]] = {}
        for m in matches:
            key = (str(m.get("bank", "")), str(m.get("content_group") or f"entry:{m.get('entry')}"))
            if key not in best or int(m.get("distance", 0)) < int(best[key].get("distance", 0)):
                best[key] = m
            content = self._contents.get(key)
            if content is None:
                content = self._contents[key] = _Content(*key)
            if len(content.entries) < self.limits["max_entries_per_content"] and m.get("entry") \
                    is not None:
                content.entries.add(int(m["entry"]))
            content.labels.update(str(x) for x in m.get("labels") or ())
            policy = str(m.get("policy") or "alert")
            if POLICY_WEIGHTS.get(policy, 0.0) > POLICY_WEIGHTS.get(content.policy, 0.0):
                content.policy = policy
        for key, m in best.items():
            sighting = Sighting(chat.key, chat.name, when.text, when.local, src.get("message_id"),
                                src.get("link"), _sender(src), src.get("forwarded_from"),
                                str(m.get("signal", "")), int(m.get("distance", 0)),
                                src.get("path") or media.get("path"))
            self._add_sighting(self._contents[key], chat.key, sighting, when, seq)

    def _add_sighting(self, content: _Content, chat_key: str, sighting: Sighting, when: _Date,
                      seq: int) -> None:
        content.total += 1
        p = content.per_chat.get(chat_key)
        if p is None:
            p = content.per_chat[chat_key] = _Presence(when, seq, sighting)
        elif (when.key, seq) < (p.first.key, p.first_seq):
            p.first, p.first_seq, p.first_sighting = when, seq, sighting
        p.last = _latest(p.last, when)
        p.count += 1
        heapq.heappush(content.heap, (-when.key, -seq, sighting))
        if len(content.heap) > self.limits["max_sightings_per_content"]:
            heapq.heappop(content.heap)

    def _add_solicitation(self, chat: _Chat, s: Solicitation, seq: int) -> None:
        self._totals["solicitation_messages"] += 1
        self._labels.update(s.labels)
        chat.solicitation_messages += 1
        chat.solicitations.update(s.labels)
        priority = max(SOLICITATION_WEIGHTS.get(x, 0.5) for x in s.labels)
        heapq.heappush(chat.examples, (priority, -seq, s))
        if len(chat.examples) > self.limits["max_examples_per_chat"]:
            heapq.heappop(chat.examples)

    def _add_link(self, chat: _Chat, link: Mapping[str, Any], when: _Date) -> None:
        kind = str(link.get("kind", "other_url"))
        self._links[kind] += 1
        cls = _CHAT_LINKS.get(kind)
        if cls is None or not link.get("target"):
            return
        key = (cls, str(link["target"]).lower() if cls in ("public", "mention")
               else str(link["target"]))
        # Mentions (mostly people, kept only to match chats of the scan) have their own budget
        # so that a chatty group's @names never push its invite links out.
        budget = chat.mentions if cls == "mention" else chat.targets
        edge = budget.get(key)
        if edge is None:
            if len(budget) >= self.limits["max_targets_per_chat"]:
                self._totals["mentions_omitted" if cls == "mention" else "targets_omitted"] += 1
                return
            edge = budget[key] = _Edge()
        edge.count += 1
        edge.kinds.add(kind)
        edge.first, edge.last = _earliest(edge.first, when), _latest(edge.last, when)

    def result(self) -> ScanSummary:
        """The summary of everything added so far (``add`` may continue afterwards)."""
        timelines, presence = self._timelines()
        graph, advertised = self._graph()
        risks = [self._risk(c, presence.get(c.key, []), advertised.get(c.key, (0, 0)))
                 for c in self._chats.values()]
        risks.sort(key=lambda r: (-r.score, -r.banked_contents, -sum(r.solicitations.values()),
                                  r.name, r.chat_key))
        ranked = tuple(_with_rank(r, i + 1) for i, r in enumerate(risks))
        order = {r.chat_key: r.rank for r in ranked}
        examples = sorted((s for c in self._chats.values() for _, _, s in c.examples),
                          key=lambda s: (order[s.chat_key], _Date(s.date_utc, False).key))
        t = self._totals
        totals = Totals(
            t["findings"], t["messages_with_findings"], t["matched_messages"],
            t["match_records"], len(self._contents), t["solicitation_messages"],
            dict(sorted(self._labels.items())), dict(sorted(self._links.items())),
            dict(sorted(self._errors.items())), len(self._chats),
            sum(1 for c in self._chats.values() if c.matched),
            _text(self._first), _text(self._last))
        limits = dict(self.limits, targets_omitted=t["targets_omitted"],
                      mentions_omitted=t["mentions_omitted"])
        return ScanSummary(tuple(sorted(self._scan_ids)), totals, ranked, timelines, graph,
                           tuple(examples), limits)

    def _timelines(self) -> tuple[tuple[ContentTimeline, ...],
                                  dict[str, list[tuple[ChatPresence, _Content, bool]]]]:
        out: list[ContentTimeline] = []
        presence: dict[str, list[tuple[ChatPresence, _Content, bool]]] = {}
        for c in self._contents.values():
            chats = sorted(c.per_chat.items(), key=lambda kv: (kv[1].first.key, kv[1].first_seq))
            origin = chats[0][1].first
            rows: list[ChatPresence] = []
            for i, (key, p) in enumerate(chats):
                delay = (p.first.key - origin.key) if origin.dated and p.first.dated else None
                row = ChatPresence(key, self._chats[key].name, p.first.text, p.last.text,
                                   p.count, delay)
                rows.append(row)
                started = i == 0 and len(chats) > 1 and origin.dated
                presence.setdefault(key, []).append((row, c, started))
            picked = {-s: sighting for _, s, sighting in c.heap}
            picked.update({p.first_seq: p.first_sighting for p in c.per_chat.values()})
            order = sorted(picked, key=lambda s: (_Date(picked[s].date_utc, False).key, s))
            sightings = tuple(picked[s] for s in order)
            last = max((p.last for p in c.per_chat.values() if p.last.dated),
                       key=lambda d: d.key, default=None)
            out.append(ContentTimeline(
                c.bank, c.group, tuple(sorted(c.entries)), tuple(sorted(c.labels)), c.policy,
                origin.text, _text(last), c.total, tuple(rows), sightings,
                c.total - len(sightings)))
        out.sort(key=lambda t: (-len(t.chats), -t.total_sightings,
                                _Date(t.first_seen, False).key, t.bank, t.content_group))
        return tuple(out), presence

    def _graph(self) -> tuple[LinkGraph, dict[str, tuple[int, int]]]:
        by_username = {c.username: c for c in self._chats.values() if c.username}
        by_bare_id = {str(_bare(c.chat_id)): c for c in self._chats.values()
                      if c.chat_id is not None and c.platform == "telegram"}
        nodes: dict[str, GraphNode] = {}
        edges: dict[tuple[str, str], _Edge] = {}
        advertised: dict[str, tuple[int, int]] = {}
        for chat in self._chats.values():
            links = targets = 0
            for (cls, target), e in [*chat.targets.items(), *chat.mentions.items()]:
                known = (by_username.get(target) if cls in ("public", "mention")
                         else by_bare_id.get(target) if cls == "private" else None)
                if known is None and cls == "mention":
                    continue
                if known is not None:
                    if known.key == chat.key:
                        continue
                    node = _chat_node(known)
                else:
                    node = _external_node(cls, target)
                nodes.setdefault(node.id, node)
                src = nodes.setdefault(f"chat:{chat.key}", _chat_node(chat))
                merged = edges.setdefault((src.id, node.id), _Edge())
                merged.count += e.count
                merged.kinds |= e.kinds
                merged.first = _earliest(merged.first, e.first) if e.first else merged.first
                merged.last = _latest(merged.last, e.last) if e.last else merged.last
                links += e.count
                targets += 1
            advertised[chat.key] = (links, targets)
        rank = {key: i for i, key in enumerate(sorted(nodes, key=lambda n: (
            nodes[n].kind != "chat", nodes[n].label.lower(), n)))}
        graph = LinkGraph(
            tuple(sorted(nodes.values(), key=lambda n: rank[n.id])),
            tuple(GraphEdge(s, t, e.count, tuple(sorted(e.kinds)), _text(e.first), _text(e.last))
                  for (s, t), e in sorted(edges.items(), key=lambda kv: (rank[kv[0][0]],
                                                                         rank[kv[0][1]]))))
        return graph, advertised

    def _risk(self, c: _Chat, presence: list[tuple[ChatPresence, _Content, bool]],
              advertised: tuple[int, int]) -> ChatRisk:
        delays = [p.delay_seconds for p, _, origin in presence
                  if p.delay_seconds is not None and p.delay_seconds > 0]
        originated = sum(1 for _, _, origin in presence if origin)
        fast = sum(1 for d in delays if d <= FAST_ARRIVAL_SECONDS)
        senders = len(c.senders)
        banked = sum(POLICY_WEIGHTS.get(content.policy, 0.3) for _, content, _ in presence)
        components = {
            "banked": BANKED_POINTS * banked,
            "reposts": REPOST_POINTS * max(0, c.matched - len(presence)),
            "origin": ORIGIN_POINTS * originated,
            "fast_arrivals": FAST_POINTS * fast,
            "solicitations": sum(SOLICITATION_WEIGHTS.get(k, 1.0) * n
                                 for k, n in c.solicitations.items()),
            "advertising": ADVERTISED_POINTS * advertised[1],
            "senders": SENDER_POINTS * min(senders, SENDERS_COUNTED),
        }
        components = {k: round(v, 1) for k, v in components.items() if v}
        share = c.forwarded / c.matched if c.matched else None
        median = statistics.median(delays) if delays else None
        reasons = _reasons(c, len(presence), originated, advertised, senders, share, median)
        return ChatRisk(
            0, c.key, c.name, c.chat_type, c.platform, c.chat_id, c.username, c.messages,
            c.matched, len(presence), originated, fast, c.solicitation_messages,
            dict(sorted(c.solicitations.items())),
            advertised[0], advertised[1], senders, share, median, _text(c.first), _text(c.last),
            c.dates_local, round(sum(components.values()), 1), components, reasons, "")


def _reasons(c: _Chat, contents: int, originated: int, advertised: tuple[int, int],
             senders: int, share: float | None, median: float | None) -> tuple[str, ...]:
    out: list[str] = []
    if c.matched:
        text = f"{_n(c.matched, 'message')} with banked images ({_n(contents, 'distinct content')})"
        if originated:
            text += f", {originated} first seen here before spreading to other chats"
        out.append(text)
    if c.solicitations:
        detail = ", ".join(f"{k} {n}" for k, n in c.solicitations.most_common())
        out.append(f"{_n(c.solicitation_messages, 'solicitation')} ({detail})")
    if advertised[1]:
        out.append(f"advertises {_n(advertised[1], 'other group')} "
                   f"({_n(advertised[0], 'link')})")
    if senders:
        out.append(f"{_n(senders, 'distinct sender')} involved")
    if share is not None and share > 0:
        text = f"{round(share * 100)}% of matched media arrived as forwards"
        if median is not None:
            text += f"; content arrives a median {format_duration(median)} after it is first " \
                    f"seen elsewhere"
        out.append(text)
    elif median is not None:
        out.append(f"content arrives a median {format_duration(median)} after it is first "
                   f"seen elsewhere")
    return tuple(out) or ("no harmful signal: links or media errors only",)


def _with_rank(r: ChatRisk, rank: int) -> ChatRisk:
    top = sorted(r.components.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    if not top:
        why = f"#{rank}: score 0, nothing harmful found"
    else:
        parts = " and ".join(f"{COMPONENT_NAMES[k]} ({v:g} points)" for k, v in top)
        why = f"#{rank}: score {r.score:g}, mostly from {parts}"
    return replace(r, rank=rank, ranking_reason=why)


def format_duration(seconds: float) -> str:
    """A short human duration: ``45 min``, ``3 h``, ``1.5 days``."""
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 86400:
        return f"{_short(seconds / 3600)} h"
    days = _short(seconds / 86400)
    return f"{days} day" if days == "1" else f"{days} days"


def _short(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0") if value < 10 else str(round(value))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _chat_key(src: Mapping[str, Any]) -> str:
    platform = str(src.get("platform") or "telegram")
    if platform == "telegram" and src.get("chat_id") is not None:
        return f"telegram:{_bare(int(src['chat_id']))}"
    if platform == "telegram":
        return f"telegram:{src.get('export', '')}:{src.get('chat_name') or ''}"
    return f"{platform}:{src.get('export', '')}"


def _chat_name(src: Mapping[str, Any]) -> str:
    if src.get("chat_name"):
        return str(src["chat_name"])
    if src.get("chat_id") is not None:
        return f"chat {src['chat_id']}"
    return str(src.get("export") or "(unnamed)")


def _sender(src: Mapping[str, Any]) -> str | None:
    name, sid = src.get("sender_name"), src.get("sender_id")
    if name and sid:
        return f"{name} ({sid})"
    return str(name or sid) if (name or sid) else None


def _bare(chat_id: int | None) -> int | None:
    if chat_id is None or chat_id >= 0:
        return chat_id
    digits = str(-chat_id)
    return int(digits[3:]) if digits.startswith("100") and len(digits) > 3 else -chat_id


def _chat_node(c: _Chat) -> GraphNode:
    url = f"https://t.me/{c.username}" if c.username else None
    return GraphNode(f"chat:{c.key}", c.name, "chat", c.key, url)


def _external_node(cls: str, target: str) -> GraphNode:
    label, url = {
        "invite": (f"invite +{target}", f"https://t.me/+{target}"),
        "folder": (f"folder {target}", f"https://t.me/addlist/{target}"),
        "public": (f"@{target}", f"https://t.me/{target}"),
    }.get(cls, (f"private chat {target}", f"https://t.me/c/{target}"))
    return GraphNode(f"{cls}:{target}", label, cls, None, url)


def _earliest(a: _Date | None, b: _Date) -> _Date:
    return b if a is None or b.key < a.key else a


def _latest(a: _Date | None, b: _Date) -> _Date:
    if a is None or not a.dated:
        return b
    return b if b.dated and b.key > a.key else a


def _text(d: _Date | None) -> str | None:
    return d.text if d is not None and d.dated else None


def _plain(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return [_plain(v) for v in obj]
    return obj
