"""`rempart serve`: it builds the application with the builders it is given (``--demo`` fills it
first, a fresh database only) and hands uvicorn the HTTP app, or the factory for ``--workers``."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from rempart.adapters.cli.builders import Builders
from rempart.adapters.cli.main import app_for
from rempart.adapters.web.demo import ADMIN, fill
from rempart.app import (
    App,
    build,
    create_http_app,
    matrix_service,
    telegram_service,
    worker_celery,
)


def _builders() -> Builders[App]:
    # build, not build_server: no process tuning in the test process
    return Builders(build=build, build_server=build, http_app=create_http_app,
                    http_factory="tests:factory", fill_demo=fill,
                    telegram_service=telegram_service, matrix_service=matrix_service,
                    celery=worker_celery)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> list[tuple[Any, dict[str, Any]]]:
    """What uvicorn was asked to run; the database URL the command sets is restored after."""
    monkeypatch.setenv("REMPART_DATABASE_URL", sqlite_url)
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    return calls


def _serve(*args: str) -> Any:
    argv = ["serve", *args]
    return CliRunner().invoke(app_for(argv, _builders), argv)


def test_demo_fills_a_fresh_database_then_serves_it(
        served: list[tuple[Any, dict[str, Any]]], sqlite_url: str) -> None:
    result = _serve("--demo", "--db", sqlite_url, "--port", "8123")
    assert result.exit_code == 0, result.output
    assert ADMIN in result.output and "(shown once)" in result.output  # lines are wrapped
    assert "signals indexed" in result.output
    (api, options), = served
    assert isinstance(api, FastAPI) and options["port"] == 8123
    assert not options["proxy_headers"]
    again = _serve("--demo", "--db", sqlite_url)
    assert again.exit_code == 2 and "fresh database" in again.output
    assert len(served) == 1


def test_workers_get_the_factory(served: list[tuple[Any, dict[str, Any]]]) -> None:
    result = _serve("--workers", "2")
    assert result.exit_code == 0, result.output
    assert served == [("tests:factory", served[0][1])]
    assert served[0][1]["factory"] is True and served[0][1]["workers"] == 2


def test_without_builders_the_command_says_where_they_come_from(
        served: list[tuple[Any, dict[str, Any]]]) -> None:
    result = CliRunner().invoke(app_for(["serve"]), ["serve"])
    assert isinstance(result.exception, RuntimeError)
    assert "rempart.main" in str(result.exception) and not served
