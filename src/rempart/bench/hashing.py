"""Hashing speed: images per second per core, side by side with threatexchange's
``PdqSignal.hash_from_file`` on the same files in the same run; video seconds hashed per second
next to decode-only time.

Times are CPU seconds of this process (``time.process_time``): on a shared machine they measure
the work, not the neighbours. Ratios are what to read; absolute figures are noise here.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from rempart.bench.corpus import IMAGE_SUFFIXES, VIDEO_SUFFIXES, corpus_files, require_corpus
from rempart.config import HashSettings
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


def run(corpus: Path | None, *, limit: int = 200, max_videos: int = 10) -> dict[str, Any]:
    """Print the image and video tables; returns the figures."""
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
