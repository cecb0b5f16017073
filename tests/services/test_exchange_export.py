"""Exports other systems can trust: each item's primary signal by default, derived ones only
when asked and labelled; the files read back in python-threatexchange (test-only dependency)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from rempart.bench.synthetic_images import photo_bytes
from rempart.core.banks import Provenance
from rempart.core.media_signals import hash_bytes
from rempart.core.signals.vpdq import serialize as serialize_vpdq
from rempart.core.types import FrameHash
from rempart.services import banks as svc
from rempart.store import open_store
from rempart.store.sql import SqlBankStore

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlBankStore]:
    s = open_store(sqlite_url)
    yield s
    s.close()


@pytest.fixture
def photo_bank(store: SqlBankStore) -> str:
    """A bank holding one photo, hashed here: its pdq, variants, md5, sha256, orb."""
    svc.create_bank(store, "photos")
    hashes = hash_bytes(photo_bytes(7, (800, 600)))
    assert hashes.pdq is not None
    svc.add_media(store, "photos", [(Path("a.jpg"), hashes)], Provenance(source="t"))
    return hashes.pdq.hash


def _txt_signals(path: Path) -> set[tuple[str, str]]:
    file_api = pytest.importorskip("threatexchange.exchanges.impl.file_api")
    collab = file_api.FileCollaborationConfig(name="x", filename=str(path), signal_type=None)
    api = file_api.LocalFileSignalExchangeAPI.for_collab(collab)
    (delta,) = list(api.fetch_iter([], None))
    return set(delta.updates)


def test_a_photo_exports_its_own_pdq_only(store: SqlBankStore, photo_bank: str,
                                          tmp_path: Path) -> None:
    assert len(list(svc.list_entries(store, "photos"))) > 10  # variants, crops, orb, md5…
    path = tmp_path / "photos.txt"
    with path.open("w") as f:
        assert svc.export_entries(store, "photos", f, "txt", derived=False) == 1
    assert _txt_signals(path) == {("pdq", photo_bank)}


def test_derived_signals_on_request_are_labelled(store: SqlBankStore, photo_bank: str) -> None:
    out = io.StringIO()
    total = svc.export_entries(store, "photos", out, "csv", derived=True)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == total > 10
    primary = [r for r in rows if not r["derived"]]
    assert [(r["signal_type"], r["signal_value"]) for r in primary] == [("pdq", photo_bank)]
    labels = {r["derived"] for r in rows} - {""}
    assert {"file-hash", "orb"} <= labels and "region-c40" in labels and "rot90" in labels
    lines = io.StringIO()
    svc.export_entries(store, "photos", lines, "jsonl", derived=True)
    records = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [r["signal_value"] for r in records if "derived" not in r] == [photo_bank]
    # a derived label does not turn into metadata when the file comes back
    svc.create_bank(store, "copy")
    svc.import_entries(store, "copy", io.StringIO(lines.getvalue()), "jsonl")
    assert all("derived" not in e.provenance.metadata for e in svc.list_entries(store, "copy"))


def test_primary_of_a_video_and_of_a_lone_file_hash(store: SqlBankStore,
                                                    tmp_path: Path) -> None:
    svc.create_bank(store, "mixed")
    pdq = "0123456789abcdef" * 4
    video = serialize_vpdq([FrameHash(0.0, pdq, 100)])
    for kind, value in (("md5", MD5), ("sha256", SHA), ("vpdq", video)):
        svc.add_signal(store, "mixed", kind, value, content_group="video")
    svc.add_signal(store, "mixed", "md5", "a" * 32, content_group="file")
    svc.add_signal(store, "mixed", "sha256", "b" * 64, content_group="file")
    path = tmp_path / "mixed.txt"
    with path.open("w") as f:
        svc.export_entries(store, "mixed", f, "txt", derived=False)
    # python-threatexchange names an md5 "video_md5"; vpdq keeps its extension's name
    assert _txt_signals(path) == {("vpdq", video), ("video_md5", "a" * 32)}
    md5_line = next(x for x in path.read_text().splitlines() if x.startswith("video_md5"))
    svc.create_bank(store, "back")  # and our own import reads python-threatexchange's name
    out = svc.import_entries(store, "back", io.StringIO(md5_line + "\n"), "txt")
    (entry,) = svc.list_entries(store, "back")
    assert len(out.added) == 1 and (entry.signal_type, entry.value) == ("md5", "a" * 32)


def test_tombstones_of_primaries_are_exported(store: SqlBankStore, photo_bank: str) -> None:
    (own,) = [e for e in svc.list_entries(store, "photos")
              if e.signal_type == "pdq" and "variant" not in e.provenance.metadata]
    svc.remove_entry(store, "photos", own.id, "withdrawn", whole_item=True)
    out = io.StringIO()
    svc.export_entries(store, "photos", out, "jsonl", include_removed=True, derived=False)
    (record,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert record["removed"] is True and record["signal_value"] == photo_bank
