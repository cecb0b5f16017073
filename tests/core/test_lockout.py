"""The lockout rule: N failures in a window lock; a lockout is not extended by more tries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rempart.core.lockout import LockoutRule, after_failure

RULE = LockoutRule(3, timedelta(minutes=15), timedelta(minutes=10))
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_failures_within_the_window_lock() -> None:
    state = None
    for n in range(3):
        state = after_failure(state, T0 + timedelta(minutes=n), RULE)
    assert state is not None and state.failures == 3
    assert state.locked(T0 + timedelta(minutes=5))
    assert not state.locked(T0 + timedelta(minutes=12, seconds=1))
    # Tries while locked change nothing (nobody extends a lockout by trying on).
    assert after_failure(state, T0 + timedelta(minutes=4), RULE) == state


def test_the_window_and_the_end_of_a_lockout_restart_the_count() -> None:
    state = after_failure(after_failure(None, T0, RULE), T0, RULE)
    later = after_failure(state, T0 + timedelta(minutes=16), RULE)
    assert later.failures == 1 and later.locked_until is None
    locked = after_failure(after_failure(state, T0, RULE), T0, RULE)
    assert locked.locked_until == T0 + RULE.period
    after = after_failure(locked, T0 + timedelta(minutes=11), RULE)
    assert after.failures == 1 and after.locked_until is None
