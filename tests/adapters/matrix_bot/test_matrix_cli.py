"""`rempart matrix-bot` as an operator runs it: secrets from the environment only (never
printed), arguments checked before anything starts, and the whole bot against Synapse."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from matrix_support import BLOCK_SEED, PASSWORD, Member, bank_db, edited_copy, unique, until
from typer.testing import CliRunner

from rempart.bench.synapse_peer import SynapsePeer
from rempart.main import app_for


def _run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app_for(args), args, env=env)
    return result.exit_code, result.output


def test_arguments_and_secrets_are_checked_first() -> None:
    base = ["matrix-bot", "--homeserver", "http://127.0.0.1:9", "--user", "@bot:hs"]
    code, out = _run(base, {"REMPART_MATRIX_TOKEN": "", "REMPART_MATRIX_PASSWORD": ""})
    assert code == 2 and "REMPART_MATRIX_TOKEN" in out
    code, out = _run(["matrix-bot", "--homeserver", "ftp://x", "--user", "@bot:hs"],
                     {"REMPART_MATRIX_TOKEN": "t"})
    assert code == 2 and "--homeserver" in out
    code, out = _run([*base[:3], "--user", "bot"], {"REMPART_MATRIX_TOKEN": "t"})
    assert code == 2 and "--user" in out
    code, out = _run([*base, "--moderators-room", "#mods:hs"], {"REMPART_MATRIX_TOKEN": "t"})
    assert code == 2 and "--moderators-room" in out


def test_matrix_bot_command_end_to_end(synapse: SynapsePeer, sqlite_url: str,
                                       tmp_path: Path) -> None:
    bank_db(sqlite_url)
    name = unique("rempart")
    bot_id = synapse.register(name, PASSWORD)["user_id"]
    rempart = str(Path(sys.executable).parent / "rempart")
    log = tmp_path / "bot.log"

    async def scenario() -> None:
        mod, eve = Member(synapse, "mod"), Member(synapse, "eve")
        mods = await mod.create_room([bot_id], name="Moderators")
        room = await mod.create_room([bot_id, eve.user_id], levels={bot_id: 100})
        await eve.join(room)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("REMPART_")},
               "REMPART_MATRIX_PASSWORD": PASSWORD,
               "REMPART_MATRIX__STORE_PATH": str(tmp_path / "keys")}
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [rempart, "matrix-bot", "--homeserver", synapse.url, "--user", bot_id,
                 "--db", sqlite_url, "--moderators-room", mods],
                stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            bad = await eve.send_image(room, edited_copy(BLOCK_SEED))
            await until(lambda: eve.redacted(room, bad), 90, "redaction by the command")

            async def alerted() -> bool:
                return any("Rempart: Removed" in e.get("content", {}).get("body", "")
                           for e in await mod.messages(mods))

            await until(alerted, 30, "alert in the moderators' room")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            await mod.close()
            await eve.close()
        assert proc.returncode == 0, log.read_text()[-2000:]

    asyncio.run(scenario())
    assert PASSWORD not in log.read_text()
