"""Bank services on a real (SQLite) database: the store contract suite covers PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from rempart.core.banks import BankKind, BankPolicy, EntryStatus, Provenance
from rempart.core.signals.vpdq import parse as parse_vpdq
from rempart.core.types import FrameHash, MediaHashes, PdqHash, PdqVariant
from rempart.services import banks as svc
from rempart.services.errors import (
    BankExists,
    BankImportError,
    BankNotEmpty,
    BankNotFound,
    EntryNotFound,
    InvalidArgument,
    InvalidSignal,
    PersonRequired,
)
from rempart.store import open_store
from rempart.store.sql import SqlBankStore

PDQ = "0123456789abcdef" * 4
PDQ2 = "f" * 64
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlBankStore]:
    s = open_store(sqlite_url)
    yield s
    s.close()


def _entries(store: SqlBankStore, name: str, removed: bool = False) -> list[tuple[str, str]]:
    return [(e.signal_type, e.value) for e in svc.list_entries(store, name, removed)]


def test_create_and_list_banks(store: SqlBankStore) -> None:
    victims = svc.create_bank(store, "victims", BankKind.VICTIM)
    assert victims.policy is BankPolicy.REVIEW  # unreviewed submissions: review, not delete
    svc.create_bank(store, "mods", BankKind.MODERATOR, BankPolicy.ALERT, pdq_threshold=12)
    svc.add_signal(store, "mods", "md5", MD5)
    summaries = svc.list_banks(store)
    assert [s.bank.name for s in summaries] == ["mods", "victims"]
    record = summaries[0].to_json()
    assert record["policy"] == "alert" and record["pdq_threshold"] == 12
    assert record["entries"] == {"active": 1, "on_hold": 0, "removed": 0}
    with pytest.raises(BankExists):
        svc.create_bank(store, "victims")
    with pytest.raises(InvalidArgument):
        svc.create_bank(store, "bad name")
    with pytest.raises(InvalidArgument):
        svc.create_bank(store, "x", pdq_threshold=300)
    with pytest.raises(BankNotFound):
        svc.get_bank(store, "nope")


def test_remove_bank_needs_force_when_not_empty(store: SqlBankStore) -> None:
    svc.create_bank(store, "a")
    svc.create_bank(store, "empty")
    entry_id = svc.add_signal(store, "a", "pdq", PDQ)
    with pytest.raises(BankNotEmpty):
        svc.remove_bank(store, "a")
    assert svc.remove_bank(store, "empty") == 0
    assert svc.remove_bank(store, "a", force=True) == 1
    entry = store.get_entry(entry_id)
    assert entry is not None and entry.status is EntryStatus.REMOVED
    assert [s.bank.name for s in svc.list_banks(store)] == []


def test_add_signal_validates_and_normalizes(store: SqlBankStore) -> None:
    svc.create_bank(store, "a")
    entry_id = svc.add_signal(store, "a", "video_md5", MD5.upper())
    entry = store.get_entry(entry_id)
    assert entry is not None and (entry.signal_type, entry.value) == ("md5", MD5)
    for signal_type, value in [("pdq", "abc"), ("md5", SHA), ("sha256", "z" * 64),
                               ("vpdq", "[]"), ("vpdq", '["nothex,1,0"]'), ("orb", "not base64!")]:
        with pytest.raises(InvalidSignal):
            svc.add_signal(store, "a", signal_type, value)


def test_add_media_stores_one_content_group_per_file(store: SqlBankStore) -> None:
    svc.create_bank(store, "a", BankKind.VICTIM)
    image = MediaHashes(
        kind="image", md5=MD5, sha256=SHA, size=10, pdq=PdqHash(PDQ, 90),
        pdq_variants=(PdqVariant("rot90", PDQ2, 80),), orb="QUJD",
    )
    video = MediaHashes(kind="video", md5="1" * 32, sha256="2" * 64, size=10,
                        vpdq=(FrameHash(0.0, PDQ, 100), FrameHash(1.0, PDQ2, 90, 1)))
    broken = MediaHashes(kind="unsupported", md5="3" * 32, sha256="4" * 64, size=1,
                         error="not an image")
    prov = Provenance(source="portal", case_id="c1", labels=("ncii",))
    added = svc.add_media(
        store, "a", [(Path("a.jpg"), image), (Path("b.mp4"), video), (Path("c"), broken)], prov
    )
    assert [len(a.entry_ids) for a in added] == [5, 3, 0]
    assert added[2].error == "not an image" and added[2].content_group is None
    group = store.entries_in_group(added[0].content_group or "")
    assert [e.signal_type for e in group] == ["md5", "sha256", "pdq", "pdq", "orb"]
    assert group[3].provenance.metadata == {"variant": "rot90"} and group[3].quality == 80
    assert all(e.provenance.case_id == "c1" for e in group)
    vpdq = store.entries_in_group(added[1].content_group or "")[-1]
    assert [f.hash for f in parse_vpdq(vpdq.value)] == [PDQ, PDQ2]


def test_remove_entry_and_whole_item(store: SqlBankStore) -> None:
    svc.create_bank(store, "a")
    svc.create_bank(store, "b")
    first = svc.add_signal(store, "a", "md5", MD5, content_group="g")
    svc.add_signal(store, "a", "sha256", SHA, content_group="g")
    other = svc.add_signal(store, "b", "md5", MD5)
    with pytest.raises(EntryNotFound):
        svc.remove_entry(store, "a", other)
    assert svc.remove_entry(store, "a", first, reason="withdrawn") == 1
    assert svc.remove_entry(store, "a", first) == 0
    assert svc.remove_entry(store, "a", first, whole_item=True) == 1
    assert _entries(store, "a") == []
    assert len(_entries(store, "a", removed=True)) == 2


def test_import_csv_with_metadata_columns(store: SqlBankStore) -> None:
    svc.create_bank(store, "a")
    text = (
        "signal_type,signal_value,quality,case_id,labels,submitted_at,category\n"
        f"pdq,{PDQ.upper()},90,c7,ncii minor,2026-01-02T03:04:05Z,explicit\n"
        f"md5,{MD5},,,,,\n"
        f"md5,{MD5},,,,,\n"
    )
    out = svc.import_entries(store, "a", io.StringIO(text), "csv", source="partner-x")
    assert len(out.added) == 2 and out.duplicates == 1
    entry = store.get_entry(out.added[0])
    assert entry is not None and entry.value == PDQ and entry.quality == 90
    p = entry.provenance
    assert (p.source, p.case_id, p.labels) == ("partner-x", "c7", ("ncii", "minor"))
    assert p.metadata == {"category": "explicit"}
    assert p.submitted_at is not None and p.submitted_at.year == 2026
    again = svc.import_entries(store, "a", io.StringIO(text), "csv")
    assert again.added == () and again.duplicates == 3


def test_import_threatexchange_formats(store: SqlBankStore) -> None:
    svc.create_bank(store, "a")
    dataset_csv = (  # `threatexchange dataset -P --csv`
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{PDQ},Sample Collab,POSITIVE_CLASS,media_type_photo\n"
        f"video_md5,{MD5},Sample Collab,POSITIVE_CLASS,\n"
    )
    out = svc.import_entries(store, "a", io.StringIO(dataset_csv), "csv")
    e = store.get_entry(out.added[0])
    assert e is not None and e.provenance.source == "Sample Collab"
    assert e.provenance.labels == ("media_type_photo",)
    assert e.provenance.metadata == {"category": "POSITIVE_CLASS"}
    assert ("md5", MD5) in _entries(store, "a")
    svc.create_bank(store, "b")
    local_file = f"pdq {PDQ2}\n\nsha256 {SHA}\n"  # threatexchange's local file exchange
    assert len(svc.import_entries(store, "b", io.StringIO(local_file), "txt").added) == 2
    svc.create_bank(store, "c")
    bare = f"{PDQ}\n{PDQ2}\n"
    assert len(svc.import_entries(store, "c", io.StringIO(bare), "csv", signal_type="pdq")
               .added) == 2


def test_import_is_all_or_nothing_and_names_the_line(store: SqlBankStore) -> None:
    svc.create_bank(store, "a")
    text = f"signal_type,signal_value\npdq,{PDQ}\nmd5,{MD5}\n\npdq,nothex\n"
    with pytest.raises(BankImportError) as err:
        svc.import_entries(store, "a", io.StringIO(text), "csv")
    assert err.value.line == 5 and "pdq" in str(err.value)
    assert _entries(store, "a") == []
    with pytest.raises(BankImportError, match="line 2: invalid JSON"):
        text = f'{{"signal_type":"md5","signal_value":"{MD5}"}}\n{{oops\n'
        svc.import_entries(store, "a", io.StringIO(text), "jsonl")
    with pytest.raises(BankImportError, match="line 1: missing signal_value"):
        svc.import_entries(store, "a", io.StringIO('{"signal_type":"md5"}\n'), "jsonl")
    with pytest.raises(BankImportError, match=r"line 1: .*signal type"):
        svc.import_entries(store, "a", io.StringIO(f"{PDQ}\n"), "csv")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_import_round_trip_carries_tombstones(store: SqlBankStore, fmt: str) -> None:
    svc.create_bank(store, "src")
    prov = Provenance(source="s", external_id="x1", case_id="c", labels=("a", "b"),
                      metadata={"variant": "rot90"})
    keep = svc.add_signal(store, "src", "pdq", PDQ, prov, quality=77, content_group="g1")
    gone = svc.add_signal(store, "src", "md5", MD5)
    svc.add_signal(store, "src", "vpdq", json.dumps([f"{PDQ},100,0.5"]))
    svc.create_bank(store, "dst")
    svc.add_signal(store, "dst", "md5", MD5)  # the peer still has what src removed
    svc.remove_entry(store, "src", gone, reason="withdrawn")

    buf = io.StringIO()
    assert svc.export_entries(store, "src", buf, fmt, include_removed=True) == 3
    buf.seek(0)
    out = svc.import_entries(store, "dst", buf, fmt)
    assert len(out.added) == 2 and out.removed == 1
    assert sorted(_entries(store, "dst")) == sorted(_entries(store, "src"))
    copied = store.get_entry(out.added[0])
    original = store.get_entry(keep)
    assert copied is not None and original is not None
    assert copied.provenance == original.provenance and copied.quality == 77
    assert copied.content_group == "g1"

    plain = io.StringIO()
    svc.export_entries(store, "src", plain, fmt)
    assert "withdrawn" not in plain.getvalue() and MD5 not in plain.getvalue()


def test_txt_export_reads_in_threatexchange(store: SqlBankStore, tmp_path: Path) -> None:
    file_api = pytest.importorskip("threatexchange.exchanges.impl.file_api")
    svc.create_bank(store, "a")
    svc.add_signal(store, "a", "pdq", PDQ)
    path = tmp_path / "hashes.txt"
    with path.open("w") as f:
        svc.export_entries(store, "a", f, "txt")
    collab = file_api.FileCollaborationConfig(name="x", filename=str(path), signal_type=None)
    api = file_api.LocalFileSignalExchangeAPI.for_collab(collab)
    (delta,) = list(api.fetch_iter([], None))
    assert set(delta.updates) == {("pdq", PDQ)}


def test_formula_like_provenance_is_quoted_in_csv_and_restored_on_import(
        store: SqlBankStore) -> None:
    svc.create_bank(store, "shared")
    svc.add_signal(store, "shared", "pdq", PDQ,
                   provenance=Provenance(source="=HYPERLINK(1)", labels=("+cmd",)))
    out = io.StringIO()
    svc.export_entries(store, "shared", out, "csv")
    assert "'=HYPERLINK(1)" in out.getvalue() and "'+cmd" in out.getvalue()
    svc.create_bank(store, "copy")
    svc.import_entries(store, "copy", io.StringIO(out.getvalue()), "csv")
    (entry,) = svc.list_entries(store, "copy")
    assert entry.provenance.source == "=HYPERLINK(1)" and entry.provenance.labels == ("+cmd",)


def test_tokens_never_withdraw_from_a_victims_bank(store: SqlBankStore) -> None:
    svc.create_bank(store, "victims", BankKind.VICTIM)
    entry_id = svc.add_signal(store, "victims", "pdq", PDQ)
    with pytest.raises(PersonRequired):
        svc.remove_entry(store, "victims", entry_id, person=False)
    with pytest.raises(PersonRequired):
        svc.import_entries(store, "victims", io.StringIO(f"signal_type,signal_value,removed\n"
                                                         f"pdq,{PDQ},1\n"), person=False)
    with pytest.raises(PersonRequired):
        svc.remove_bank(store, "victims", force=True, person=False)
    assert svc.remove_entry(store, "victims", entry_id, "her choice") == 1  # a person may
