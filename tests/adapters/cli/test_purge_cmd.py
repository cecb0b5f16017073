"""`rempart purge` is registered (its behaviour: tests/security/test_retention.py)."""

from __future__ import annotations

from typer.testing import CliRunner

from rempart.adapters.cli.main import COMMAND_MODULES, build_app


def test_registered_and_dry_run_on_an_empty_database(sqlite_url: str) -> None:
    assert "rempart.adapters.cli.purge_cmd" in COMMAND_MODULES
    result = CliRunner().invoke(build_app(), ["purge", "--dry-run", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "bot_messages" in result.stdout and "tombstones" in result.stdout
