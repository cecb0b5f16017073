"""Console users: create (argon2id password hash), verify a password, change role, disable.

There are no default credentials: the first admin is made with ``rempart user create --admin``.

Example::

    users = UserService(SqlNoticeStore(engine))
    users.create("alice", "a long passphrase", Role.ADMIN, SYSTEM)
    users.verify("alice", "a long passphrase")    # UserRecord, or None
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rempart.core.workflow import Role
from rempart.services.errors import InvalidArgument, RempartError
from rempart.store.notices import AuditEntry, UserExists, UserRecord, UserStore
from rempart.store.rows import utc_now

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # hashing megabytes of "password" would be a cheap denial of service


class UserNotFound(RempartError):
    """No user has this name."""


class UserTaken(RempartError):
    """A user with this name already exists."""


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
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self._dummy: str | None = None

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
        audit = actor.entry(self.clock(), "user.role", "user", username, role=role.value)
        return self._update(username, audit, role=role)

    def set_disabled(self, username: str, disabled: bool, actor: Actor) -> UserRecord:
        action = "user.disable" if disabled else "user.enable"
        return self._update(username, actor.entry(self.clock(), action, "user", username),
                            disabled=disabled)

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
        return user
