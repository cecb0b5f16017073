"""Flood guard decisions (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rempart.core.flood import (
    FloodRule,
    Hit,
    Spread,
    entries_to_hold,
    is_flooded,
    window_start,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_default_rule_is_fifty_distinct_uploads_in_an_hour() -> None:
    rule = FloodRule()
    assert not is_flooded(Spread(49, 24, 49), rule) and is_flooded(Spread(50), rule)
    assert is_flooded(Spread(1, 25), rule) and is_flooded(Spread(1, 1, 50), rule)
    assert window_start(NOW, rule) == NOW - timedelta(hours=1)


def test_counts_distinct_uploads_within_window_per_entry() -> None:
    rule = FloodRule(max_distinct_uploads=3, window=timedelta(minutes=10))
    recent = NOW - timedelta(minutes=5)
    stale = NOW - timedelta(minutes=11)
    hits = [Hit(1, f"u{i}", recent) for i in range(3)]
    hits += [Hit(2, "same", recent)] * 10  # one upload reposted ten times is not a flood
    hits += [Hit(3, "a", recent), Hit(3, "b", recent), Hit(3, "c", stale)]
    hits += [Hit(4, "a", recent), Hit(4, "b", recent), Hit(4, "c", NOW + timedelta(1))]
    assert entries_to_hold(hits, NOW, rule) == {1}


def test_rule_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        FloodRule(max_distinct_uploads=0)
    with pytest.raises(ValueError):
        FloodRule(window=timedelta(0))


def test_one_file_forwarded_to_many_chats_or_by_many_senders_floods() -> None:
    """A poisoned registration of a meme: the same file, forwarded everywhere."""
    rule = FloodRule(max_distinct_places=5, max_distinct_senders=8)
    forwards = [Hit(1, "meme", NOW, place=f"telegram:{-100 - i}", sender=None) for i in range(5)]
    posters = [Hit(2, "meme", NOW, place="telegram:-1", sender=f"user:{i}") for i in range(8)]
    few = [Hit(3, "meme", NOW, place=f"telegram:{i}", sender=f"user:{i}") for i in range(4)]
    assert entries_to_hold(forwards + posters + few, NOW, rule) == {1, 2}
    with pytest.raises(ValueError):
        FloodRule(max_distinct_places=0)
