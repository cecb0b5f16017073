"""Hashing speed: images per second per core, side by side with threatexchange's
``PdqSignal.hash_from_file`` on the same files in the same run; the whole ``rempart hash``
process (start-up included) next to a plain ``pdqhash`` loop, and where its time goes; video
seconds hashed per second next to decode-only time.

Times are CPU seconds (``time.process_time``, and the ``getrusage`` of a finished child
process): on a shared machine they measure the work, not the neighbours. Ratios are what to
read; absolute figures are noise here.
"""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from rempart.bench.corpus import IMAGE_SUFFIXES, VIDEO_SUFFIXES, corpus_files, require_corpus
from rempart.config import HashLimits, HashSettings
from rempart.core.media_signals import analyze
from rempart.services.hashing import hash_path


def _cpu_time(fn: Callable[[Path], Any], paths: list[Path], repeat: int = 1) -> float:
    fn(paths[0])  # warm-up: imports, lazy initialisation
    start = time.process_time()
    for _ in range(repeat):
        for p in paths:
            fn(p)
    return (time.process_time() - start) / repeat


def _one_pdq(path: Path) -> Any:
    """The same output as threatexchange: one PDQ of the image (decoded at reduced size)."""
    from rempart.config import HashLimits
    from rempart.core.media import decode_image
    from rempart.core.signals.pdq import pdq_hash

    return pdq_hash(decode_image(path.read_bytes(), HashLimits(), long_side=512).rgb)


def _decode_only(data: bytes) -> float:
    import av

    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        for _frame in container.decode(stream):
            pass
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
        return 0.0


def _by_format(images: list[Path], settings: HashSettings, console: Console) -> dict[str, Any]:
    """The PDQ-signals ratio per image format: JPEG can be decoded at reduced size, WebP can't."""
    from threatexchange.signal_type.pdq.signal import PdqSignal

    from rempart.core.media import sniff

    groups: dict[str, list[Path]] = {}
    for p in images:
        groups.setdefault(sniff(p.read_bytes()[:64]) or "other", []).append(p)
    table = Table(title="PDQ signals by format (CPU time per image)")
    for col in ("format", "images", "threatexchange ms", "Rempart PDQ signals ms", "speed ratio"):
        table.add_column(col, justify="left" if col == "format" else "right")
    out: dict[str, Any] = {}
    for fmt, paths in sorted(groups.items()):
        ref = _cpu_time(lambda p: PdqSignal.hash_from_file(p), paths) / len(paths)
        ours = _cpu_time(lambda p: hash_path(p, settings), paths) / len(paths)
        out[fmt] = {"images": len(paths), "ratio": ref / ours}
        table.add_row(fmt, str(len(paths)), f"{1000 * ref:.2f}", f"{1000 * ours:.2f}",
                      f"{ref / ours:.2f}×")
    console.print(table)
    return out


# The loop a user would write with the `pdqhash` package: full-size decode, one PDQ per file.
_PLAIN_LOOP = """
import sys
import numpy as np, pdqhash
from PIL import Image
for path in sys.argv[1:]:
    pdqhash.compute(np.asarray(Image.open(path).convert("RGB")))
"""
_REMPART = "from rempart.main import main; main()"


def _child(argv: list[str]) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of ``python argv…`` run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime), wall


def _steps(images: list[Path]) -> dict[str, float]:
    """CPU seconds of each part of hashing ``images`` in this process, summed over them."""
    import numpy as np
    import pdqhash
    from PIL import Image

    from rempart.core.media import decode_image
    from rempart.core.media_signals import hash_bytes
    from rempart.core.signals.exact import exact_hashes
    from rempart.core.signals.orb import REF_SIDE

    limits, pdq_only, full = HashLimits(), HashSettings(robust=False), HashSettings()
    ours: dict[str, Callable[[bytes], Any]] = {
        "decode": lambda d: decode_image(d, limits, long_side=REF_SIDE),
        "exact": exact_hashes,
        "default": lambda d: hash_bytes(d, pdq_only),
        "robust": lambda d: hash_bytes(d, full),
    }
    total = dict.fromkeys(["plain decode", "plain pdq", *ours], 0.0)
    for path in images:
        data = path.read_bytes()
        start = time.process_time()
        pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        decoded = time.process_time()
        pdqhash.compute(pixels)
        total["plain decode"] += decoded - start
        total["plain pdq"] += time.process_time() - decoded
        for name, fn in ours.items():
            start = time.process_time()
            fn(data)
            total[name] += time.process_time() - start
    return total


def whole_process(images: list[Path], console: Console) -> dict[str, Any]:
    """``rempart hash`` as a user runs it (a new process, one worker) vs a plain pdqhash loop,
    both over ``images``; then where the time goes, part by part."""
    files = [str(p) for p in images]
    hash_argv = ["-c", _REMPART, "hash", "--jsonl", "--workers", "1", *files]
    runs = {
        "plain pdqhash loop (PIL open + convert + pdqhash.compute)": ["-c", _PLAIN_LOOP, *files],
        "rempart hash --workers 1 (md5, sha256, PDQ + 8 variants)": hash_argv,
        "rempart hash --workers 1 --robust (+ orb, region PDQ)": [*hash_argv, "--robust"],
    }
    table = Table(title=f"Whole process, start-up included, {len(images)} images, one core")
    for col in ("command", "CPU s", "wall s", "ms/image (CPU)", "speed vs plain loop"):
        table.add_column(col, justify="left" if col == "command" else "right")
    out: dict[str, Any] = {"images": len(images)}
    base = None
    for name, argv in runs.items():
        cpu, wall = _child(argv)
        base = base or cpu
        out[name] = {"cpu_s": cpu, "wall_s": wall, "ratio": base / cpu}
        table.add_row(name, f"{cpu:.2f}", f"{wall:.2f}", f"{1000 * cpu / len(images):.2f}",
                      f"{base / cpu:.2f}×")
    console.print(table)

    start_plain = _child(["-c", "import numpy, PIL.Image, pdqhash"])[0]
    start_cli = _child(["-c", _REMPART, "hash", "--help"])[0]
    start_hashing = _child(["-c", "import rempart.services.hashing"])[0]
    steps = _steps(images)
    default, decode, exact = steps["default"], steps["decode"], steps["exact"]
    where = {
        "plain: start-up (python, numpy, Pillow, pdqhash)": start_plain,
        "plain: PIL full-size decode": steps["plain decode"],
        "plain: pdqhash.compute": steps["plain pdq"],
        "Rempart: start-up (`rempart hash --help`: every CLI command's imports)": start_cli,
        "  of which python + the hashing modules": start_hashing,
        "Rempart: decode at reduced size": decode,
        "Rempart: PDQ + 7 rotations/mirrors + trimmed PDQ": max(0.0, default - decode - exact),
        "Rempart: md5 + sha256": exact,
        "Rempart: robust signals (orb, region PDQ; --robust only)": max(
            0.0, steps["robust"] - default),
    }
    wt = Table(title="Where the time goes (CPU s; images hashed in this process)")
    for col in ("part", "CPU s", "ms/image"):
        wt.add_column(col, justify="left" if col == "part" else "right")
    for name, seconds in where.items():
        per = "" if "start-up" in name or "hashing modules" in name else (
            f"{1000 * seconds / len(images):.2f}")
        wt.add_row(name, f"{seconds:.2f}", per)
    console.print(wt)
    out["where"] = where
    return out


def run(
    corpus: Path | None, *, limit: int = 200, max_videos: int = 10, processes: bool = True
) -> dict[str, Any]:
    """Print the image and video tables (``processes``: with the whole-process runs)."""
    import cv2

    cv2.setNumThreads(1)
    console = Console()
    root = require_corpus(corpus, console)
    images = corpus_files(root, IMAGE_SUFFIXES, "images")[:limit]
    out: dict[str, Any] = {}
    if images:
        from threatexchange.signal_type.pdq.signal import PdqSignal

        pdq_only = HashSettings(robust=False)
        full = HashSettings()
        rows = [
            ("threatexchange PdqSignal.hash_from_file", lambda p: PdqSignal.hash_from_file(p)),
            ("Rempart, same output (one PDQ, reduced decode)", _one_pdq),
            ("Rempart PDQ signals (pdq + 7 dihedral + trimmed)", lambda p: hash_path(p, pdq_only)),
            ("Rempart bank signals (+ orb, regions)", lambda p: hash_path(p, full)),
            (
                "Rempart match probe (pdq + dihedral + orb probe)",
                lambda p: analyze(p.read_bytes(), full, probe=True),
            ),
        ]
        table = Table(title=f"Image hashing, {len(images)} corpus images, one core (CPU time)")
        for col in ("method", "images/s per core", "ms/image", "speed vs threatexchange"):
            table.add_column(col, justify="left" if col == "method" else "right")
        base = None
        for name, fn in rows:
            seconds = _cpu_time(fn, images)
            per = seconds / len(images)
            base = base or per
            out[name] = {"ms_per_image": per * 1000, "ratio": base / per}
            table.add_row(name, f"{1 / per:.1f}", f"{per * 1000:.2f}", f"{base / per:.2f}×")
        console.print(table)
        out["by_format"] = _by_format(images, pdq_only, console)
        if processes:
            out["whole_process"] = whole_process(images, console)
    videos = corpus_files(root, VIDEO_SUFFIXES, "videos")[:max_videos]
    if videos:
        vt = Table(title=f"Video hashing (vPDQ, 1 frame/s), {len(videos)} videos (CPU time)")
        for col in (
            "video",
            "seconds",
            "decode only: video s/s",
            "Rempart vPDQ: video s/s",
            "vPDQ time / decode time",
        ):
            vt.add_column(col, justify="left" if col == "video" else "right")
        tot_d = tot_h = tot_len = 0.0
        for v in videos:
            data = v.read_bytes()
            t0 = time.process_time()
            length = _decode_only(data)
            t1 = time.process_time()
            h = analyze(data, HashSettings()).hashes
            t2 = time.process_time()
            length = length or (h.duration or 0.0)
            tot_d += t1 - t0
            tot_h += t2 - t1
            tot_len += length
            vt.add_row(
                v.name,
                f"{length:.1f}",
                f"{length / max(t1 - t0, 1e-9):.0f}",
                f"{length / max(t2 - t1, 1e-9):.0f}",
                f"{(t2 - t1) / max(t1 - t0, 1e-9):.2f}",
            )
        vt.add_row(
            "all",
            f"{tot_len:.1f}",
            f"{tot_len / max(tot_d, 1e-9):.0f}",
            f"{tot_len / max(tot_h, 1e-9):.0f}",
            f"{tot_h / max(tot_d, 1e-9):.2f}",
        )
        console.print(vt)
        out["video"] = {
            "decode_s_per_s": tot_len / max(tot_d, 1e-9),
            "vpdq_s_per_s": tot_len / max(tot_h, 1e-9),
        }
    return out
