"""What a scan counts of each item it scanned (its ``counters``), the same for a local scan and
for the batches of a distributed one.

Example::

    counters: Counter[str] = Counter()
    count_item(counters, item, verdicts, text_verdict, findings=2, review_items=0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rempart.core.items import Item
from rempart.core.text import TextVerdict
from rempart.core.verdict import Verdict


def count_item(c: Counter[str], item: Item, outcomes: Sequence[Verdict | None],
               verdict: TextVerdict | None, *, findings: int, review_items: int) -> None:
    """Add one scanned item to ``c``; ``outcomes[i]`` is ``item.media[i]``'s (``None``: unread).

    Every counter below is set (zero too) once an item is counted; ``review_items`` only when
    some were raised (a scan's counters list what it met).
    """
    c["items"] += 1
    c["messages" if item.raw_type != "file" else "files"] += 1
    c["media"] += len(item.media)
    c["media_hashed"] += sum(o is not None and not o.error for o in outcomes)
    c["media_errors"] += sum(o is not None and bool(o.error) for o in outcomes)
    c["media_unavailable"] += sum(o is None for o in outcomes)
    c["media_matched"] += sum(o is not None and bool(o.matches) for o in outcomes)
    c["matched_messages"] += any(o is not None and o.matches for o in outcomes)
    c["text_classified"] += verdict is not None
    c["text_labelled"] += verdict is not None and verdict.harmful
    c["messages_with_links"] += bool(item.links)
    c["findings"] += findings
    if review_items:
        c["review_items"] += review_items
