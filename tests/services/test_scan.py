"""The scan service: planted copies of a banked image found, texts classified, links and media
problems reported, bad inputs isolated, stored results reused, and resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from rempart.adapters.cli.scan_cmd import ExportSource
from rempart.bench.synthetic_export import make_export
from rempart.bench.synthetic_images import photo_bytes
from rempart.config import Settings
from rempart.core.banks import BankKind, Provenance
from rempart.core.media_signals import hash_bytes
from rempart.services import banks as bank_service
from rempart.services.matching import MatchService
from rempart.services.scan import ScanResult, ScanService
from rempart.store.scans import SqlScanStore
from rempart.store.sql import SqlBankStore, open_store

BANKED = photo_bytes(7, (320, 240))
SOLICITATIONS = ["échange nudes d'ex", "Who has her nudes? send in dm"]


def bank_db(url: str) -> None:
    """A database with a bank holding ``BANKED``."""
    store = open_store(url)
    try:
        bank_service.create_bank(store, "victims", BankKind.VICTIM)
        bank_service.add_media(store, "victims", [(Path("banked.jpg"), hash_bytes(BANKED))],
                               Provenance(source="test", labels=("ncii",)))
    finally:
        store.close()


def scan(url: str, inputs: list[Path], **kwargs: Any) -> tuple[ScanResult, list[dict[str, Any]]]:
    store = open_store(url)
    try:
        scans = SqlScanStore(store.engine)
        matcher = MatchService(store)
        matcher.load()
        service = ScanService(store, scans, matcher, Settings(), source=ExportSource(),
                              commit_seconds=0.05)
        kwargs.setdefault("workers", 1)
        result = service.scan(inputs, **kwargs)
        return result, list(scans.iter_findings(result.scan_id))
    finally:
        store.close()


def small_export(dest: Path) -> Path:
    """A hand-written single-chat export: solicitations, an invite, a caption on a photo."""
    dest.mkdir(parents=True)
    messages: list[dict[str, Any]] = [
        {"id": n + 1, "type": "message", "date": "2024-02-01T10:00:00",
         "date_unixtime": str(1706781600 + n), "from": "Ari Quill", "from_id": "user4100000000",
         "text": text}
        for n, text in enumerate([*SOLICITATIONS, "join t . me / + AbCdEf123 now", "see you"])
    ]
    (dest / "photos").mkdir()
    (dest / "photos" / "p.jpg").write_bytes(BANKED)
    messages.append({"id": 5, "type": "message", "date": "2024-02-01T10:01:00",
                     "date_unixtime": "1706781660", "from": "Ari Quill",
                     "from_id": "user4100000000", "photo": "photos/p.jpg", "text": "look"})
    chat = {"name": "Synthetic Small Chat", "type": "private_supergroup", "id": 1234567890,
            "messages": messages}
    (dest / "result.json").write_text(json.dumps(chat), encoding="utf-8")
    return dest


def by_message(findings: list[dict[str, Any]]) -> dict[tuple[int | None, int | None], Any]:
    return {(f["source"]["chat_id"], f["source"]["message_id"]): f for f in findings}


def test_generated_export_planted_copies_links_and_problems(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    bank_db(url)
    export = make_export(tmp_path / "export", messages=150, photos=30, banked=[BANKED],
                         copies_per_banked=4, seed=5)
    small = small_export(tmp_path / "small")
    result, findings = scan(url, [export.root, small])
    assert result.status == "completed" and not result.errors
    assert result.counters["messages"] == 150 + 5
    assert result.counters["media_hashed"] == export.photos + 1
    matched = {k for k, f in by_message(findings).items() if f["matches"]}
    planted = {(p.chat_id, p.message_id) for p in export.planted}
    assert len(planted) == 4 and planted <= matched
    assert (1234567890, 5) in matched
    hit = by_message(findings)[(1234567890, 5)]
    assert hit["matches"][0]["bank"] == "victims" and hit["matches"][0]["labels"] == ["ncii"]
    assert hit["media"]["path"] == "photos/p.jpg" and len(hit["media"]["sha256"]) == 64
    assert hit["text_excerpt"] == "look" and hit["scan_id"] == result.scan_id
    small_findings = by_message(findings)
    assert small_findings[(1234567890, 1)]["text"]["labels"] == ["ncii_share"]
    assert small_findings[(1234567890, 2)]["text"]["labels"] == ["ncii_request"]
    assert [x["kind"] for x in small_findings[(1234567890, 3)]["links"]] == ["invite"]
    assert (1234567890, 4) not in small_findings  # nothing to report: counted only
    problems = {f["media"]["path"]: f["media"]["problem"] for f in findings
                if f["media"] and f["media"]["problem"]}
    for path in export.hostile_paths:
        assert problems[path] in {"refused_path", "missing"}
    assert problems["/nonexistent/rempart/absolute.jpg"] == "refused_path"
    assert problems["photos/escape_link.jpg"] == "refused_path"
    assert "not_included" in problems.values()
    invites = {x["target"] for f in findings for x in f["links"] if x["kind"] == "invite"}
    assert set(export.invite_hashes) <= invites
    keys = [(f["input"], f["source"]["chat_id"], f["source"]["message_id"],
             (f["media"] or {}).get("path")) for f in findings]
    assert len(keys) == len(set(keys))


def test_bad_inputs_are_reported_and_the_rest_is_scanned(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    bank_db(url)
    broken = small_export(tmp_path / "broken")
    text = (broken / "result.json").read_text(encoding="utf-8")
    (broken / "result.json").write_text(text[: len(text) * 2 // 3] + '{"id": ', encoding="utf-8")
    folder = tmp_path / "folder" / "sub"
    folder.mkdir(parents=True)
    (folder / "copy.jpg").write_bytes(BANKED[:2] + b"\xff\xfe\x00\x05abc" + BANKED[2:])
    (folder / "other.png").write_bytes(photo_bytes(99, (200, 150), fmt="PNG"))
    (folder / "notes.txt").write_text("not media", encoding="utf-8")
    missing = tmp_path / "nowhere"
    result, findings = scan(url, [broken, missing, tmp_path / "folder"])
    assert result.status == "completed"
    errors = {Path(i.path).name: i for i in result.errors}
    assert set(errors) == {"broken", "nowhere"}
    assert "no such file" in str(errors["nowhere"].error)
    assert errors["broken"].position >= 1  # messages before the damage were scanned
    assert result.counters["files"] == 2
    folder_hits = [f for f in findings if f["source"]["platform"] == "folder"]
    assert [f["source"]["path"] for f in folder_hits] == ["sub/copy.jpg"]
    assert folder_hits[0]["matches"][0]["bank"] == "victims"
    assert any(f["text"] and f["text"]["labels"] for f in findings)  # read before the damage


def test_completed_scan_is_reused_unless_no_resume(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    bank_db(url)
    small = small_export(tmp_path / "small")
    first, findings = scan(url, [small])
    again, same = scan(url, [small])
    assert again.reused and again.scan_id == first.scan_id and same == findings
    other_banks, _ = scan(url, [small], banks=["victims"])
    assert other_banks.scan_id != first.scan_id and not other_banks.reused
    fast, quick = scan(url, [small], robust=False)
    assert fast.scan_id != first.scan_id and by_message(quick)[(1234567890, 5)]["matches"]
    fresh, refound = scan(url, [small], resume=False)
    assert fresh.scan_id != first.scan_id and len(refound) == len(findings)


def test_scan_on_each_backend(db_url: str, tmp_path: Path) -> None:
    bank_db(db_url)
    result, findings = scan(db_url, [small_export(tmp_path / "small")])
    assert result.counters["findings"] == len(findings) == 4
    store = open_store(db_url)
    try:
        groups = {m["content_group"] for f in findings for m in f["matches"]}
        seen = SqlScanStore(store.engine).sightings(groups.pop())
        assert [(s.chat_id, s.message_id) for s in seen] == [(1234567890, 5)]
    finally:
        store.close()


def _cli(url: str, export: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", "from rempart.main import main; main()", "scan",
            str(export), "--db", url, "--jsonl", "--commit-seconds", "0.05", *extra]


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child: SIGINT delivered and handled as by default, whatever the test runner's
    process left ignored or blocked (both are inherited through fork and exec)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


@pytest.mark.slow
def test_resume_after_kill_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    bank_db(url)
    # Enough work that each interruption lands mid-scan even on a loaded machine.
    export = make_export(tmp_path / "export", messages=3000, photos=120, banked=[BANKED],
                         copies_per_banked=3, seed=11)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.Popen(_cli(url, export.root, "--workers", "1"), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store: SqlBankStore = open_store(url)
    scans = SqlScanStore(store.engine)
    killed_at = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            running = scans.list_scans(limit=1)
            if running and scans.count_findings(running[0].id) >= 5:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        proc.wait(timeout=30)
        (record,) = scans.list_scans()
        assert record.status == "running", "the scan ended before it could be killed"
        killed_at = scans.count_findings(record.id)
        items_at_kill = record.counters.get("items", 0)
        # Ctrl-C (with workers this time): commits what is done, says how to resume. It is
        # sent at the resumed run's first commit, with most of the export still to scan.
        inherited = (signal.getsignal(signal.SIGINT),
                     signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))
        proc = subprocess.Popen(_cli(url, export.root, "--workers", "2"), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                preexec_fn=_ctrl_c_as_in_a_terminal)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            now = scans.get_scan(record.id)
            if now is not None and now.counters.get("items", 0) > items_at_kill:
                proc.send_signal(signal.SIGINT)
                break
            time.sleep(0.005)
        # Generous: with two workers on a loaded 2-core machine, the in-flight window drains
        # before the commit (the test guards against a hang, it times nothing).
        _, err = proc.communicate(timeout=240)
        interrupted = scans.get_scan(record.id)
        assert proc.returncode == 130 and "resume" in err, (proc.returncode, err[-2000:],
                                                            inherited)
        assert interrupted is not None and interrupted.status == "interrupted"
        resumed = subprocess.run(_cli(url, export.root, "--workers", "2"), env=env,
                                 capture_output=True, text=True, timeout=120, check=True)
        (after,) = scans.list_scans()
        assert after.id == record.id and after.status == "completed"
        keys = scans.finding_keys(record.id)
    finally:
        store.close()
    lines = [json.loads(x) for x in resumed.stdout.splitlines()]
    assert "summary" in lines[-1] and lines[-1]["scan"]["resumed"] is True
    ref_url = f"sqlite:///{tmp_path / 'ref.sqlite3'}"
    bank_db(ref_url)
    reference, expected = scan(ref_url, [export.root])
    assert 5 <= killed_at < len(expected)
    assert len(keys) == len(set(keys)) == len(expected)
    ident = [(f["source"]["message_id"], (f["media"] or {}).get("path")) for f in expected]
    got = [(f["source"]["message_id"], (f["media"] or {}).get("path")) for f in lines[:-1]]
    assert sorted(got, key=str) == sorted(ident, key=str)
    assert reference.counters["messages"] == after.counters["messages"] == 3000
    planted = {p.message_id for p in export.planted}
    assert planted <= {f["source"]["message_id"] for f in lines[:-1] if f["matches"]}


@pytest.mark.parametrize("workers", [2])
def test_pool_matches_like_inline(tmp_path: Path, workers: int) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    bank_db(url)
    export = make_export(tmp_path / "export", messages=60, photos=12, banked=[BANKED],
                         copies_per_banked=2, seed=3)
    inline, a = scan(url, [export.root], workers=1)
    pooled, b = scan(url, [export.root], workers=workers, resume=False)
    assert [(f["source"]["message_id"], [m["entry"] for m in f["matches"]]) for f in a] == \
        [(f["source"]["message_id"], [m["entry"] for m in f["matches"]]) for f in b]
    assert inline.counters == pooled.counters


def test_a_message_is_read_with_the_one_it_follows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    bank_db(url)
    dest = tmp_path / "talk"
    dest.mkdir()
    said = [("user41", "qui a le dossier de Zorbina de la seconde B ?", None),
            ("user42", "non arrête c'est illégal", 1),
            ("user41", "envoie en pv stp", None),
            ("user43", "envoie en pv", None)]
    messages = [{"id": n + 1, "type": "message", "date": "2024-02-01T10:00:00",
                 "date_unixtime": str(1706781600 + 20 * n), "from": "Ari Quill",
                 "from_id": sender, "text": text,
                 **({"reply_to_message_id": reply} if reply else {})}
                for n, (sender, text, reply) in enumerate(said)]
    (dest / "result.json").write_text(json.dumps(
        {"name": "Synthetic Talk", "type": "private_supergroup", "id": 1234567891,
         "messages": messages}), encoding="utf-8")
    _, findings = scan(url, [dest])
    found = by_message(findings)
    assert found[(1234567891, 3)]["text"]["labels"] == ["ncii_request"]
    assert found[(1234567891, 3)]["text"]["context"] == ["1"]
    assert (1234567891, 2) not in found and (1234567891, 4) not in found
