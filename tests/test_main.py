"""The `rempart` entry point: the command line with the builders of the composition root, which
only the commands that build the application import."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

import rempart.app
from rempart.adapters.cli.main import COMMANDS
from rempart.main import app_for, build_app, builders


def test_every_command_is_there() -> None:
    every = build_app()
    names = {c.name for c in every.registered_commands} | {
        g.name for g in every.registered_groups}
    assert names == set(COMMANDS)


def test_builders_are_the_composition_root() -> None:
    given = builders()
    assert given.build is rempart.app.build and given.build_server is rempart.app.build_server
    assert given.celery is rempart.app.worker_celery
    module, _, name = given.http_factory.partition(":")
    assert getattr(importlib.import_module(module), name) is rempart.app.http_app_from_env


def test_serve_runs_the_application_of_the_root(monkeypatch: pytest.MonkeyPatch,
                                                sqlite_url: str) -> None:
    monkeypatch.setenv("REMPART_DATABASE_URL", sqlite_url)  # restored after the command
    monkeypatch.setattr(rempart.app, "build_server", rempart.app.build)  # no process tuning
    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    argv = ["serve", "--db", sqlite_url]
    result = CliRunner().invoke(app_for(argv), argv)
    assert result.exit_code == 0, result.output
    (api,) = served
    assert isinstance(api, FastAPI) and isinstance(api.state.backend, rempart.app.App)


def test_hashing_does_not_load_the_application() -> None:
    code = ("import sys; from rempart.main import app_for; "
            "app_for(['hash', '--help'])(['hash', '--help'], standalone_mode=False); "
            "print('rempart.app' in sys.modules, 'sqlalchemy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().endswith("False False")
