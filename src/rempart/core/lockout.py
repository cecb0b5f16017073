"""The console's account lockout rule: ``max_failures`` failed sign-ins within ``window`` lock
the account for ``period``. Pure: the store keeps the state, the service applies the rule.

Example::

    >>> from datetime import UTC, datetime, timedelta
    >>> rule = LockoutRule(2, timedelta(minutes=15), timedelta(minutes=15))
    >>> now = datetime(2026, 1, 1, tzinfo=UTC)
    >>> first = after_failure(None, now, rule)
    >>> second = after_failure(first, now, rule)
    >>> first.locked_until is None, second.locked_until == now + rule.period
    (True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class LockoutRule:
    max_failures: int
    window: timedelta
    period: timedelta


@dataclass(frozen=True, slots=True)
class FailureState:
    """Failed sign-ins of one account in the current window, and the end of its lockout."""

    failures: int
    window_start: datetime
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def after_failure(state: FailureState | None, now: datetime, rule: LockoutRule) -> FailureState:
    """The state after one more failed sign-in (a locked account's failures are not counted:
    its lockout is not extended by whoever keeps trying)."""
    if state is not None and state.locked(now):
        return state
    if state is None or now - state.window_start >= rule.window or state.locked_until:
        state = FailureState(0, now)
    failures = state.failures + 1
    locked = now + rule.period if failures >= rule.max_failures else None
    return FailureState(failures, state.window_start, locked)
