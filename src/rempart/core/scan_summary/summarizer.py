"""The incremental summarizer: findings folded one at a time into bounded state.

Example::

    s = Summarizer(max_sightings_per_content=20)
    for finding in findings:
        s.add(finding)
    s.result().chats[0].ranking_reason
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from rempart.core.scan_summary.dates import When, date_text, earliest, latest, sort_key
from rempart.core.scan_summary.finding_fields import chat_key, chat_name, sender, solicitation_of
from rempart.core.scan_summary.graph import CHAT_LINKS, PUBLIC_LINK, build_graph
from rempart.core.scan_summary.records import ScanSummary, Sighting, Solicitation, Totals
from rempart.core.scan_summary.risk import (
    POLICY_WEIGHTS,
    SOLICITATION_WEIGHTS,
    chat_risk,
    with_rank,
)
from rempart.core.scan_summary.state import ChatState, ContentState, EdgeState
from rempart.core.scan_summary.timelines import add_sighting, build_timelines


def summarize(findings: Iterable[Mapping[str, Any]], **limits: int) -> ScanSummary:
    """The summary of ``findings`` (keyword arguments are ``Summarizer`` caps)."""
    s = Summarizer(**limits)
    for f in findings:
        s.add(f)
    return s.result()


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
        self._chats: dict[str, ChatState] = {}
        self._contents: dict[tuple[str, str], ContentState] = {}
        self._totals: Counter[str] = Counter()
        self._labels: Counter[str] = Counter()
        self._links: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._first: When | None = None
        self._last: When | None = None

    def add(self, finding: Mapping[str, Any]) -> None:
        """Fold one finding into the summary."""
        self._seq += 1
        seq = self._seq
        if finding.get("scan_id") and len(self._scan_ids) < 100:
            self._scan_ids.add(str(finding["scan_id"]))
        src = finding.get("source") or {}
        chat = self._chat(src)
        when = When(src.get("date_utc"), bool(src.get("date_is_local")))
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
        who = sender(src)
        if who and len(chat.senders) < self.limits["max_senders_per_chat"]:
            chat.senders.add(who)
        if matches or solicitation:
            chat.first, chat.last = earliest(chat.first, when), latest(chat.last, when)
            self._first, self._last = earliest(self._first, when), latest(self._last, when)
            chat.dates_local |= when.local
        if matches:
            self._add_matches(chat, src, media, matches, when, seq)
        if solicitation:
            self._add_solicitation(chat, solicitation, seq)
        for link in links:
            self._add_link(chat, link, when)

    def _chat(self, src: Mapping[str, Any]) -> ChatState:
        key = chat_key(src)
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = ChatState(key, chat_name(src), src.get("chat_type"),
                                                str(src.get("platform") or "telegram"),
                                                src.get("chat_id"))
        if chat.username is None:
            m = PUBLIC_LINK.match(str(src.get("link") or ""))
            chat.username = m.group(1).lower() if m else None
        return chat

    def _add_matches(self, chat: ChatState, src: Mapping[str, Any], media: Mapping[str, Any],
                     matches: list[Mapping[str, Any]], when: When, seq: int) -> None:
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
                content = self._contents[key] = ContentState(*key)
            if len(content.entries) < self.limits["max_entries_per_content"] and m.get("entry") \
                    is not None:
                content.entries.add(int(m["entry"]))
            content.labels.update(str(x) for x in m.get("labels") or ())
            policy = str(m.get("policy") or "alert")
            if POLICY_WEIGHTS.get(policy, 0.0) > POLICY_WEIGHTS.get(content.policy, 0.0):
                content.policy = policy
        for key, m in best.items():
            sighting = Sighting(chat.key, chat.name, when.text, when.local, src.get("message_id"),
                                src.get("link"), sender(src), src.get("forwarded_from"),
                                str(m.get("signal", "")), int(m.get("distance", 0)),
                                src.get("path") or media.get("path"))
            add_sighting(self._contents[key], chat.key, sighting, when, seq,
                         self.limits["max_sightings_per_content"])

    def _add_solicitation(self, chat: ChatState, s: Solicitation, seq: int) -> None:
        self._totals["solicitation_messages"] += 1
        self._labels.update(s.labels)
        chat.solicitation_messages += 1
        chat.solicitations.update(s.labels)
        priority = max(SOLICITATION_WEIGHTS.get(x, 0.5) for x in s.labels)
        heapq.heappush(chat.examples, (priority, -seq, s))
        if len(chat.examples) > self.limits["max_examples_per_chat"]:
            heapq.heappop(chat.examples)

    def _add_link(self, chat: ChatState, link: Mapping[str, Any], when: When) -> None:
        kind = str(link.get("kind", "other_url"))
        self._links[kind] += 1
        cls = CHAT_LINKS.get(kind)
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
            edge = budget[key] = EdgeState()
        edge.count += 1
        edge.kinds.add(kind)
        edge.first, edge.last = earliest(edge.first, when), latest(edge.last, when)

    def result(self) -> ScanSummary:
        """The summary of everything added so far (``add`` may continue afterwards)."""
        timelines, presence = build_timelines(self._contents.values(), self._chats)
        graph, advertised = build_graph(self._chats.values())
        risks = [chat_risk(c, presence, advertised.get(c.key, (0, 0)))
                 for c in self._chats.values()]
        risks.sort(key=lambda r: (-r.score, -r.banked_contents, -sum(r.solicitations.values()),
                                  r.name, r.chat_key))
        ranked = tuple(with_rank(r, i + 1) for i, r in enumerate(risks))
        order = {r.chat_key: r.rank for r in ranked}
        examples = sorted((s for c in self._chats.values() for _, _, s in c.examples),
                          key=lambda s: (order[s.chat_key], sort_key(s.date_utc)))
        t = self._totals
        totals = Totals(
            t["findings"], t["messages_with_findings"], t["matched_messages"],
            t["match_records"], len(self._contents), t["solicitation_messages"],
            dict(sorted(self._labels.items())), dict(sorted(self._links.items())),
            dict(sorted(self._errors.items())), len(self._chats),
            sum(1 for c in self._chats.values() if c.matched),
            date_text(self._first), date_text(self._last))
        limits = dict(self.limits, targets_omitted=t["targets_omitted"],
                      mentions_omitted=t["mentions_omitted"])
        return ScanSummary(tuple(sorted(self._scan_ids)), totals, ranked, timelines, graph,
                           tuple(examples), limits)
