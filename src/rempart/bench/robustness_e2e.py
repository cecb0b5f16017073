"""End-to-end robustness: bank the originals in a database, run the matcher on edited copies.

The same copies as the signal-level benchmark (same seeds), but every copy goes through what
``rempart match`` does: hashing with limits, the bank store, the indexes, per-bank thresholds,
grouping per banked item. Half the originals are banked; the other half serve as distractors
(copies of unbanked photos must match nothing).
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from rempart.bench.robustness import ORIGINAL, _copies
from rempart.config import HashSettings
from rempart.core.banks import BankKind, BankPolicy, Provenance
from rempart.services import banks as bank_service
from rempart.services.hashing import hash_paths
from rempart.services.matching import MatchService
from rempart.store.sql import open_store

_SERVICE: MatchService | None = None


def _init(url: str) -> None:
    import cv2

    cv2.setNumThreads(1)
    global _SERVICE
    _SERVICE = MatchService(open_store(url, migrate=False))
    _SERVICE.load()


def _evaluate(args: tuple[int, str, list[str], int, int]) -> list[dict[str, Any]]:
    idx, path, families, copies, seed = args
    assert _SERVICE is not None
    rows = []
    for fam, data in _copies(path, families, copies, seed, idx):
        t0 = time.perf_counter()
        report = _SERVICE.match_bytes(data)
        rows.append(
            {
                "original": idx,
                "family": fam,
                "matched": sorted(
                    {
                        int(str(m.source).split(":")[1])
                        for m in report.matches
                        if (m.source or "").startswith("orig:")
                    }
                ),
                "seconds": time.perf_counter() - t0,
            }
        )
    return rows


def run_end_to_end(
    paths: list[Path], families: list[str], copies: int, seed: int, console: Console
) -> dict[str, Any]:
    """Bank every other original, match every copy, print recall and false matches."""
    banked = set(range(0, len(paths), 2))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        store = open_store(url)
        bank_service.create_bank(store, "bench", kind=BankKind.PARTNER, policy=BankPolicy.BLOCK)
        t0 = time.time()
        chosen = [paths[i] for i in sorted(banked)]
        for i, (path, hashes) in zip(
            sorted(banked), hash_paths(chosen, HashSettings()), strict=True
        ):
            bank_service.add_media(store, "bench", [(path, hashes)], Provenance(source=f"orig:{i}"))
        store.close()
        console.print(
            f"banked {len(banked)} originals in {time.time() - t0:.1f} s; "
            f"{len(paths) - len(banked)} more are distractors",
            highlight=False,
        )
        n = max(1, multiprocessing.cpu_count())
        ctx = multiprocessing.get_context("forkserver")
        rows: list[dict[str, Any]] = []
        with ProcessPoolExecutor(n, mp_context=ctx, initializer=_init, initargs=(url,)) as pool:
            jobs = [(i, str(p), families, copies, seed) for i, p in enumerate(paths)]
            for got in pool.map(_evaluate, jobs):
                rows.extend(got)
    return _report(rows, [ORIGINAL, *families], banked, console)


def _report(
    rows: list[dict[str, Any]], families: list[str], banked: set[int], console: Console
) -> dict[str, Any]:
    hit: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    false: dict[str, int] = defaultdict(int)
    distract: dict[str, int] = defaultdict(int)
    for r in rows:
        fam = r["family"]
        wrong = [j for j in r["matched"] if j != r["original"]]
        false[fam] += len(wrong)
        if r["original"] in banked:
            total[fam] += 1
            hit[fam] += r["original"] in r["matched"]
        else:
            distract[fam] += 1
    table = Table(title="End to end: `rempart match` on edited copies of banked originals")
    for col in ("edit", "banked copies", "recall", "distractor copies", "false matches"):
        table.add_column(col, justify="left" if col == "edit" else "right")
    summary: dict[str, Any] = {"families": {}}
    for fam in families:
        if not total[fam]:
            continue
        rec = hit[fam] / total[fam]
        summary["families"][fam] = {"recall": rec, "false": false[fam]}
        table.add_row(fam, str(total[fam]), f"{rec:.1%}", str(distract[fam]), str(false[fam]))
    console.print(table)
    secs = sorted(r["seconds"] for r in rows)
    console.print(
        f"match latency per copy (hash + match, one core): p50 "
        f"{1000 * secs[len(secs) // 2]:.0f} ms, p99 {1000 * secs[int(len(secs) * 0.99)]:.0f} ms; "
        f"false matches in all: {sum(false.values())}",
        highlight=False,
    )
    summary["false_total"] = sum(false.values())
    return summary
