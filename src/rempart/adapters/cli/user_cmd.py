"""`rempart user create|list|role|disable|enable|unlock`: console users (no default
credentials).

The password is asked twice without echo, or read from stdin with ``--password-stdin``; only its
argon2id hash is stored.

Example::

    $ rempart user create alice --admin
    $ printf '%s' "$PASS" | rempart user create bob --role moderator --password-stdin
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from rempart.adapters.cli.options import Db, Jsonl, fail, store_for
from rempart.adapters.cli.output import emit_jsonl, show_rows, stderr
from rempart.core.users import UserRecord
from rempart.services.errors import InvalidArgument
from rempart.services.offline import lockout_store, user_service
from rempart.services.users import Actor, parse_role

user_app = typer.Typer(help="Console users and their roles.", no_args_is_help=True)
CLI = Actor("system", "cli")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True,
                                 err=True)
    return password


@user_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="User name (lower-case letters, digits, . _ -).")],
    admin: Annotated[bool, typer.Option("--admin", help="Same as --role admin.")] = False,
    role: Annotated[
        str | None, typer.Option(help="admin, moderator or analyst (read-only).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")
    ] = False,
    db: Db = None,
    jsonl: Jsonl = False,
) -> None:
    """Create a user; the password is asked twice (never shown, stored as argon2id)."""
    if admin and role not in (None, "admin"):
        fail("--admin and --role disagree")
    if not admin and role is None:
        fail("give a role: --admin or --role moderator|analyst")
    try:
        chosen = parse_role("admin" if admin else str(role))
    except InvalidArgument as e:
        fail(str(e))
    password = _read_password(password_stdin)
    with store_for(db) as store:
        user = user_service(store).create(name, password, chosen, CLI)
    if jsonl:
        emit_jsonl(user.to_json())
    else:
        stderr.print(f"user {user.username} created ({user.role.value})", highlight=False)


@user_app.command("list")
def list_(db: Db = None, jsonl: Jsonl = False) -> None:
    """List users (never their password hashes)."""
    with store_for(db) as store:
        users = user_service(store).list()
    show_rows(users, jsonl, UserRecord.to_json,
              Table("id", "name", "role", "disabled", "created", box=None), _cells)


def _cells(u: UserRecord) -> list[str]:
    return [str(u.id), u.username, u.role.value, "yes" if u.disabled else "",
            u.created_at.isoformat(timespec="seconds")]


@user_app.command("role")
def role_(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Argument(help="admin, moderator or analyst.")],
    db: Db = None,
) -> None:
    """Change a user's role."""
    with store_for(db) as store:
        user = user_service(store).change_role(name, parse_role(role), CLI)
    stderr.print(f"user {user.username} is now {user.role.value}", highlight=False)


def _set_disabled(name: str, disabled: bool, db: str | None) -> None:
    with store_for(db) as store:
        user_service(store).set_disabled(name, disabled, CLI)
    stderr.print(f"user {name} {'disabled' if disabled else 'enabled'}", highlight=False)


@user_app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="User name.")], db: Db = None) -> None:
    """Disable a user (they can no longer log in or decide)."""
    _set_disabled(name, True, db)


@user_app.command("enable")
def enable(name: Annotated[str, typer.Argument(help="User name.")], db: Db = None) -> None:
    """Enable a disabled user again."""
    _set_disabled(name, False, db)


@user_app.command("unlock")
def unlock(name: Annotated[str, typer.Argument(help="User name.")], db: Db = None) -> None:
    """Lift a sign-in lockout (after too many failed attempts); audited as ``user.unlock``."""
    from datetime import timedelta

    from rempart.core.lockout import LockoutRule
    from rempart.services.lockout import SignIn

    rule = LockoutRule(1, timedelta(0), timedelta(0))  # unused: unlocking only
    with store_for(db) as store:
        lockouts = lockout_store(store)
        was = SignIn(user_service(store), lockouts, rule).unlock(name, CLI)
    stderr.print(f"user {name} {'unlocked' if was else 'was not locked'}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``rempart user``."""
    app.add_typer(user_app, name="user")
