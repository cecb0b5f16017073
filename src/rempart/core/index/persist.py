"""Save and load index segments as plain ``.npy`` arrays and a JSON manifest (never pickle).

A directory holds ``manifest.json`` and, per segment, ``<generation>-<i>.<array>.npy``. The
manifest is replaced atomically after the arrays are written, then files of older generations
are deleted, so a crash mid-save leaves the previous index readable. Loading checks shapes,
dtypes and table bounds, because the native kernel trusts them.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rempart.core.index.hexcodec import HASH_BYTES
from rempart.core.index.plan import Plan
from rempart.core.index.segment import Segment, perm_width, unpack_positions

FORMAT = "rempart-pdq-index"
VERSION = 2  # 2: table positions packed in 3 or 4 bytes
MANIFEST = "manifest.json"
_ARRAYS = ("ids", "hashes", "alive", "perm", "offsets")


class IndexFormatError(ValueError):
    """The directory does not hold a readable index of this version."""


def save_segments(directory: Path, segments: list[Segment]) -> None:
    """Write ``segments`` into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    generation = uuid.uuid4().hex[:12]
    entries: list[dict[str, Any]] = []
    for i, seg in enumerate(segments):
        prefix = f"{generation}-{i:03d}"
        for name in _ARRAYS:
            np.save(directory / f"{prefix}.{name}.npy", getattr(seg, name), allow_pickle=False)
        entries.append(
            {
                "prefix": prefix,
                "n": seg.n,
                "bits": seg.plan.bits if seg.plan else 0,
                "chunks": seg.plan.chunks if seg.plan else 0,
            }
        )
    manifest = {"format": FORMAT, "version": VERSION, "segments": entries}
    tmp = directory / f".{MANIFEST}.{generation}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, directory / MANIFEST)
    for path in directory.glob("*.npy"):
        if not path.name.startswith(generation):
            path.unlink(missing_ok=True)


def load_segments(directory: Path, *, mmap: bool = False) -> list[Segment]:
    """Read and validate the segments saved in ``directory``."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise IndexFormatError(f"no {MANIFEST} in {directory}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise IndexFormatError(f"unsupported index format in {directory}")
    return [_load_one(directory, entry, mmap) for entry in manifest["segments"]]


def _load_one(directory: Path, entry: dict[str, Any], mmap: bool) -> Segment:
    prefix, n = str(entry["prefix"]), int(entry["n"])
    bits, chunks = int(entry["bits"]), int(entry["chunks"])

    def arr(name: str) -> NDArray[Any]:
        a: NDArray[Any] = np.load(
            directory / f"{prefix}.{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False
        )
        return a

    plan = Plan(bits, chunks) if bits else None
    ids, hashes, perm, offsets = arr("ids"), arr("hashes"), arr("perm"), arr("offsets")
    alive = np.array(arr("alive"), dtype=np.uint8)  # tombstones stay writable
    expect = {
        "ids": (ids, np.int64, (n,)),
        "hashes": (hashes, np.uint8, (n, HASH_BYTES)),
        "alive": (alive, np.uint8, (n,)),
        "perm": (perm, np.uint8, (chunks, n * perm_width(n))),
        "offsets": (offsets, np.uint32, (chunks, plan.offsets_len if plan else 0)),
    }
    for name, (a, dtype, shape) in expect.items():
        if a.dtype != dtype or a.shape != shape or not a.flags.c_contiguous:
            raise IndexFormatError(f"{prefix}.{name}: {a.dtype}{a.shape}, expected {shape}")
    if n > 1 and bool(np.any(ids[1:] < ids[:-1])):
        raise IndexFormatError(f"{prefix}: ids not sorted")
    if plan:
        if bool(np.any(offsets[:, 0] != 0)) or bool(np.any(offsets[:, -1] != n)):
            raise IndexFormatError(f"{prefix}: bad table offsets")
        if bool(np.any(np.diff(offsets, axis=1).view(np.int32) < 0)):
            raise IndexFormatError(f"{prefix}: table offsets not increasing")
        width = perm_width(n)
        if n and any(int(unpack_positions(row, np.arange(n), width).max()) >= n for row in perm):
            raise IndexFormatError(f"{prefix}: table position out of range")
    return Segment(ids, hashes, alive, plan, perm, offsets, live=int(alive.astype(bool).sum()))
