"""`rempart bot`: a token is required; with one, it runs against the Bot API given by --api-url."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from rempart.bench.fake_bot_api import FakeBotApi
from rempart.main import build_app


def test_token_is_required(sqlite_url: str) -> None:
    result = CliRunner().invoke(build_app(), ["bot", "--db", sqlite_url],
                                env={"REMPART_TELEGRAM_TOKEN": ""})
    assert result.exit_code == 2
    assert "REMPART_TELEGRAM_TOKEN" in result.output


def test_runs_against_the_given_api_url(sqlite_url: str, tmp_path: Path) -> None:
    with FakeBotApi() as api:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from rempart.main import main; main()",
             "bot", "--db", sqlite_url, "--api-url", api.api_url],
            env={"REMPART_TELEGRAM_TOKEN": api.token, "PATH": "/usr/bin:/bin",
                 "HOME": str(tmp_path)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not api.calls_to("getUpdates"):
                time.sleep(0.1)
            assert api.calls_to("getMe") and api.calls_to("getUpdates")
        finally:
            proc.terminate()
            proc.wait(15)
