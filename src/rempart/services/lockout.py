"""Console sign-in with a per-account lockout, audited.

``login_max_failures`` failed sign-ins on an account within ``login_failure_window_minutes``
lock it for ``login_lockout_minutes`` (:mod:`rempart.core.lockout`). The answer never says
which of "no such user", "wrong password" or "locked" it was, and costs the same in each
case: the password is always checked (argon2, a dummy hash for unknown names) and a failure is
always written, whether or not the account exists. Failures and lockouts of existing accounts
are audited (``user.login_failed``, ``user.lockout``); an admin (console or ``rempart user
unlock``) lifts a lockout (``user.unlock``). Failures on a locked account are not counted:
nobody extends a lockout by trying on.

Example::

    signin = SignIn(users, SqlLockoutStore(engine), rule)
    signin.sign_in("alice", "a long passphrase")       # UserRecord, or None
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rempart.core.lockout import FailureState, LockoutRule
from rempart.services.users import Actor, UserService
from rempart.store.audit import AuditEntry
from rempart.store.lockouts import SqlLockoutStore
from rempart.store.rows import utc_now
from rempart.store.users import UserRecord

PUBLIC = Actor("public")
MAX_NAME = 64


class SignIn:
    """Sign-in with lockout over the user service and the lockout store."""

    def __init__(self, users: UserService, store: SqlLockoutStore, rule: LockoutRule,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.users = users
        self.store = store
        self.rule = rule
        self.clock = clock

    def sign_in(self, username: str, password: str) -> UserRecord | None:
        """The user if the password is theirs, they are enabled and not locked; else None."""
        name = username[:MAX_NAME]
        now = self.clock()
        before = self.store.get(name)
        user = self.users.verify(name, password)  # always: the same cost in every case
        if before is not None and before.locked(now):
            return None
        if user is not None:
            if before is not None:
                self.store.clear(name)
            return user
        exists = self.users.store.user_credentials(name) is not None

        def audit(state: FailureState, newly_locked: bool) -> list[AuditEntry]:
            if not exists:
                return []
            out = [PUBLIC.entry(now, "user.login_failed", "user", name,
                                failures=state.failures)]
            if newly_locked and state.locked_until is not None:
                out.append(PUBLIC.entry(now, "user.lockout", "user", name,
                                        failures=state.failures,
                                        until=state.locked_until.isoformat()))
            return out

        self.store.record_failure(name, now, self.rule, audit)
        return None

    def locked_until(self, username: str) -> datetime | None:
        """When the account's lockout ends (None when it is not locked)."""
        state = self.store.get(username)
        now = self.clock()
        return state.locked_until if state is not None and state.locked(now) else None

    def unlock(self, username: str, actor: Actor) -> bool:
        """Lift an account's lockout and forget its failures (audited); whether it was locked."""
        self.users.get(username)  # UserNotFound for an unknown account
        was_locked = self.locked_until(username) is not None
        self.store.clear(username, [actor.entry(self.clock(), "user.unlock", "user", username,
                                                was_locked=was_locked)])
        return was_locked
