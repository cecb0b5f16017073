"""`rempart bench scan`: messages and photos per second of a whole scan of a generated export,
recall of the planted copies of banked images, next to plain threatexchange-style PDQ hashing
(``pdqhash`` on the fully decoded photo) of the same photos with the same number of processes.

The scan does far more per photo than the reference (PDQ of 8 orientations and the trimmed
view, ORB probe features, bank lookup and ORB confirmation, text classification, storage):
read the ratio as the price of that robustness. Times are wall-clock; the load average is
printed because a busy machine slows both sides.

Example::

    $ rempart bench scan --messages 20000 --photos 5000 --workers 2
"""

from __future__ import annotations

import io
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from rempart.bench.options import CoreWorkers


def _reference_pdq(path: str) -> str:
    """threatexchange's way: decode the whole image, one PDQ hash."""
    import numpy as np
    import pdqhash
    from PIL import Image

    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"))
    vector, _quality = pdqhash.compute(rgb)
    return "".join(str(int(b)) for b in vector)


def _reference(paths: list[str], workers: int) -> tuple[float, list[str]]:
    start = time.perf_counter()
    if workers <= 1:
        bits = [_reference_pdq(p) for p in paths]
    else:
        ctx = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            bits = list(pool.map(_reference_pdq, paths, chunksize=32))
    return time.perf_counter() - start, bits


def _distance(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def run(*, messages: int = 20_000, photos: int = 5_000, banked: int = 10, copies: int = 3,
        workers: int = 0, seed: int = 0, shape: str = "full") -> dict[str, Any]:
    """Generate, bank, scan, compare; print the table and return the figures."""
    from rempart.adapters.cli.scan_cmd import ExportSource
    from rempart.bench.synthetic_export import make_export
    from rempart.bench.synthetic_images import photo_bytes
    from rempart.config import Settings
    from rempart.core.banks import BankKind, Provenance
    from rempart.core.media_signals import hash_bytes
    from rempart.services import banks as bank_service
    from rempart.services.hashing import default_workers
    from rempart.services.matching import MatchService
    from rempart.services.scan import ScanService
    from rempart.store.scans import SqlScanStore
    from rempart.store.sql import open_store

    console = Console()
    n = workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="rempart-bench-scan-") as tmp:
        root = Path(tmp)
        originals = [photo_bytes(1000 + i, (320, 240)) for i in range(banked)]
        t0 = time.perf_counter()
        export = make_export(root / "export", messages=messages, photos=photos,
                             banked=originals, copies_per_banked=copies, seed=seed,
                             shape="full" if shape == "full" else "single")
        generated = time.perf_counter() - t0
        console.print(f"generated {export.messages} messages, {export.photos} photos "
                      f"({len(export.planted)} planted copies of {banked} banked images) "
                      f"in {generated:.1f} s", highlight=False)
        url = f"sqlite:///{root / 'bench.sqlite3'}"
        store = open_store(url)
        try:
            bank_service.create_bank(store, "bench", BankKind.VICTIM)
            bank_service.add_media(store, "bench",
                                   [(Path(f"banked-{i}.jpg"), hash_bytes(b))
                                    for i, b in enumerate(originals)],
                                   Provenance(source="bench"))
            scans = SqlScanStore(store.engine)
            matcher = MatchService(store)
            matcher.load()
            service = ScanService(store, scans, matcher, Settings(), source=ExportSource())
            planted = {(p.chat_id, p.message_id) for p in export.planted}
            runs: dict[bool, tuple[float, dict[str, int], float, int]] = {}
            for robust in (True, False):
                start = time.perf_counter()
                result = service.scan([export.root], None, workers=n, resume=False,
                                      robust=robust)
                seconds = time.perf_counter() - start
                found = {(f["source"]["chat_id"], f["source"]["message_id"])
                         for f in scans.iter_findings(result.scan_id) if f["matches"]}
                recall = len(planted & found) / len(planted) if planted else 1.0
                runs[robust] = (seconds, result.counters, recall, len(found - planted))
        finally:
            store.close()
        photo_paths = sorted(str(p) for p in root.joinpath("export").rglob("*.jpg")
                             if p.is_file() and not p.is_symlink())
        ref_seconds, ref_bits = _reference(photo_paths, n)
        ref_recall = _reference_recall(export, root / "export", originals, photo_paths, ref_bits)
    load = os.getloadavg()[0]
    ref_photos = len(photo_paths) / ref_seconds
    table = Table(title=f"Scan of a generated export, {n} worker process(es), "
                        f"load average {load:.1f} on {os.cpu_count()} cores (wall time)")
    for col in ("method", "messages/s", "photos/s", "recall of planted copies",
                "false matches", "speed vs reference"):
        table.add_column(col, justify="left" if col == "method" else "right")
    figures: dict[str, Any] = {"reference_photos_per_s": ref_photos,
                               "reference_recall": ref_recall}
    for robust, name in ((True, "rempart scan (PDQ + ORB match, text, store)"),
                         (False, "rempart scan --no-robust (PDQ + exact only)")):
        seconds, c, recall, false_matches = runs[robust]
        photos_s = c.get("media_hashed", 0) / seconds
        messages_s = c.get("messages", 0) / seconds
        table.add_row(name, f"{messages_s:.0f}", f"{photos_s:.1f}", f"{recall:.1%}",
                      str(false_matches), f"{photos_s / ref_photos:.2f}×")
        figures["robust" if robust else "fast"] = {
            "seconds": seconds, "messages_per_s": messages_s, "photos_per_s": photos_s,
            "recall": recall, "false_matches": false_matches, "ratio": photos_s / ref_photos,
            "findings": c.get("findings", 0)}
    table.add_row("reference: pdqhash on full decode (hashing only)", "—", f"{ref_photos:.1f}",
                  f"{ref_recall:.1%} (PDQ ≤ 31)", "—", "1.00×")
    console.print(table)
    console.print(f"{export.messages} messages, {export.photos} photos; "
                  "target ≥ 150 photos/s on 2 cores", highlight=False)
    return figures

def _reference_recall(export: Any, root: Path, originals: list[bytes], paths: list[str],
                      bits: list[str]) -> float:
    """Share of planted copies whose plain PDQ is within 31 bits of their original's."""
    import numpy as np
    import pdqhash
    from PIL import Image

    def of(data: bytes) -> str:
        with Image.open(io.BytesIO(data)) as im:
            vector, _ = pdqhash.compute(np.asarray(im.convert("RGB")))
        return "".join(str(int(b)) for b in vector)

    banked = [of(b) for b in originals]
    by_path = dict(zip(paths, bits, strict=True))
    hits = 0
    for p in export.planted:
        copy = by_path.get(str(root / p.path))
        hits += copy is not None and _distance(copy, banked[p.banked_index]) <= 31
    return hits / len(export.planted) if export.planted else 1.0


def scan(
    messages: Annotated[int, typer.Option(help="Messages in the generated export.")] = 20_000,
    photos: Annotated[int, typer.Option(help="Photos among them.")] = 5_000,
    banked: Annotated[int, typer.Option(help="Banked images planted in the export.")] = 10,
    copies: Annotated[int, typer.Option(help="Altered copies planted per banked image.")] = 3,
    workers: CoreWorkers = 0,
    seed: Annotated[int, typer.Option(help="Seed of the generated export.")] = 0,
    distributed: Annotated[bool, typer.Option(
        "--distributed", help="Scan on 1 then --workers `rempart worker` processes (Redis, "
        "PostgreSQL) and a worker killed mid-scan; see bench.scan_distributed.")] = False,
    batch_items: Annotated[int, typer.Option(
        help="--distributed: items per task.")] = 100,
) -> None:
    """Messages and photos per second of `rempart scan`, recall of planted copies, vs pdqhash."""
    if photos > messages or min(messages, photos, banked, copies) < 0:
        raise typer.BadParameter("need 0 <= photos <= messages and non-negative counts")
    if distributed:
        from rempart.bench import scan_distributed

        scan_distributed.run(messages=messages, photos=photos, banked=banked, copies=copies,
                             workers=workers or 2, seed=seed, batch_items=batch_items)
        return
    run(messages=messages, photos=photos, banked=banked, copies=copies, workers=workers,
        seed=seed)


def register(bench_app: typer.Typer) -> None:
    """Add ``rempart bench scan``."""
    bench_app.command("scan")(scan)
