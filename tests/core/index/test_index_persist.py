"""Save/load round trips, format checks, the numpy fallback, the hex codec."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from index_hashgen import flip_bits, random_hashes

from rempart.core.index import (
    IndexFormatError,
    PdqIndex,
    hashes_to_hex,
    hex_to_hash,
    hex_to_hashes,
)
from rempart.core.index import native as native_module


def _populated(native: bool) -> tuple[PdqIndex, np.ndarray]:
    rng = np.random.default_rng(20)
    hashes = random_hashes(rng, 6_000)
    index = PdqIndex.from_arrays(np.arange(6_000), hashes, native=native)
    index.add([70_000, 70_001], hashes[:2])  # in the delta
    index.remove([3, 70_001])  # tombstones in both
    return index, hashes


@pytest.mark.parametrize("mmap", [False, True])
def test_save_load_round_trip(tmp_path: Path, native: bool, mmap: bool) -> None:
    index, hashes = _populated(native)
    rng = np.random.default_rng(21)
    queries = np.array([flip_bits(rng, hashes[i], i % 40) for i in range(0, 6_000, 97)])
    index.save(tmp_path / "idx")
    loaded = PdqIndex.load(tmp_path / "idx", mmap=mmap, native=native)
    assert len(loaded) == len(index) == 6_000
    assert loaded.query_batch(queries, 31) == index.query_batch(queries, 31)
    assert loaded.query(hashes[0], 0) == [(0, 0), (70_000, 0)]
    assert loaded.query(hashes[3], 0) == []
    # A loaded index stays writable, memory-mapped or not.
    assert loaded.remove([0]) == 1
    loaded.add([80_000], hashes[3:4])
    assert loaded.query(hashes[3], 0) == [(80_000, 0)]


def test_save_twice_replaces_files(tmp_path: Path) -> None:
    index, _ = _populated(native_module.load_kernel() is not None)
    index.save(tmp_path)
    first = set(tmp_path.glob("*.npy"))
    index.remove([10])
    index.save(tmp_path)
    second = set(tmp_path.glob("*.npy"))
    assert first.isdisjoint(second) and len(second) == len(first)
    assert len(PdqIndex.load(tmp_path)) == 5_999


def test_empty_round_trip(tmp_path: Path) -> None:
    PdqIndex().save(tmp_path)
    assert len(PdqIndex.load(tmp_path)) == 0


def test_load_rejects_bad_directories(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError):
        PdqIndex.load(tmp_path)
    index, _ = _populated(False)
    index.save(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    perm_file = max(tmp_path.glob("*.perm.npy"), key=lambda f: f.stat().st_size)
    perm = np.load(perm_file)
    perm[0, :3] = 255  # position 2**24 - 1: outside the hashes
    np.save(perm_file, perm)
    with pytest.raises(IndexFormatError):
        PdqIndex.load(tmp_path)
    manifest["version"] = 99
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError):
        PdqIndex.load(tmp_path)


def test_numpy_fallback_when_native_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMPART_INDEX_NATIVE", "0")
    assert PdqIndex().native is False
    assert native_module.load_kernel(True) is None or PdqIndex(native=True).native


def test_native_required_but_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_native(name: str, *args: object, **kwargs: object) -> object:
        fromlist = args[2] if len(args) > 2 else kwargs.get("fromlist")
        if name == "rempart.core.index" and fromlist and "_native" in fromlist:  # type: ignore[operator]
            raise ImportError("simulated missing extension")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_native)
    assert native_module.load_kernel() is None
    assert PdqIndex().native is False
    with pytest.raises(RuntimeError):
        PdqIndex(native=True)


def test_hex_codec_round_trip() -> None:
    rng = np.random.default_rng(22)
    hashes = random_hashes(rng, 50)
    hexes = hashes_to_hex(hashes)
    assert all(len(h) == 64 and h == h.lower() for h in hexes)
    assert np.array_equal(hex_to_hashes(hexes), hashes)
    assert np.array_equal(hex_to_hashes(h.upper() for h in hexes), hashes)
    assert hex_to_hash(hexes[0]).tolist() == hashes[0].tolist()
    assert hex_to_hashes([]).shape == (0, 32)
    with pytest.raises(ValueError):
        hex_to_hashes(["ab" * 31])
    with pytest.raises(ValueError):
        hex_to_hashes(["zz" * 32])
