"""The review queue by content: open items seeing the same banked content (or the same flagged
text), from every chat and source, form one group that one decision covers.

A group id is an opaque digest (``store.review_groups.group_key``); it names no chat, entry or
case. Work is bounded: a page lists at most :data:`MAX_PAGE` groups or sightings, and one
decision closes at most :data:`MAX_DECISION_ITEMS` items (the oldest first; what is left stays
in the queue) across at most :data:`MAX_DECISION_GROUPS` groups.

Example::

    page = reviews.groups.list(ReviewFilter(source="bot"), limit=25)
    done = reviews.groups.decide([page.items[0].key], "dismiss", user, "a meme", "allow")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rempart.services.errors import InvalidArgument
from rempart.services.notices import MAX_PAGE
from rempart.services.reviews import (
    DECISIONS,
    ReviewNotFound,
    ReviewService,
    check_decider,
    seen_signals,
)
from rempart.store.pages import Page
from rempart.store.review_groups import GROUP_KEY
from rempart.store.review_groups import ReviewFilter as ReviewFilter
from rempart.store.review_groups import ReviewGroup as ReviewGroup
from rempart.store.reviews import STATUSES, ReviewItem
from rempart.store.users import UserRecord

MAX_DECISION_ITEMS = 500
MAX_DECISION_GROUPS = 100


@dataclass(frozen=True, slots=True)
class GroupDecision:
    """What one decision on groups did: groups and items closed, items left open."""

    groups: int
    decided: int
    remaining: int


def valid_key(key: str) -> bool:
    """Whether ``key`` has the shape of a group id.

    >>> valid_key("0" * 32), valid_key("../1")
    (True, False)
    """
    return GROUP_KEY.fullmatch(key) is not None


class ReviewGroups:
    """List, open and decide the queue's groups (over one :class:`ReviewService`)."""

    def __init__(self, reviews: ReviewService) -> None:
        self.reviews = reviews

    def list(self, f: ReviewFilter, limit: int = 25, offset: int = 0) -> Page[ReviewGroup]:
        """Groups with an item ``f`` selects, oldest first."""
        _check_page(limit, offset)
        if f.status is not None and f.status not in STATUSES:
            raise InvalidArgument(f"status is one of {', '.join(STATUSES)}")
        if f.since and f.until and f.since >= f.until:
            raise InvalidArgument("the date range ends before it starts")
        return self.reviews.store.groups(f, limit, offset)

    def sightings(self, key: str, status: str | None = "open", limit: int = 50,
                  offset: int = 0) -> Page[ReviewItem]:
        """A group's items of ``status`` (None: all), oldest first; ReviewNotFound for an id
        that names no group."""
        _check_page(limit, offset)
        if not valid_key(key):
            raise ReviewNotFound("no such review group")
        store = self.reviews.store
        page = store.group_items(key, status, limit, offset)
        if not page.total and (status is None or not store.group_items(key, None, 1, 0).total):
            raise ReviewNotFound("no such review group")
        return page

    def decide(self, keys: Sequence[str], decision: str, user: UserRecord, reason: str,
               allowlist: str | None = None) -> GroupDecision:
        """One decision (:meth:`ReviewService.decide_items`) on every open item of each group
        of ``keys``, group by group, up to :data:`MAX_DECISION_ITEMS` items in all."""
        check_decider(user, reason)
        wanted = list(dict.fromkeys(keys))
        if not wanted or len(wanted) > MAX_DECISION_GROUPS:
            raise InvalidArgument(f"select 1 to {MAX_DECISION_GROUPS} groups")
        if not all(valid_key(k) for k in wanted):
            raise InvalidArgument("unknown review group")
        budget, chosen, remaining = MAX_DECISION_ITEMS, [], 0
        for key in wanted:
            page = self.reviews.store.group_items(key, "open", max(budget, 1), 0)
            take = page.items[:budget]
            budget -= len(take)
            remaining += page.total - len(take)
            if take:
                chosen.append((key, take))
        _precheck(chosen, decision, allowlist)
        decided = 0
        for key, items in chosen:
            decided += len(self.reviews.decide_items(items, decision, user, reason, allowlist,
                                                     group=key))
        return GroupDecision(len(chosen), decided, remaining)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidArgument(f"limit is 1 to {MAX_PAGE} and offset at least 0")


def _precheck(chosen: Sequence[tuple[str, Sequence[ReviewItem]]], decision: str,
              allowlist: str | None) -> None:
    """Refuse before any change what one of the groups could not take."""
    if decision not in DECISIONS:
        raise InvalidArgument(f"decision is one of {', '.join(DECISIONS)}")
    for _, items in chosen:
        if decision == "withdraw" and any(x.new.entry_id is None for x in items):
            raise InvalidArgument("a selected group matched no bank entry to withdraw")
        if decision != "confirm" and allowlist and not any(seen_signals(x) for x in items):
            raise InvalidArgument("a selected group carries no signal of the seen content "
                                  "to allowlist")
