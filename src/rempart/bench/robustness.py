"""Robustness benchmark: does an edited re-share still match its original?

For every original of the corpus and every edit family, an edited copy is made and compared
with every original: recall is the share of copies that match their own original, false
matches count (copy or original, other original) pairs that match. Printed side by side for
Rempart's signals, plain PDQ as python-threatexchange computes it (pdqhash on the full decoded
image, distance ≤ 31) and ``imagehash.phash`` (distance ≤ 8 of 64 bits).

The ``dark`` and ``foggy`` families bank the night shot (or foggy view) of every original
(``bench.edits.SCENES``) and re-share it resized, captioned or cropped; their decoys are every
other original darkened (or fogged) the same way, and the rows ``dark original`` and ``foggy
original`` count the banked pictures that match one another.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import random
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from rempart.bench.corpus import IMAGE_SUFFIXES, corpus_files, require_corpus
from rempart.bench.edits import EDITS, SCENES, apply_edit
from rempart.config import HashSettings
from rempart.core.media_signals import analyze, hash_bytes
from rempart.core.orb_index import OrbIndex
from rempart.core.signals.orb import OrbProbe, OrbReference
from rempart.core.signals.pdq import DEFAULT_THRESHOLD, MIN_QUALITY
from rempart.core.types import MediaHashes

PHASH_THRESHOLD = 8
ORIGINAL = "original"


def pdq_hex_set(h: MediaHashes) -> list[str]:
    """Every PDQ hash of a media item worth comparing (quality ≥ 50)."""
    out = [h.pdq.hash] if h.pdq and h.pdq.quality >= MIN_QUALITY else []
    out += [v.hash for v in h.pdq_variants if v.quality >= MIN_QUALITY]
    return out


def _matrix(hexes: list[str]) -> np.ndarray:
    if not hexes:
        return np.zeros((0, 4), np.uint64)
    return (
        np.frombuffer(b"".join(bytes.fromhex(x) for x in hexes), np.uint8)
        .reshape(-1, 32)
        .view(np.uint64)
    )


def _reference_pdq(data: bytes) -> tuple[str, int]:
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

    return pdq_from_bytes(data)


def _phash(data: bytes) -> int:
    import imagehash

    return int(str(imagehash.phash(Image.open(io.BytesIO(data)))), 16)


@dataclass
class Bank:
    """What every worker knows of the originals."""

    pdq: np.ndarray  # (n_hashes, 4) uint64
    pdq_owner: np.ndarray  # (n_hashes,) original index
    plain: list[tuple[str, int]]  # plain PDQ (hex, quality) per original
    phash: list[int]
    orb: OrbIndex = field(default_factory=OrbIndex)


_BANKS: dict[str, Bank] = {}  # by scene ("" for the originals as they are)


def _make_bank(refs: list[MediaHashes], plain: list[tuple[str, int]], phash: list[int]) -> Bank:
    hexes: list[str] = []
    owners: list[int] = []
    index = OrbIndex()
    for i, h in enumerate(refs):
        hs = pdq_hex_set(h)
        hexes += hs
        owners += [i] * len(hs)
        if h.orb:
            index.add(i, OrbReference.parse(h.orb))
        if h.orb_tone:  # a dim picture's second reference: its id tells it from the first
            index.add(len(refs) + i, OrbReference.parse(h.orb_tone))
    return Bank(_matrix(hexes), np.array(owners, np.int64), plain, phash, index)


Prepared = tuple[MediaHashes, tuple[str, int], int]


def _init(banks: dict[str, list[Prepared]]) -> None:
    import cv2

    cv2.setNumThreads(1)
    for scene, prepared in banks.items():
        _BANKS[scene] = _make_bank(
            [p[0] for p in prepared], [p[1] for p in prepared], [p[2] for p in prepared]
        )


def _scene_of(family: str) -> str:
    return family if family in SCENES else ""


def _source(path: str, scene: str) -> bytes:
    """The original's bytes, or those of its night shot / foggy view (JPEG) for a scene."""
    data = Path(path).read_bytes()
    if not scene:
        return data
    im = Image.open(io.BytesIO(data))
    im.load()
    buf = io.BytesIO()
    SCENES[scene](im).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _prepare(job: tuple[str, str]) -> Prepared:
    import cv2

    cv2.setNumThreads(1)
    data = _source(*job)
    return hash_bytes(data), _reference_pdq(data), _phash(data)


def _copies(
    path: str, families: list[str], copies: int, seed: int, idx: int
) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for scene in ("", *(f for f in families if f in SCENES)):
        data = _source(path, scene)
        out.append((f"{scene} {ORIGINAL}" if scene else ORIGINAL, data))
    for fam in families:
        data = dict(out)[f"{fam} {ORIGINAL}" if fam in SCENES else ORIGINAL]
        im = Image.open(io.BytesIO(data))
        im.load()
        for c in range(copies):
            rng = random.Random(f"{seed}:{idx}:{fam}:{c}")
            edited = apply_edit(fam, im, rng).convert("RGB")
            buf = io.BytesIO()
            edited.save(buf, "JPEG", quality=90)
            out.append((fam, buf.getvalue()))
    return out


def _rempart_matches(data: bytes, bank: Bank) -> tuple[set[int], dict[int, str]]:
    a = analyze(data, HashSettings(), probe=True)
    matched: dict[int, str] = {}
    q = _matrix(pdq_hex_set(a.hashes))
    if len(q) and len(bank.pdq):
        d = np.bitwise_count(q[:, None, :] ^ bank.pdq[None, :, :]).sum(axis=2)
        for owner in np.unique(bank.pdq_owner[(d <= DEFAULT_THRESHOLD).any(axis=0)]):
            matched[int(owner)] = "pdq"
    if isinstance(a.probe, OrbProbe):
        for ref_id, _m in bank.orb.query(a.probe):
            matched.setdefault(ref_id % len(bank.plain), "orb")
    return set(matched), matched


def _evaluate(args: tuple[int, str, list[str], int, int]) -> list[dict[str, Any]]:
    idx, path, families, copies, seed = args
    rows = []
    for fam, data in _copies(path, families, copies, seed, idx):
        bank = _BANKS[_scene_of(fam.removesuffix(f" {ORIGINAL}"))]
        t0 = time.perf_counter()
        ours, how = _rempart_matches(data, bank)
        elapsed = time.perf_counter() - t0
        plain_hex, _plain_q = _reference_pdq(data)
        plain = {
            j
            for j, (h, q) in enumerate(bank.plain)
            if (int(h, 16) ^ int(plain_hex, 16)).bit_count() <= DEFAULT_THRESHOLD
        }
        ph = _phash(data)
        phm = {
            j for j, other in enumerate(bank.phash) if (other ^ ph).bit_count() <= PHASH_THRESHOLD
        }
        rows.append(
            {
                "original": idx,
                "family": fam,
                "rempart": sorted(ours),
                "rempart_via": how.get(idx),
                "pdq": sorted(plain),
                "phash": sorted(phm),
                "seconds": round(elapsed, 4),
            }
        )
    return rows


def run(
    corpus: Path | None,
    *,
    limit: int = 200,
    copies: int = 1,
    families: list[str] | None = None,
    seed: int = 0,
    workers: int = 0,
    end_to_end: bool = False,
    jsonl: Path | None = None,
) -> dict[str, Any]:
    """Run the benchmark and print the table; returns the summary."""
    console = Console()
    root = require_corpus(corpus, console, " (a folder of photos)")
    paths = corpus_files(root, IMAGE_SUFFIXES, "images")[:limit]
    fams = families or list(EDITS)
    unknown = [f for f in fams if f not in EDITS]
    if unknown:
        console.print(f"Unknown edit families: {unknown}; known: {sorted(EDITS)}")
        raise SystemExit(2)
    if end_to_end:
        if any(f in SCENES for f in fams):
            console.print(f"--end-to-end banks the originals as they are: drop {sorted(SCENES)}.")
            raise SystemExit(2)
        from rempart.bench.robustness_e2e import run_end_to_end

        summary: dict[str, Any] = run_end_to_end(paths, fams, copies, seed, console)
        return summary
    n = workers or max(1, multiprocessing.cpu_count())
    ctx = multiprocessing.get_context("forkserver")
    t0 = time.time()
    scenes = ["", *(f for f in fams if f in SCENES)]
    banks: dict[str, list[Prepared]] = {}
    with ProcessPoolExecutor(n, mp_context=ctx) as pool:
        for scene in scenes:
            sources = [(str(p), scene) for p in paths]
            banks[scene] = list(pool.map(_prepare, sources, chunksize=2))
    console.print(
        f"{len(paths)} originals hashed in {time.time() - t0:.1f} s; "
        f"{len(fams)} edit families × {copies} copies",
        highlight=False,
    )
    rows: list[dict[str, Any]] = []
    with ProcessPoolExecutor(n, mp_context=ctx, initializer=_init, initargs=(banks,)) as pool:
        jobs = [(i, str(p), fams, copies, seed) for i, p in enumerate(paths)]
        for got in pool.map(_evaluate, jobs):
            rows.extend(got)
    if jsonl:
        with jsonl.open("w") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
    originals = [ORIGINAL, *(f"{s} {ORIGINAL}" for s in scenes if s)]
    return report(rows, [*originals, *fams], console)


def report(rows: list[dict[str, Any]], families: list[str], console: Console) -> dict[str, Any]:
    """Print recall per family and false matches for the three methods."""
    methods = ("rempart", "pdq", "phash")
    hit: dict[tuple[str, str], int] = defaultdict(int)
    false: dict[tuple[str, str], int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    via: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        total[r["family"]] += 1
        for m in methods:
            hit[(r["family"], m)] += r["original"] in r[m]
            false[(r["family"], m)] += len([j for j in r[m] if j != r["original"]])
        if r["rempart_via"]:
            via[(r["family"], r["rempart_via"])] += 1
    table = Table(title="Recall per edit family (share of edited copies matching their original)")
    for col in (
        "edit",
        "copies",
        "Rempart",
        "via pdq/orb",
        "plain PDQ ≤31",
        f"phash ≤{PHASH_THRESHOLD}",
        "false: Rempart",
        "false: PDQ",
        "false: phash",
    ):
        table.add_column(col, justify="left" if col == "edit" else "right")
    summary: dict[str, Any] = {"families": {}}
    for fam in families:
        n = total[fam]
        if not n:
            continue
        rec = {m: hit[(fam, m)] / n for m in methods}
        summary["families"][fam] = {
            "copies": n,
            "recall": rec,
            "false": {m: false[(fam, m)] for m in methods},
        }
        table.add_row(
            fam,
            str(n),
            *(f"{rec[m]:.1%}" for m in methods[:1]),
            f"{via[(fam, 'pdq')]}/{via[(fam, 'orb')]}",
            *(f"{rec[m]:.1%}" for m in methods[1:]),
            *(str(false[(fam, m)]) for m in methods),
        )
    pairs = sum(total.values()) * (max(r["original"] for r in rows) if rows else 0)
    tot_false = {m: sum(false[(f, m)] for f in families) for m in methods}
    table.add_row("all pairs", str(pairs), "", "", "", "", *(str(tot_false[m]) for m in methods))
    console.print(table)
    worst = min((v["recall"]["rempart"], k) for k, v in summary["families"].items())
    console.print(
        f"Rempart: lowest recall {worst[0]:.1%} ({worst[1]}); false matches "
        f"{tot_false['rempart']} over {pairs} pairs of different originals. "
        f"Mean match time per copy "
        f"{1000 * np.mean([r['seconds'] for r in rows]):.1f} ms.",
        highlight=False,
    )
    summary["false_total"] = tot_false
    summary["pairs"] = pairs
    return summary
