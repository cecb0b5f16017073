"""From scan findings to what an association acts on: totals, timelines, link graph, risk.

Pure and incremental: ``Summarizer.add(finding)`` folds one finding (the JSON-ready dict of a
``rempart scan --jsonl`` line) into bounded state, ``result()`` builds a ``ScanSummary``. A
100k-message scan keeps per chat counters and capped lists, per banked content the first sighting
in each chat and the earliest ``max_sightings`` sightings, never all findings.

Modules: ``records`` (what a report reads), ``summarizer`` (folding findings), ``timelines``,
``graph``, ``risk`` (score and reasons), ``finding_fields``, ``dates``, ``state``.

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

from rempart.core.scan_summary.finding_fields import solicitation_of
from rempart.core.scan_summary.records import (
    ChatPresence,
    ChatRisk,
    ContentTimeline,
    FlaggedSpan,
    GraphEdge,
    GraphNode,
    LinkGraph,
    ScanSummary,
    Sighting,
    Solicitation,
    Totals,
)
from rempart.core.scan_summary.risk import (
    COMPONENT_NAMES,
    FAST_ARRIVAL_SECONDS,
    POLICY_WEIGHTS,
    SOLICITATION_WEIGHTS,
    format_duration,
)
from rempart.core.scan_summary.summarizer import Summarizer, summarize

__all__ = [
    "COMPONENT_NAMES", "FAST_ARRIVAL_SECONDS", "POLICY_WEIGHTS", "SOLICITATION_WEIGHTS",
    "ChatPresence", "ChatRisk", "ContentTimeline", "FlaggedSpan", "GraphEdge", "GraphNode",
    "LinkGraph", "ScanSummary", "Sighting", "Solicitation", "Summarizer", "Totals",
    "format_duration", "solicitation_of", "summarize",
]
