"""Attack 3 of issue #13, end to end: one short message must not freeze text classification.

Attacker: any group member (or API client, or export author) who writes a message. A 61-character
text (``'*' * 60 + 'a'``) once made the classifier backtrack for minutes: the bot stopped
handling every chat and ignored SIGTERM, and the same text hung ``rempart text classify``,
``POST /api/v1/text/classify`` and ``rempart scan``. Here the attack texts go through each of
them, and ordinary harmful messages sent with them are still handled.

Each path runs in a child process (the regex engine holds the GIL, so a thread cannot watch for a
hang) bounded by ``LIMIT_S``: a generous guard against minutes of backtracking, not a timing.
The pattern-level checks are in ``tests/core/text/test_text_bounded.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_support import BLOCK_SEED, CHAT, USER, bank_db, cropped_copy
from sqlalchemy import text
from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.bench.fake_bot_api import FakeBotApi
from rempart.bench.synthetic_export import make_export
from rempart.bench.synthetic_images import photo_bytes
from rempart.core.text import MAX_CHARS
from rempart.store.sql import open_store

LIMIT_S = 120
"""Seconds a whole path may take on a loaded machine; the attack once took minutes per message."""

ATTACKS = (
    "*" * 60 + "a",  # the message of the issue
    "*" * 10_000 + "a",
    "t.me/" + " " * 2000 + "!",  # backtracked in the grammar's invite-link pattern
    "n" + "*" * 60 + "s",
    "t . me / " + " " * MAX_CHARS + "/ !",
    "a." * 5000 + "!",
    "\u200b" * 10_000 + "a",
    "ﷺ" * (2 * MAX_CHARS),  # folds to 18 letters each
    "06" + " ." * MAX_CHARS + "1",
    "quelqu un qui " * 1000 + "!",
    "U:" + "ﷺ" * 910 + "!",  # folds, then "u" becomes "you": past the normalised bound
)
REQUEST = "qui a des nudes de la meuf du 93 ?"
SHARE = "échange nudes d'ex, envoie en dm"
CLI = "from rempart.main import main; main()"
_TESTS = Path(__file__).resolve().parent.parent
_HELPERS = [str(_TESTS / "adapters" / f) for f in ("http", "telegram_bot")]


def _child(args: list[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``args`` run to completion within ``LIMIT_S``, or the test fails naming ``what``."""
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=LIMIT_S,
                              check=False, **kwargs)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} did not finish in {LIMIT_S} s on the attack texts: a pattern "
                    "backtracks, or work is not bounded per message")
    assert done.returncode == 0, done.stderr[-6000:]
    return done


def _check_attack_verdict(original: str, verdict: dict[str, Any]) -> None:
    assert verdict["labels"] == [], original[:40]
    assert verdict.get("truncated", False) == (len(original) > MAX_CHARS)
    assert all(0 <= s["start"] <= s["end"] <= MAX_CHARS for s in verdict["spans"])


# --- the classifier itself ------------------------------------------------------------------

def test_no_pattern_is_built_while_classifying(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message is never turned into a pattern: classifying calls no function of ``re`` (every
    pattern is compiled once, at import, from constants)."""
    from rempart.core.text import classify

    classify(REQUEST)  # the model and lazy imports, loaded once
    calls: list[tuple[str, object]] = []

    def recording(name: str) -> Callable[..., Any]:
        real = getattr(re, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, args[:1]))
            return real(*args, **kwargs)
        return call

    for name in ("compile", "search", "match", "fullmatch", "sub", "subn", "finditer",
                 "findall", "split", "escape"):
        monkeypatch.setattr(re, name, recording(name))
    for t in (*ATTACKS, REQUEST, SHARE, "n*des", "p**e de m*neures", "n.u.d.e.s", "n u d e s",
              "qqn a des nud3s ?", "t . me / + AbCdEf123"):
        classify(t)
    assert calls == []


# --- rempart text classify -------------------------------------------------------------------

def test_cli_classifies_the_attack_texts() -> None:
    lines = "\n".join([*ATTACKS, REQUEST]) + "\n"
    done = _child([sys.executable, "-c", CLI, "text", "classify", "--jsonl"],
                  "rempart text classify", input=lines)
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["text"] for r in records] == [*ATTACKS, REQUEST]
    for original, record in zip(ATTACKS, records, strict=False):
        _check_attack_verdict(original, record)
    assert records[-1]["labels"] == ["ncii_request"]

    # The message of the issue as an argument, with the table output.
    done = _child([sys.executable, "-c", CLI, "text", "classify", ATTACKS[0]],
                  "rempart text classify (table)")
    assert "none" in done.stdout


# --- POST /api/v1/text/classify --------------------------------------------------------------

def _http_child(url: str) -> None:
    """Child process: each attack text, then all of them in one batch, through the real app;
    the answers are printed as JSON for the parent to check."""
    from http_support import TestClient, bearer

    from rempart.app import build, create_http_app
    from rempart.config import Settings

    app = build(Settings(database_url=url))
    headers = bearer(app.tokens.create("t", ("match",), None, None)[1])
    out: dict[str, Any] = {"one": []}
    try:
        with TestClient(create_http_app(app)) as client:
            for t in [*ATTACKS, REQUEST]:
                r = client.post("/api/v1/text/classify", json={"text": t}, headers=headers)
                out["one"].append([r.status_code, r.json()])
            r = client.post("/api/v1/text/classify", json={"texts": [*ATTACKS, REQUEST]},
                            headers=headers)
            out["batch"] = [r.status_code, r.json()]
    finally:
        app.close()
    sys.stdout.write(json.dumps(out))


def test_http_api_classifies_the_attack_texts(sqlite_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(_HELPERS)}
    done = _child([sys.executable, __file__, "http", sqlite_url],
                  "POST /api/v1/text/classify", env=env)
    out = json.loads(done.stdout)
    assert [status for status, _ in out["one"]] == [200] * (len(ATTACKS) + 1)
    verdicts = [body["verdict"] for _, body in out["one"]]
    status, batch = out["batch"]
    assert status == 200 and len(batch["verdicts"]) == len(ATTACKS) + 1
    for found in (verdicts, batch["verdicts"]):
        for original, verdict in zip(ATTACKS, found, strict=False):
            _check_attack_verdict(original, verdict)
        assert found[-1]["labels"] == ["ncii_request"]


# --- rempart scan ----------------------------------------------------------------------------

def _export_with(root: Path, texts: list[str], banked: bytes) -> Path:
    """A small generated export (one altered copy of ``banked`` among its photos) whose last
    messages carry ``texts``."""
    export = make_export(root, messages=30, photos=3, banked=[banked], copies_per_banked=1,
                         seed=5, hostile=False)
    data = json.loads(export.result_json.read_text(encoding="utf-8"))
    messages = data["messages"]
    first_id = max(m["id"] for m in messages) + 1
    when = int(messages[-1].get("date_unixtime", "1704067200")) + 60
    for n, t in enumerate(texts):
        messages.append({
            "id": first_id + n, "type": "message",
            "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when + n)),
            "date_unixtime": str(when + n), "from": "Ari Quill", "from_id": "user4000000101",
            "text": t, "text_entities": [{"type": "plain", "text": t}]})
    export.result_json.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return export.root


def test_scan_of_an_export_carrying_the_attack_texts(tmp_path: Path, sqlite_url: str) -> None:
    banked = photo_bytes(21, (320, 240))
    original = tmp_path / "banked.jpg"
    original.write_bytes(banked)
    cli = CliRunner()
    assert cli.invoke(build_app(), ["bank", "create", "victims", "--db", sqlite_url]
                      ).exit_code == 0
    assert cli.invoke(build_app(), ["bank", "add", "victims", str(original), "--label", "ncii",
                                    "--db", sqlite_url]).exit_code == 0
    export = _export_with(tmp_path / "export", [*ATTACKS, REQUEST], banked)

    done = _child([sys.executable, "-c", CLI, "scan", str(export), "--jsonl", "--db", sqlite_url,
                   "--workers", "1", "--bank", "victims"], "rempart scan")
    *findings, last = [json.loads(line) for line in done.stdout.splitlines()]
    assert last["scan"]["status"] == "completed"
    assert last["scan"]["counters"]["messages"] == 30 + len(ATTACKS) + 1  # every one read
    totals = last["summary"]["totals"]
    assert totals["matched_messages"] == 1  # the rest of the export goes on
    flagged = [f for f in findings if f["text"] and f["text"]["labels"]]
    assert [(f["text_excerpt"], f["text"]["labels"]) for f in flagged] == [
        (REQUEST, ["ncii_request"])]  # and no attack text was labelled


# --- the bot ---------------------------------------------------------------------------------

@pytest.fixture
def bot_api(sqlite_url: str) -> Iterator[FakeBotApi]:
    """The fake Bot API server over a database holding the test banks."""
    store = open_store(sqlite_url)
    bank_db(store)
    store.close()
    with FakeBotApi() as api:
        yield api


def _wait(cond: Callable[[], bool], proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + LIMIT_S
    while time.monotonic() < deadline and proc.poll() is None and not cond():
        time.sleep(0.05)
    return cond()


def test_bot_keeps_serving_every_chat_and_stops_on_sigterm(
        bot_api: FakeBotApi, sqlite_url: str, tmp_path: Path) -> None:
    api, other_chat = bot_api, CHAT - 1
    attacks = [{"message": api.message(CHAT, USER, text=t)} for t in ATTACKS]
    after = {"message": api.message(CHAT, USER + 1, text=SHARE)}  # the same chat goes on
    photo = api.photo_message(other_chat, USER + 2, cropped_copy(BLOCK_SEED))
    flagged = {"message": api.message(other_chat, USER + 3, text=REQUEST)}
    updates = [*attacks, after, photo, flagged]
    for u in updates:
        api.add_update(u)

    def key(u: dict[str, Any]) -> tuple[int, int]:
        return u["message"]["chat"]["id"], u["message"]["message_id"]

    wanted = {key(after), key(photo), key(flagged)}
    log = tmp_path / "bot.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", CLI, "bot", "--db", sqlite_url, "--api-url",
             api.api_url.removesuffix("/bot")],
            env={"REMPART_TELEGRAM_TOKEN": api.token, "PATH": "/usr/bin:/bin",
                 "HOME": str(tmp_path), "REMPART_BOT__POLL_TIMEOUT_SECONDS": "1",
                 "REMPART_BOT__STOP_GRACE_SECONDS": "1"},
            stdout=subprocess.DEVNULL, stderr=err)
    try:
        handled = _wait(lambda: wanted <= api.deleted(), proc)
        assert proc.poll() is None, log.read_text(errors="replace")[-4000:]
        assert handled, f"the bot did not handle the other messages in {LIMIT_S} s: " \
            f"{sorted(wanted - api.deleted())} left"
        assert not {key(u) for u in attacks} & api.deleted()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    store = open_store(sqlite_url)
    try:
        with store.engine.connect() as conn:
            status = conn.execute(text("SELECT status FROM bot_updates")).scalars().all()
    finally:
        store.close()
    assert sorted(status) == ["done"] * len(updates)  # every attack message handled, none dead


if __name__ == "__main__":
    {"http": _http_child}[sys.argv[1]](*sys.argv[2:])
