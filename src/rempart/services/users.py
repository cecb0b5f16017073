"""Console users: create (argon2id password hash), verify a password, change role, disable,
one-time password links; every change is audited and ends the user's open console sessions.

There are no default credentials: the first admin is made with ``rempart user create --admin``.
No console user may remove the last active admin (by disabling them or changing their role);
the command line (actor ``system``, an operator with shell access) still may, for recovery.

Example::

    users = UserService(SqlUserStore(engine), sessions=SqlSessionStore(engine),
                        audit_log=SqlAuditLog(engine))
    users.create("alice", "a long passphrase", Role.ADMIN, SYSTEM)
    users.verify("alice", "a long passphrase")    # UserRecord, or None
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rempart.core.audit import AuditEntry
from rempart.core.clock import utc_now
from rempart.core.users import UserRecord
from rempart.core.workflow import Role
from rempart.services.errors import InvalidArgument, RempartError
from rempart.store.audit import AuditLog
from rempart.store.users import UserExists, UserStore

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # hashing megabytes of "password" would be a cheap denial of service


class UserNotFound(RempartError):
    """No user has this name."""


class UserTaken(RempartError):
    """A user with this name already exists."""


class LastAdmin(RempartError):
    """The change would leave no active admin."""


class LinkInvalid(RempartError):
    """The password link is unknown, used or expired."""


class Sessions(Protocol):
    """What the user service needs of the session store."""

    def revoke_user(self, user_id: int, now: datetime, reason: str) -> int: ...
    def revoke(self, session_id: int, now: datetime, reason: str,
               user_id: int | None = None) -> bool: ...
    def create_link(self, user_id: int, now: datetime, lifetime: timedelta) -> str: ...
    def link_user(self, secret: str, now: datetime) -> int | None: ...
    def use_link(self, secret: str, now: datetime) -> int | None: ...


LINK_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: ``user``, ``token``, ``public`` or ``system``, and which one."""

    type: str
    id: str | None = None

    def entry(self, at: datetime, action: str, object_type: str, object_id: str | None, /,
              **details: object) -> AuditEntry:
        """The audit event of this actor doing ``action`` on an object."""
        return AuditEntry(at, self.type, self.id, action, object_type, object_id, dict(details))


SYSTEM = Actor("system")


def parse_role(value: str) -> Role:
    """A role from its name; InvalidArgument listing the known ones."""
    try:
        return Role(value)
    except ValueError:
        raise InvalidArgument(
            f"unknown role {value!r} (known: {', '.join(r.value for r in Role)})") from None


def check_password(password: str) -> None:
    """InvalidArgument unless the password has a sane length."""
    if len(password) < MIN_PASSWORD:
        raise InvalidArgument(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidArgument(f"a password has at most {MAX_PASSWORD} characters")


class UserService:
    """Users of the console and deciders of notices."""

    def __init__(self, store: UserStore, hasher: PasswordHasher | None = None,
                 clock: Callable[[], datetime] = utc_now, *,
                 sessions: Sessions | None, audit_log: AuditLog | None) -> None:
        self.store = store
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self._dummy: str | None = None
        # Required, so that no caller forgets them: with None (seeding users in tests), no
        # session ends on a change and links and revocations are not logged.
        self.sessions = sessions
        self.audit_log = audit_log

    def create(self, username: str, password: str, role: Role, actor: Actor) -> UserRecord:
        """Create a user; the password is kept only as an argon2id hash."""
        if not USERNAME.fullmatch(username):
            raise InvalidArgument(
                "a user name is 2 to 64 characters: lower-case letters, digits, '.', '_', '-'")
        check_password(password)
        audit = actor.entry(self.clock(), "user.create", "user", username, role=role.value)
        try:
            return self.store.create_user(username, self.hasher.hash(password), role, audit)
        except UserExists:
            raise UserTaken(f"a user named {username!r} already exists") from None

    def verify(self, username: str, password: str) -> UserRecord | None:
        """The user if the password is theirs and they are not disabled, else None."""
        found = self.store.user_credentials(username) if len(password) <= MAX_PASSWORD else None
        if found is None:
            # Spend the same time as for a real user, so that names cannot be probed.
            if self._dummy is None:
                self._dummy = self.hasher.hash("not a password of anyone")
            self._matches(self._dummy, password)
            return None
        user, encoded = found
        if not self._matches(encoded, password) or user.disabled:
            return None
        if self.hasher.check_needs_rehash(encoded):
            self.store.update_user(
                username, SYSTEM.entry(self.clock(), "user.rehash", "user", username),
                password_hash=self.hasher.hash(password))
        return user

    def _matches(self, encoded: str, password: str) -> bool:
        try:
            return self.hasher.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            return False

    def set_password(self, username: str, password: str, actor: Actor) -> UserRecord:
        check_password(password)
        audit = actor.entry(self.clock(), "user.password", "user", username)
        return self._update(username, audit, password_hash=self.hasher.hash(password))

    def change_role(self, username: str, role: Role, actor: Actor) -> UserRecord:
        if role is not Role.ADMIN:
            self._keep_an_admin(username, actor)
        audit = actor.entry(self.clock(), "user.role", "user", username, role=role.value)
        return self._update(username, audit, role=role)

    def set_disabled(self, username: str, disabled: bool, actor: Actor) -> UserRecord:
        if disabled:
            self._keep_an_admin(username, actor)
        action = "user.disable" if disabled else "user.enable"
        return self._update(username, actor.entry(self.clock(), action, "user", username),
                            disabled=disabled)

    def _keep_an_admin(self, username: str, actor: Actor) -> None:
        """LastAdmin when a console user would remove the only active admin."""
        if actor.type == SYSTEM.type:
            return
        admins = [u.username for u in self.store.list_users()
                  if u.role is Role.ADMIN and not u.disabled]
        if admins == [username]:
            raise LastAdmin("this is the last active admin: make another admin first")

    def create_invited(self, username: str, role: Role, actor: Actor) -> tuple[UserRecord, str]:
        """A user without a known password, and the secret of their one-time password link.

        The stored hash is of a random value nobody ever sees; the user chooses a password
        through the link (valid 24 hours, once), so the admin never knows it.
        """
        user = self.create(username, secrets.token_urlsafe(32), role, actor)
        return user, self._new_link(user, actor, "user.password_link")

    def reset_link(self, username: str, actor: Actor) -> str:
        """Forget a user's password, end their sessions, and give a new one-time link."""
        user = self.set_password(username, secrets.token_urlsafe(32), actor)
        return self._new_link(user, actor, "user.password_link")

    def _new_link(self, user: UserRecord, actor: Actor, action: str) -> str:
        if self.sessions is None:
            raise RempartError("password links need the session store")
        now = self.clock()
        secret = self.sessions.create_link(user.id, now, LINK_LIFETIME)
        self._log(actor.entry(now, action, "user", user.username))
        return secret

    def _log(self, entry: AuditEntry) -> None:
        """An audit event of a change outside the user table (sessions, links)."""
        if self.audit_log is not None:
            self.audit_log.append_audit(entry)

    def link_user(self, secret: str) -> UserRecord | None:
        """The user a live password link is for (the link stays usable)."""
        if self.sessions is None or not secret:
            return None
        user_id = self.sessions.link_user(secret, self.clock())
        return None if user_id is None else self.store.get_user(user_id)

    def set_password_by_link(self, secret: str, password: str) -> UserRecord:
        """Spend a one-time link to set its user's password; LinkInvalid if it cannot be."""
        check_password(password)
        if self.sessions is None:
            raise LinkInvalid("this link is invalid, used or expired")
        user_id = self.sessions.use_link(secret, self.clock())
        user = None if user_id is None else self.store.get_user(user_id)
        if user is None:
            raise LinkInvalid("this link is invalid, used or expired")
        actor = Actor("user", user.username)
        return self.set_password(user.username, password, actor)

    def revoke_sessions(self, username: str, actor: Actor) -> int:
        """End every console session of a user (audited); how many were open."""
        user = self.get(username)
        now = self.clock()
        count = self.sessions.revoke_user(user.id, now, "admin") if self.sessions else 0
        self._log(actor.entry(now, "user.sessions_revoke", "user", username, count=count))
        return count

    def revoke_session(self, username: str, session_id: int, actor: Actor) -> bool:
        """End one session of a user (audited); False when it was not open."""
        user = self.get(username)
        now = self.clock()
        done = self.sessions.revoke(session_id, now, "admin", user.id) \
            if self.sessions else False
        if done:
            self._log(actor.entry(now, "user.session_revoke", "user", username,
                                  session=session_id))
        return done

    def get(self, username: str) -> UserRecord:
        found = self.store.user_credentials(username)
        if found is None:
            raise UserNotFound(f"no user named {username!r}")
        return found[0]

    def list(self) -> list[UserRecord]:
        return self.store.list_users()

    def _update(self, username: str, audit: AuditEntry, *, role: Role | None = None,
                disabled: bool | None = None, password_hash: str | None = None) -> UserRecord:
        user = self.store.update_user(username, audit, role=role, disabled=disabled,
                                      password_hash=password_hash)
        if user is None:
            raise UserNotFound(f"no user named {username!r}")
        if self.sessions is not None and (role is not None or disabled
                                          or password_hash is not None):
            # Sessions opened under the old role, password or before disabling end now.
            self.sessions.revoke_user(user.id, audit.at, audit.action)
        return user
