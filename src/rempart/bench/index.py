"""`rempart bench index`: Rempart's PDQ index next to faiss and python-threatexchange.

For each ``--n``: a bank of real PDQ hashes from the corpus (when present), near-duplicates of
them (0-40 bits flipped) and random hashes; queries split in thirds between stored hashes with
0-40 flips, corpus hashes with 0-40 flips, and random hashes. Measured per system: build time,
resident memory per hash, single-query latency on one thread (p50/p99), per-query time inside a
batch (all cores), and recall against the exact answer (faiss ``IndexBinaryFlat``, or Rempart's
linear scan when faiss is missing). Reference query loops stop after ``--budget`` seconds.
Latency is wall-clock and also the query thread's CPU time, which other processes on a busy
machine do not inflate.

Example::

    $ rempart bench index --n 1000000 --n 10000000 --queries 1000
"""

from __future__ import annotations

import gc
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from numpy.typing import NDArray

from rempart.core.index import PdqIndex, hashes_to_hex, hex_to_hashes
from rempart.core.index.segment import Segment

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
Pairs = set[tuple[int, int]]


@dataclass
class Result:
    """One system measured on one bank size."""

    system: str
    n: int
    build_s: float | None = None
    rss_bytes_per_hash: float | None = None
    array_bytes_per_hash: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu_p50_ms: float | None = None
    cpu_p99_ms: float | None = None
    single_queries: int = 0
    batch_ms: float | None = None
    recall: float | None = None
    wrong: int | None = None
    note: str = ""


# -- data ---------------------------------------------------------------------------------


def corpus_hashes(corpus: Path | None) -> NDArray[np.uint8] | None:
    """The ``pdq`` field of ``corpus/manifest.jsonl``, or None when absent."""
    manifest = corpus / "manifest.jsonl" if corpus else None
    if manifest is None or not manifest.is_file():
        return None
    hexes = []
    for line in manifest.read_text().splitlines():
        pdq = json.loads(line).get("pdq") if line.strip() else None
        if isinstance(pdq, str) and len(pdq) == 64:
            hexes.append(pdq)
    return hex_to_hashes(hexes) if hexes else None


def flip_random_bits(
    rows: NDArray[np.uint8], max_flips: int, rng: np.random.Generator
) -> NDArray[np.uint8]:
    """Copies of ``rows`` with 0..max_flips distinct bits flipped each."""
    out = rows.copy()
    for start in range(0, rows.shape[0], 65_536):
        part = out[start : start + 65_536]
        k = part.shape[0]
        counts = np.asarray(rng.integers(0, max_flips + 1, size=k))
        positions = np.argsort(rng.random((k, 256)), axis=1)[:, :max_flips]
        bits = np.zeros((k, 256), dtype=bool)
        keep = np.arange(max_flips)[None, :] < counts[:, None]
        bits[np.nonzero(keep)[0], positions[keep]] = True
        part ^= np.packbits(bits, axis=1)
    return out


def make_bank(
    n: int, real: NDArray[np.uint8] | None, rng: np.random.Generator
) -> NDArray[np.uint8]:
    """Corpus hashes, up to 200 near-duplicates of each (≤1 % of n), then random hashes."""
    parts = []
    if real is not None:
        parts.append(real[:n])
        near = min(n // 100, 200 * real.shape[0])
        parts.append(flip_random_bits(real[rng.integers(0, real.shape[0], near)], 40, rng))
    used = sum(p.shape[0] for p in parts)
    parts.append(rng.integers(0, 256, size=(n - used, 32), dtype=np.uint8))
    bank = np.concatenate(parts)
    return bank[rng.permutation(n)]


def make_queries(
    bank: NDArray[np.uint8], real: NDArray[np.uint8] | None, count: int, rng: np.random.Generator
) -> NDArray[np.uint8]:
    """Thirds: stored hashes ±0-40 bits, corpus hashes ±0-40 bits, random hashes."""
    third = count // 3
    stored = bank[rng.integers(0, bank.shape[0], count - 2 * third)]
    source = real if real is not None else bank
    near_real = source[rng.integers(0, source.shape[0], third)]
    rand = rng.integers(0, 256, size=(third, 32), dtype=np.uint8)
    q = np.concatenate(
        [flip_random_bits(stored, 40, rng), flip_random_bits(near_real, 40, rng), rand]
    )
    return np.ascontiguousarray(q[rng.permutation(count)])


# -- measuring ------------------------------------------------------------------------------


def rss_bytes() -> int:
    """Resident set size of this process after returning free heap pages (Linux; else 0)."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def timed_build(build: Callable[[], Any], n: int, result: Result) -> Any:
    """Run ``build``, recording its time and resident memory per hash."""
    before = rss_bytes()
    t0 = time.perf_counter()
    built = build()
    result.build_s = time.perf_counter() - t0
    result.rss_bytes_per_hash = (rss_bytes() - before) / n if before else None
    return built


def time_single(
    query: Callable[[NDArray[np.uint8]], Pairs],
    queries: NDArray[np.uint8],
    budget_s: float,
    result: Result,
) -> list[Pairs]:
    """One query at a time until done or out of budget; fills the latency fields."""
    for q in queries[:10]:  # warm-up
        query(q)
    found, lat, cpu = [], [], []
    start = time.perf_counter()
    for q in queries:
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        found.append(query(q))
        lat.append(time.perf_counter_ns() - t0)
        cpu.append(time.thread_time_ns() - c0)
        if time.perf_counter() - start > budget_s:
            break
    ms, cpu_ms = np.array(lat) / 1e6, np.array(cpu) / 1e6
    result.p50_ms, result.p99_ms = float(np.percentile(ms, 50)), float(np.percentile(ms, 99))
    result.cpu_p50_ms = float(np.percentile(cpu_ms, 50))
    result.cpu_p99_ms = float(np.percentile(cpu_ms, 99))
    result.single_queries = len(found)
    return found


def time_batch(
    batch: Callable[[NDArray[np.uint8]], list[Pairs]], queries: NDArray[np.uint8], result: Result
) -> list[Pairs]:
    """All queries in one call; fills the per-query batch time."""
    t0 = time.perf_counter()
    found = batch(queries)
    result.batch_ms = (time.perf_counter() - t0) * 1e3 / queries.shape[0]
    return found


def score(found: Sequence[Pairs], truth: Sequence[Pairs], result: Result) -> None:
    """Recall of (id, distance) pairs against the exact answer, and pairs not in it."""
    want = sum(len(t) for t in truth[: len(found)])
    hit = sum(len(f & t) for f, t in zip(found, truth, strict=False))
    result.recall = hit / want if want else 1.0
    result.wrong = sum(len(f - t) for f, t in zip(found, truth, strict=False))


# -- systems --------------------------------------------------------------------------------


def bench_rempart(
    bank: NDArray[np.uint8], queries: NDArray[np.uint8], radius: int, budget_s: float
) -> tuple[Result, list[Pairs], list[Pairs]]:
    """Rempart's index: build, single and batch queries, incremental updates, save/load."""
    n = bank.shape[0]
    res = Result("Rempart PdqIndex", n)
    ids = np.arange(n, dtype=np.int64)
    index: PdqIndex = timed_build(lambda: PdqIndex.from_arrays(ids, bank), n, res)
    res.array_bytes_per_hash = index.nbytes / n
    plans = ", ".join(
        f"{s.plan.chunks}x{s.plan.bits}" if s.plan else "scan" for s in index.segments
    )
    kernel = "C kernel" if index.native else "numpy"
    single = time_single(lambda q: set(index.query(q, radius)), queries, budget_s, res)
    batch = time_batch(lambda qs: [set(r) for r in index.query_batch(qs, radius)], queries, res)
    extra = np.random.default_rng(1).integers(0, 256, size=(1_000, 32), dtype=np.uint8)
    t0 = time.perf_counter()
    for i in range(1_000):
        index.add([n + i], extra[i : i + 1])
    add_us = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    for i in range(1_000):
        index.remove([n + i])
    remove_us = (time.perf_counter() - t0) * 1e3
    save_s, load_s = _save_load(index)
    res.note = (
        f"{kernel}, tables {plans}; add {add_us:.0f} µs, remove {remove_us:.0f} µs per id "
        f"(1,000 singles); save {save_s:.1f} s, load {load_s:.1f} s"
    )
    return res, single, batch


def _save_load(index: PdqIndex) -> tuple[float, float]:
    """Seconds to save the index and to load it back (not memory-mapped)."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        index.save(tmp)
        save_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        PdqIndex.load(tmp)
        return save_s, time.perf_counter() - t0


def exact_truth(
    bank: NDArray[np.uint8], queries: NDArray[np.uint8], radius: int
) -> tuple[list[Pairs], str]:
    """The exact answer: faiss IndexBinaryFlat (radius+1: faiss excludes the radius itself)."""
    try:
        import faiss
    except ImportError:
        from rempart.core.index.native import load_kernel

        kernel = load_kernel()
        seg = Segment.build(np.arange(bank.shape[0]), bank, kernel, plan=None)
        out = []
        for q in queries:
            pos, d = seg.scan(q, radius, kernel)
            out.append(set(zip(seg.ids[pos].tolist(), d.tolist(), strict=True)))
        return out, "Rempart linear scan"
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    flat = faiss.IndexBinaryFlat(256)
    flat.add(bank)
    return _faiss_pairs(flat.range_search(queries, radius + 1)), "faiss IndexBinaryFlat"


def _faiss_pairs(answer: tuple[Any, Any, Any]) -> list[Pairs]:
    lims, dist, labels = answer
    return [
        set(
            zip(
                labels[lims[i] : lims[i + 1]].tolist(),
                dist[lims[i] : lims[i + 1]].tolist(),
                strict=True,
            )
        )
        for i in range(len(lims) - 1)
    ]


def bench_faiss(
    name: str,
    make: Callable[[], Any],
    bank: NDArray[np.uint8],
    queries: NDArray[np.uint8],
    radius: int,
    budget_s: float,
    truth: list[Pairs],
) -> Result:
    """A faiss binary index: range_search with radius+1 (faiss's bound is exclusive)."""
    import faiss

    n = bank.shape[0]
    res = Result(name, n)

    def build() -> Any:
        index = make()
        index.add(bank)
        return index

    index = timed_build(build, n, res)
    faiss.omp_set_num_threads(1)
    single = time_single(
        lambda q: _faiss_pairs(index.range_search(q[None, :], radius + 1))[0],
        queries,
        budget_s,
        res,
    )
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    time_batch(lambda qs: _faiss_pairs(index.range_search(qs, radius + 1)), queries, res)
    score(single, truth, res)
    return res


def bench_pytx(
    bank: NDArray[np.uint8], queries: NDArray[np.uint8], budget_s: float, truth: list[Pairs]
) -> Result:
    """python-threatexchange's default PDQ index (threshold fixed at 31, no batch API)."""
    from threatexchange.signal_type.pdq.signal import PdqSignal

    cls = PdqSignal.get_index_cls()
    n = bank.shape[0]
    res = Result(f"pytx {cls.__name__}", n)
    hexes = hashes_to_hex(bank)
    index = timed_build(lambda: cls.build(zip(hexes, range(n), strict=True)), n, res)

    def one(q: NDArray[np.uint8]) -> Pairs:
        h = q.tobytes().hex()
        return {(int(m.metadata), int(m.similarity_info.distance)) for m in index.query(h)}

    single = time_single(one, queries, budget_s, res)
    score(single, truth, res)
    res.note = f"{cls.__module__} (faiss MultiHash inside); no batch API"
    return res


# -- report --------------------------------------------------------------------------------


def _cell(r: Result, ours: Result, attr: str, spec: str, ratio: bool) -> str:
    value = getattr(r, attr)
    if value is None:
        return "—"
    text = format(value, spec)
    mine = getattr(ours, attr)
    if ratio and r is not ours and mine and value:
        text += f" ({value / mine:.1f}×)"
    return text


_ROWS = (
    ("build (s)", "build_s", ".2f", False),
    ("memory, RSS (B/hash)", "rss_bytes_per_hash", ".0f", True),
    ("memory, arrays (B/hash)", "array_bytes_per_hash", ".0f", False),
    ("single query p50 (ms, 1 thread)", "p50_ms", ".3f", True),
    ("single query p99 (ms, 1 thread)", "p99_ms", ".3f", True),
    ("single query CPU time p50 (ms)", "cpu_p50_ms", ".3f", True),
    ("single query CPU time p99 (ms)", "cpu_p99_ms", ".3f", True),
    ("batch (ms/query, all cores)", "batch_ms", ".3f", True),
    ("recall vs exact", "recall", ".4f", False),
    ("pairs not in the exact answer", "wrong", "d", False),
    ("single queries timed", "single_queries", "d", False),
)


def print_table(results: list[Result], truth_name: str, real: int) -> None:
    """One Rich table per bank size; (k×) is reference ÷ Rempart, above 1 Rempart is better."""
    from rich.console import Console
    from rich.table import Table

    ours = results[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    table = Table(
        title=f"PDQ index, n = {ours.n:,}: {real} corpus hashes, near-duplicates, random; "
        f"exact answer: {truth_name}; (k×) = reference ÷ Rempart; "
        f"{os.cpu_count()} CPUs, load average {load:.1f}",
    )
    table.add_column("")
    for r in results:
        table.add_column(r.system, justify="right")
    for label, attr, spec, ratio in _ROWS:
        table.add_row(label, *(_cell(r, ours, attr, spec, ratio) for r in results))
    console = Console(width=max(120, 26 + 24 * len(results)))
    console.print(table)
    for r in results:
        if r.note:
            console.print(f"  [bold]{r.system}[/bold]: {r.note}")


def _reference_results(
    faiss: Any,
    bank: NDArray[np.uint8],
    qs: NDArray[np.uint8],
    args: dict[str, Any],
    truth: list[Pairs],
    log: Any,
) -> list[Result]:
    n, radius, budget = bank.shape[0], args["radius"], args["budget_s"]
    results: list[Result] = []
    if faiss is not None:
        log.print("[dim]  faiss IndexBinaryFlat…[/dim]")
        flat = bench_faiss(
            "faiss IndexBinaryFlat",
            lambda: faiss.IndexBinaryFlat(256),
            bank,
            qs,
            radius,
            budget,
            truth,
        )
        flat.array_bytes_per_hash = 32.0
        results.append(flat)
        gc.collect()
        mih_name = "faiss MultiHash 16×16 nflip=1"
        if n <= args["multihash_max_n"]:
            log.print("[dim]  faiss IndexBinaryMultiHash…[/dim]")

            def multihash() -> Any:
                index = faiss.IndexBinaryMultiHash(256, 16, 16)
                index.nflip = 1
                return index

            results.append(bench_faiss(mih_name, multihash, bank, qs, radius, budget, truth))
            gc.collect()
        else:
            note = f"skipped above --multihash-max-n {args['multihash_max_n']:,}"
            results.append(Result(mih_name, n, note=note))
    pytx_name = "pytx default PDQ index"
    if n > args["pytx_max_n"]:
        results.append(
            Result(pytx_name, n, note=f"skipped above --pytx-max-n {args['pytx_max_n']:,}")
        )
    elif radius != 31:
        results.append(Result(pytx_name, n, note="skipped: its threshold is fixed at 31"))
    else:
        try:
            log.print("[dim]  python-threatexchange…[/dim]")
            results.append(bench_pytx(bank, qs, budget, truth))
        except ImportError:
            results.append(Result(pytx_name, n, note="not installed"))
        gc.collect()
    return results


def run(
    sizes: Sequence[int],
    queries: int = 1_000,
    radius: int = 31,
    corpus: Path | None = DEFAULT_CORPUS,
    budget_s: float = 30.0,
    multihash_max_n: int = 10_000_000,
    pytx_max_n: int = 1_000_000,
    jsonl: bool = False,
    seed: int = 0,
) -> list[Result]:
    """Benchmark every size; print a table per size (or JSON lines)."""
    from rich.console import Console

    faiss: Any
    try:
        import faiss
    except ImportError:
        faiss = None
    log = Console(stderr=True)
    real = corpus_hashes(corpus)
    args = {
        "radius": radius,
        "budget_s": budget_s,
        "multihash_max_n": multihash_max_n,
        "pytx_max_n": pytx_max_n,
    }
    all_results: list[Result] = []
    for n in sizes:
        rng = np.random.default_rng(seed)
        log.print(f"[dim]n={n:,}: generating hashes…[/dim]")
        bank = make_bank(n, real, rng)
        qs = make_queries(bank, real, queries, rng)
        log.print("[dim]  exact answer…[/dim]")
        truth, truth_name = exact_truth(bank, qs, radius)
        log.print("[dim]  Rempart…[/dim]")
        ours, single, batch = bench_rempart(bank, qs, radius, budget_s)
        score(single, truth, ours)
        if batch != truth:
            ours.note += "; BATCH ANSWER DIFFERS FROM THE EXACT ONE"
        if faiss is None:
            ours.note += "; faiss not installed: its indexes skipped"
        gc.collect()
        results = [ours, *_reference_results(faiss, bank, qs, args, truth, log)]
        if jsonl:
            for r in results:
                print(json.dumps(asdict(r)))
        else:
            print_table(results, truth_name, 0 if real is None else real.shape[0])
        all_results.extend(results)
        del bank, truth
        gc.collect()
    return all_results


def register(bench_app: typer.Typer) -> None:
    """Add ``rempart bench index``."""

    @bench_app.command("index")
    def index_cmd(
        n: Annotated[list[int], typer.Option("--n", help="Bank size; repeat for several.")] = [  # noqa: B006
            1_000_000
        ],
        queries: Annotated[int, typer.Option(help="Queries per size.")] = 1_000,
        radius: Annotated[int, typer.Option(help="Match radius (distance ≤ radius).")] = 31,
        corpus: Annotated[
            Path, typer.Option(help="Corpus folder with manifest.jsonl (pdq field).")
        ] = DEFAULT_CORPUS,
        budget: Annotated[
            float, typer.Option(help="Seconds of single queries per system, at most.")
        ] = 30.0,
        multihash_max_n: Annotated[
            int, typer.Option(help="Largest n for faiss MultiHash (3.4 GB at 10M).")
        ] = 10_000_000,
        pytx_max_n: Annotated[
            int, typer.Option(help="Largest n for python-threatexchange's index.")
        ] = 1_000_000,
        jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per system.")] = False,
    ) -> None:
        """Build time, memory, latency and recall of the PDQ index next to faiss and pytx."""
        run(n, queries, radius, corpus, budget, multihash_max_n, pytx_max_n, jsonl)
