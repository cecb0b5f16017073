"""The yearly transparency report (DSA art. 15 and 24): the quantitative template of
Implementing Regulation (EU) 2024/2835 as tables, computed from what Rempart recorded.

- **Notices** (art. 16) by category: received, acted upon, on a legal or a terms-and-conditions
  ground, from trusted flaggers, decided with automated means, and the median time from
  receipt to the first decision; their times to action by bucket.
- **Own-initiative moderation** by kind of measure and detection: the bot's own actions
  (automated detection and decision) and matches confirmed by a moderator (automated
  detection, human decision).
- **Automated means** and their accuracy measured from review outcomes: of the flags a
  moderator decided, the share confirmed (accuracy) and dismissed (error rate).
- **Complaints** (art. 20): filed, upheld, reversed, pending, median time to decide.
- **Suspensions** (art. 23) by the template's three kinds.

Orders of Member State authorities (art. 9 and 10) and out-of-court disputes (art. 21) are
not recorded by Rempart and are left out rather than reported as zero.

Example::

    report = build_report(SqlTransparencyReads(engine), 2026)
    [t.name for t in report.tables][:2]     # ['notices_by_category', 'notices_time_to_action']
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rempart.core.clock import utc_now
from rempart.core.workflow import TDB_MAPPING, Category
from rempart.store.transparency_reads import NoticeRow, ReviewRow, TransparencyReads

Cell = str | int | float | None
BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("within 1 hour", timedelta(hours=1)), ("1 to 24 hours", timedelta(hours=24)),
    ("1 to 7 days", timedelta(days=7)), ("more than 7 days", None))
MEASURES = {"delete": "removal of content", "restrict": "restriction of the account",
            "ban": "suspension of the account", "ban_sender_chat": "suspension of a channel"}
MIN_YEAR, MAX_YEAR = 2020, 2100


@dataclass(frozen=True, slots=True)
class Table:
    """One CSV file of the template: ``name.csv`` with ``columns`` and ``rows``."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def column(self, name: str) -> list[Cell]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


@dataclass(frozen=True, slots=True)
class Report:
    year: int
    since: datetime
    until: datetime
    generated_at: datetime
    tables: tuple[Table, ...] = field(default=())

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def period(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of ``year``, in UTC."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"the period is a year from {MIN_YEAR} to {MAX_YEAR}")
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def _median_hours(values: Sequence[timedelta]) -> float | None:
    if not values:
        return None
    return round(statistics.median(v.total_seconds() for v in values) / 3600, 2)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _bucket(delay: timedelta) -> str:
    for label, bound in BUCKETS:
        if bound is None or delay <= bound:
            return label
    return BUCKETS[-1][0]


def _notice_tables(rows: list[NoticeRow]) -> tuple[Table, Table]:
    by_category: dict[str, list[NoticeRow]] = defaultdict(list)
    for row in rows:
        by_category[row.category].append(row)
    known = [c.value for c in Category]
    categories = known + sorted(set(by_category) - set(known))
    table, buckets = [], []
    for cat in categories:
        group = by_category.get(cat, [])
        decided = [r for r in group if r.decided_at is not None]
        acted = [r for r in decided if r.action != "no_action"]
        statements = [r.statement or {} for r in acted]
        tdb = TDB_MAPPING[Category(cat)][0] if cat in known else ""
        table.append((
            cat, tdb, len(group), len(decided), len(acted), len(decided) - len(acted),
            sum(s.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT"
                for s in statements),
            sum(s.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
                for s in statements),
            sum(r.escalated for r in group),
            sum(s.get("source_type") == "SOURCE_TRUSTED_FLAGGER" for s in statements),
            sum(s.get("automated_decision", "AUTOMATED_DECISION_NOT_AUTOMATED")
                != "AUTOMATED_DECISION_NOT_AUTOMATED" for s in statements),
            _median_hours([r.decided_at - r.received_at for r in acted
                           if r.decided_at is not None]),
            _median_hours([r.decided_at - r.received_at for r in decided
                           if r.decided_at is not None])))
        counts = Counter(_bucket(r.decided_at - r.received_at) for r in decided
                         if r.decided_at is not None)
        buckets += [(cat, label, counts.get(label, 0)) for label, _ in BUCKETS]
        buckets.append((cat, "not decided yet", len(group) - len(decided)))
    return (
        Table("notices_by_category", "Notices by category (art. 16)",
              ("category", "tdb_category", "received", "decided", "action_taken",
               "no_action", "on_legal_ground", "on_terms_and_conditions", "escalated",
               "from_trusted_flaggers", "automated_decisions", "median_hours_to_action",
               "median_hours_to_decision"), tuple(table)),
        Table("notices_time_to_action", "Notices by time from receipt to decision",
              ("category", "time_to_decision", "notices"), tuple(buckets)))


def _review_tables(rows: list[ReviewRow], since: datetime, until: datetime,
                   bot_actions: dict[str, int]) -> tuple[Table, Table]:
    decided = [r for r in rows if r.decided_at is not None and since <= r.decided_at < until]
    flagged = [r for r in rows if since <= r.created_at < until]
    means: dict[str, Counter[str]] = defaultdict(Counter)
    for r in flagged:
        means[_means(r)]["flagged"] += 1
        if r.status == "open":
            means[_means(r)]["open"] += 1
    for r in decided:
        means[_means(r)][r.status] += 1
    accuracy = []
    for name in sorted(means):
        c = means[name]
        done = c["confirmed"] + c["dismissed"]
        accuracy.append((name, c["flagged"], c["confirmed"], c["dismissed"], c["open"],
                         _share(c["confirmed"], done), _share(c["dismissed"], done)))
    own: list[tuple[Cell, ...]] = [
        (MEASURES.get(action, action), "automated", "fully automated", count)
        for action, count in sorted(bot_actions.items())]
    confirmed = Counter(_means(r) for r in decided if r.status == "confirmed")
    own += [(f"confirmed on review: {name}", "automated", "human", count)
            for name, count in sorted(confirmed.items())]
    return (
        Table("own_initiative", "Own-initiative moderation by measure and detection",
              ("measure", "detection", "decision", "count"), tuple(own)),
        Table("automated_means", "Automated means and their accuracy (review outcomes)",
              ("means", "flagged", "confirmed", "dismissed", "open", "accuracy",
               "error_rate"), tuple(accuracy)))


def _means(r: ReviewRow) -> str:
    if r.kind == "media_match":
        return f"hash matching ({r.signal or 'unknown'})"
    if r.kind == "text_flag":
        return "text classifier"
    return r.kind


def build_report(reads: TransparencyReads, year: int,
                 clock: Callable[[], datetime] = utc_now) -> Report:
    """The report of ``year`` from what ``reads`` gives."""
    since, until = period(year)
    notices = list(reads.notices(since, until))
    by_category, time_to_action = _notice_tables(notices)
    bot_actions = reads.bot_actions(since, until)
    own, accuracy = _review_tables(list(reads.reviews(since, until)), since, until,
                                   bot_actions)
    appeals = list(reads.appeals(since, until))
    closed = [a for a in appeals if a.decided_at is not None]
    reversed_ = sum(a.outcome == "reversed" for a in closed)
    complaints = Table(
        "complaints", "Complaints against decisions (art. 20) and their outcomes",
        ("basis", "filed", "decided", "upheld", "reversed", "pending",
         "median_days_to_decide", "reversal_rate"),
        (("decision on a notice", len(appeals), len(closed),
          sum(a.outcome == "upheld" for a in closed), reversed_, len(appeals) - len(closed),
          None if not closed else round(statistics.median(
              (a.decided_at - a.filed_at).total_seconds() for a in closed
              if a.decided_at is not None) / 86400, 2),
          _share(reversed_, len(closed))),))
    account_decisions = sum(r.action == "suspend_account" for r in notices)
    suspensions = Table(
        "suspensions", "Suspensions (art. 23)", ("kind", "count"),
        (("provision of manifestly illegal content",
          bot_actions.get("ban", 0) + bot_actions.get("restrict", 0)
          + bot_actions.get("ban_sender_chat", 0) + account_decisions),
         ("manifestly unfounded notices", 0), ("manifestly unfounded complaints", 0)))
    return Report(year, since, until, clock(),
                  (by_category, time_to_action, own, accuracy, complaints, suspensions))
