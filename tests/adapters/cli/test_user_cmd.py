"""`rempart user ...` through Typer's CliRunner on a real SQLite database."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import typer
from typer.testing import CliRunner, Result

from rempart.adapters.cli import user_cmd
from rempart.adapters.cli.main import COMMAND_MODULES
from rempart.store import make_engine
from rempart.store.users import SqlUserStore

PASSWORD = "a long enough passphrase"
Run = Callable[..., Result]


@pytest.fixture
def run(sqlite_url: str) -> Run:
    root = typer.Typer()
    user_cmd.register(root)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(root, ["user", *args, "--db", sqlite_url], input=input)

    return invoke


def test_registered() -> None:
    assert "rempart.adapters.cli.user_cmd" in COMMAND_MODULES


def test_create_admin_prompts_twice_and_stores_a_hash(run: Run, sqlite_url: str) -> None:
    result = run("create", "first-admin", "--admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.stdout
    engine = make_engine(sqlite_url)
    found = SqlUserStore(engine).user_credentials("first-admin")
    engine.dispose()
    assert found is not None and found[0].role.value == "admin"
    assert found[1].startswith("$argon2id$") and PASSWORD not in found[1]


def test_mismatched_prompts_are_asked_again(run: Run) -> None:
    result = run("create", "mod", "--role", "moderator",
                 input=f"{PASSWORD}\nsomething else!!\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output


def test_password_stdin_list_and_role(run: Run) -> None:
    assert run("create", "reader", "--role", "analyst", "--password-stdin",
               input=PASSWORD + "\n").exit_code == 0
    assert run("role", "reader", "moderator").exit_code == 0
    assert run("disable", "reader").exit_code == 0
    listed = run("list", "--jsonl")
    assert listed.exit_code == 0
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["username"], r["role"], r["disabled"]) for r in rows] == [
        ("reader", "moderator", True)]
    assert all("password" not in key for r in rows for key in r)


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("create", "x-user"), PASSWORD, "give a role"),
    (("create", "x-user", "--admin", "--role", "analyst"), PASSWORD, "disagree"),
    (("create", "x-user", "--role", "owner", "--password-stdin"), PASSWORD, "unknown role"),
    (("create", "x-user", "--admin", "--password-stdin"), "short", "at least 12"),
    (("role", "nobody", "admin"), "", "no user named"),
])
def test_errors_are_one_line_exits(run: Run, args: tuple[str, ...], stdin: str,
                                   message: str) -> None:
    result = run(*args, input=stdin + "\n")
    assert result.exit_code == 1
    assert message in result.stderr


def test_duplicate_user(run: Run) -> None:
    assert run("create", "dup", "--admin", "--password-stdin", input=PASSWORD).exit_code == 0
    again = run("create", "dup", "--admin", "--password-stdin", input=PASSWORD)
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_unlock_lifts_a_lockout(run: Run, sqlite_url: str) -> None:
    """The operator's way back in when every admin is locked out (audited)."""
    from datetime import timedelta

    from rempart.core.lockout import LockoutRule
    from rempart.services.lockout import SignIn
    from rempart.services.users import UserService
    from rempart.store.lockouts import SqlLockoutStore

    assert run("create", "first-admin", "--admin", input=f"{PASSWORD}\n{PASSWORD}\n"
               ).exit_code == 0
    engine = make_engine(sqlite_url)
    try:
        signin = SignIn(UserService(SqlUserStore(engine), sessions=None, audit_log=None),
                        SqlLockoutStore(engine),
                        LockoutRule(2, timedelta(minutes=15), timedelta(minutes=15)))
        assert signin.sign_in("first-admin", "wrong password 1") is None
        assert signin.sign_in("first-admin", "wrong password 2") is None
        assert signin.sign_in("first-admin", PASSWORD) is None  # locked
        result = run("unlock", "first-admin")
        assert result.exit_code == 0 and "unlocked" in result.output
        assert signin.sign_in("first-admin", PASSWORD) is not None
        assert run("unlock", "nobody").exit_code == 1
    finally:
        engine.dispose()


def test_every_command_is_found_from_its_name() -> None:
    from rempart.adapters.cli.main import COMMANDS, app_for, build_app

    every = build_app()
    names = {c.name for c in every.registered_commands} | {
        g.name for g in every.registered_groups}
    assert names == set(COMMANDS)
    for name in COMMANDS:
        one = app_for([name])
        assert name in {c.name for c in one.registered_commands} | {
            g.name for g in one.registered_groups}


def test_a_command_alone_keeps_its_name() -> None:
    from typer.testing import CliRunner

    from rempart.adapters.cli.main import app_for

    result = CliRunner().invoke(app_for(["purge"]), ["purge", "--help"])
    assert result.exit_code == 0 and "retention" in result.output


def test_disabling_from_the_command_line_ends_her_console_sessions(
        run: Run, sqlite_url: str) -> None:
    from datetime import timedelta

    from rempart.core.clock import utc_now
    from rempart.store.sessions import SqlSessionStore

    assert run("create", "reader", "--role", "analyst", "--password-stdin",
               input=PASSWORD + "\n").exit_code == 0
    engine = make_engine(sqlite_url)
    try:
        user = SqlUserStore(engine).user_credentials("reader")
        assert user is not None
        sessions = SqlSessionStore(engine)
        sessions.create(user[0].id, utc_now(), timedelta(hours=8))
        assert sessions.list_user(user[0].id, utc_now(), timedelta(hours=1))
        assert run("disable", "reader").exit_code == 0
        assert not sessions.list_user(user[0].id, utc_now(), timedelta(hours=1))
    finally:
        engine.dispose()
