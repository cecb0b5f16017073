"""The console dashboard's figures: matches per day by bank and by source (the platform they
were seen on), the chats where banked content was seen most, the review backlog by age, and
notices by category with their time to decision. Read bounded: the last ``days`` days, at
most ``MAX_MATCHES`` matches and ``MAX_NOTICES`` notices, the ``MAX_SERIES`` busiest banks,
sources or chats (the rest as "other").

Example::

    figures = dashboard_figures(SqlTransparencyReads(engine), utc_now())
    figures.by_bank        # {"victims": [0, 2, 5, ...]}, one count per day, oldest first
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rempart.store.transparency_reads import TransparencyReads

DAYS = 14
MAX_MATCHES = 100_000
MAX_SERIES = 5
MAX_NOTICES = 100_000
OTHER = "other"
AGES: tuple[tuple[str, timedelta | None], ...] = (
    ("< 1 h", timedelta(hours=1)), ("1–24 h", timedelta(hours=24)),
    ("1–7 d", timedelta(days=7)), ("> 7 d", None))
UNDECIDED = "undecided"


@dataclass(frozen=True, slots=True)
class DashboardFigures:
    days: tuple[date, ...]
    by_bank: dict[str, list[int]]
    by_source: dict[str, list[int]]
    backlog: tuple[tuple[str, int], ...]  # age bucket, open review items
    truncated: bool  # more matches than MAX_MATCHES in the window
    chats: tuple[tuple[str, int], ...] = ()  # place (a chat, an API client), matches
    notices: tuple[tuple[str, int], ...] = ()  # category, notices received
    decision_times: tuple[tuple[str, int], ...] = ()  # time to first decision, notices


def _source(place: str | None) -> str:
    if not place or ":" not in place:
        return "unknown"
    return place.split(":", 1)[0][:20] or "unknown"


def _series(rows: list[tuple[date, str]], days: tuple[date, ...]) -> dict[str, list[int]]:
    totals = Counter(name for _, name in rows)
    keep = {name for name, _ in totals.most_common(MAX_SERIES)}
    index = {d: i for i, d in enumerate(days)}
    out: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for day, name in rows:
        out[name if name in keep else OTHER][index[day]] += 1
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == OTHER, -sum(kv[1]), kv[0])))


def _age(delay: timedelta) -> str:
    for label, bound in AGES:
        if bound is None or delay <= bound:
            return label
    return AGES[-1][0]


def dashboard_figures(reads: TransparencyReads, now: datetime,
                      days: int = DAYS) -> DashboardFigures:
    """The figures of the ``days`` days up to ``now`` (today included)."""
    first = now.date() - timedelta(days=days - 1)
    window = tuple(first + timedelta(days=i) for i in range(days))
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    matches = reads.matches(since, MAX_MATCHES)
    by_bank = _series([(at.date(), bank) for at, bank, _ in matches if at.date() >= first],
                      window)
    by_source = _series([(at.date(), _source(place)) for at, _, place in matches
                         if at.date() >= first], window)
    ages = Counter(_age(now - created) for created in reads.review_backlog())
    places = Counter(place for at, _, place in matches if at.date() >= first and place)
    categories: Counter[str] = Counter()
    waits: Counter[str] = Counter()
    for n, notice in enumerate(reads.notices(since, now + timedelta(seconds=1))):
        if n >= MAX_NOTICES:
            break
        categories[notice.category] += 1
        waits[_age(notice.decided_at - notice.received_at) if notice.decided_at
              else UNDECIDED] += 1
    return DashboardFigures(window, by_bank, by_source,
                            tuple((label, ages.get(label, 0)) for label, _ in AGES),
                            len(matches) >= MAX_MATCHES,
                            tuple(places.most_common(MAX_SERIES)),
                            tuple(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))),
                            tuple((label, waits.get(label, 0))
                                  for label in (*(a for a, _ in AGES), UNDECIDED)))
