"""MatchService on SQLite and PostgreSQL: load, follow changes, group, allowlist, flood guard."""

from __future__ import annotations

import io
import random
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from rempart.bench.edits import apply_edit
from rempart.bench.synthetic_images import make_photo, photo_bytes
from rempart.config import HashSettings
from rempart.core.banks import BankKind, BankPolicy, EntryStatus, Provenance
from rempart.core.flood import FloodRule
from rempart.core.media_signals import hash_bytes
from rempart.services import banks as bank_service
from rempart.services.matching import MatchService
from rempart.store.sql import open_store


def jpeg(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=85)
    return buf.getvalue()


def bank_media(store, name: str, seeds: list[int], labels: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    hashed = [(Path(f"{s}.jpg"), hash_bytes(photo_bytes(s, (800, 600)))) for s in seeds]
    bank_service.add_media(store, name, hashed, Provenance(source="test", labels=labels))


def test_load_match_and_provenance(db_url: str) -> None:
    store = open_store(db_url)
    bank_service.create_bank(store, "victims", kind=BankKind.VICTIM)
    bank_media(store, "victims", [1, 2], labels=("ncii",))
    service = MatchService(store)
    assert service.load() > 0
    cropped = apply_edit("crop_sides", make_photo(1, (800, 600)), random.Random(3))
    report = service.match_bytes(jpeg(cropped))
    assert len(report.matches) == 1  # one per banked item, not one per signal
    m = report.matches[0]
    assert m.bank == "victims" and m.labels == ("ncii",)
    assert m.policy == "review" and m.action == "review"  # victim banks review by default
    assert service.match_bytes(photo_bytes(50, (800, 600))).matches == ()
    record = report.to_json("x.jpg")
    assert record["path"] == "x.jpg" and record["error"] is None
    store.close()


def test_changes_from_another_process_are_followed(db_url: str) -> None:
    store = open_store(db_url)
    bank_service.create_bank(store, "mod", kind=BankKind.MODERATOR)
    service = MatchService(store)
    service.load()
    other = open_store(db_url)  # a second process's connection
    bank_media(other, "mod", [3])
    query = photo_bytes(3, (800, 600))
    assert service.match_bytes(query).matches == ()
    assert service.refresh() > 0
    found = service.match_bytes(query).matches
    assert found and found[0].bank == "mod"
    entry_ids = [e.id for e in other.iter_entries()]
    other.remove_entries(entry_ids, reason="withdrawn")
    service.refresh()
    assert service.match_bytes(query).matches == ()
    bank = other.get_bank("mod")
    assert bank is not None
    store.close()
    other.close()


def test_allowlist_and_bank_filter(db_url: str) -> None:
    store = open_store(db_url)
    bank_service.create_bank(store, "victims", kind=BankKind.VICTIM)
    bank_service.create_bank(store, "partner", kind=BankKind.PARTNER, policy=BankPolicy.BLOCK)
    bank_service.create_bank(store, "memes", kind=BankKind.ALLOWLIST)
    bank_media(store, "victims", [4])
    bank_media(store, "partner", [4])
    service = MatchService(store)
    service.load()
    query = photo_bytes(4, (800, 600))
    assert {m.bank for m in service.match_bytes(query).matches} == {"victims", "partner"}
    assert {m.bank for m in service.match_bytes(query, banks={"partner"}).matches} == {"partner"}
    bank_media(store, "memes", [4])
    service.refresh()
    report = service.match_bytes(query)
    assert report.matches == () and report.suppressed == 2
    assert report.allowlisted[0].bank == "memes"
    store.close()


def test_flood_guard_holds_an_entry_matching_many_distinct_uploads(db_url: str) -> None:
    store = open_store(db_url)
    bank_service.create_bank(store, "victims", kind=BankKind.PARTNER, policy=BankPolicy.BLOCK)
    bank_media(store, "victims", [5])
    service = MatchService(store, flood=FloodRule(3, timedelta(hours=1)))
    service.load()
    im = make_photo(5, (800, 600))
    actions = []
    for q in (30, 40, 50, 60, 70):  # five distinct re-encodings of the same picture
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=q)
        actions.append(service.match_bytes(buf.getvalue()).matches[0].action)
    assert actions[:2] == ["block", "block"] and actions[-1] == "review"
    assert any(
        e.status is EntryStatus.ON_HOLD for e in store.iter_entries(statuses=(EntryStatus.ON_HOLD,))
    )
    store.close()


def test_the_orb_probe_runs_only_when_some_entry_has_local_features(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rempart.services import matching

    calls: list[bool] = []
    real = matching.analyze

    def spy(data: bytes, settings: object, **kw: bool) -> object:
        calls.append(kw["features"])
        return real(data, settings, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(matching, "analyze", spy)
    store = open_store(sqlite_url)
    bank_service.create_bank(store, "pdq-only")
    h = hash_bytes(photo_bytes(7, (800, 600)), HashSettings(robust=False))
    bank_service.add_media(store, "pdq-only", [(Path("7.jpg"), h)], Provenance(source="t"))
    service = MatchService(store)
    service.load()
    copy = jpeg(make_photo(7, (800, 600)).resize((640, 480)))
    assert service.match_bytes(copy).matches[0].signal == "pdq"
    bank_service.create_bank(store, "robust")
    bank_media(store, "robust", [8])
    service.refresh()
    cropped = apply_edit("crop_sides", make_photo(8, (800, 600)), random.Random(3))
    assert service.match_bytes(jpeg(cropped)).matches[0].bank == "robust"
    assert calls == [False, True]
    store.close()


def test_load_puts_every_pdq_hash_in_one_segment(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rempart.core.banks import NewEntry, new_content_group
    from rempart.services import matcher_loading

    monkeypatch.setattr(matcher_loading, "_LOAD_BATCH", 1000)  # several batches
    store = open_store(sqlite_url)
    bank_service.create_bank(store, "many")
    bank = bank_service.get_bank(store, "many")
    rng = random.Random(4)
    values = [f"{rng.getrandbits(256):064x}" for _ in range(20_000)]
    store.add_entries(bank.id, [NewEntry("pdq", v, new_content_group()) for v in values])
    service = MatchService(store)
    assert service.load() == 20_000
    index = service.matcher._pdq  # one segment: a lookup probes one set of tables
    assert [s.live for s in index.segments] == [20_000]
    from rempart.core.matcher import Query
    from rempart.core.types import MediaHashes, PdqHash

    probe = MediaHashes(kind="image", md5="", sha256="", size=0, pdq=PdqHash(values[7], 100))
    assert len(service.match_query(Query(probe), record=False).matches) == 1
    store.close()
