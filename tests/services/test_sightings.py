"""Sightings from every entry point are recorded alike: hits for the flood guard, review items
where a match asks for review, grouped with the other sightings of the same content."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rempart.core.banks import BankKind, BankPolicy, EntryTrust, Provenance
from rempart.core.flood import FloodRule
from rempart.core.matcher import Query
from rempart.core.types import MediaHashes, PdqHash
from rempart.core.verdict import Match, Verdict
from rempart.services.banks import add_signal, create_bank
from rempart.services.matching import MatchService
from rempart.services.sightings import Seen, review_item, sighting, wants_review
from rempart.store.bot import SqlBotStore
from rempart.store.models import entry_hits
from rempart.store.review_models import review_items
from rempart.store.sql import SqlBankStore, open_store

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PDQ = "f" * 64


def _match(entry: int = 7, *, trust: str = "unconfirmed", action: str = "review",
           on_hold: bool = False) -> Match:
    return Match("victims", entry, "pdq", 3, "block", action, "victim", trust,
                 content_group="cg7", on_hold=on_hold)


def _verdict(*matches: Match) -> Verdict:
    return Verdict("image", "ab" * 32, matches, entries=tuple(m.entry for m in matches),
                   signals=({"signal_type": "sha256", "value": "ab" * 32},))


def test_which_matches_raise_a_review_item() -> None:
    trusted = _match(1, trust="bank", action="block")
    unconfirmed = _match(2)
    held = _match(3, on_hold=True)
    review_bank = _match(4, trust="bank", action="review")
    assert [wants_review(m) for m in (trusted, unconfirmed, held, review_bank)] == [
        False, True, False, False]
    assert [wants_review(m, review_policy=True)
            for m in (trusted, unconfirmed, held, review_bank)] == [False, True, True, True]

    seen = Seen("scan", "folder:/x", None, {"platform": "folder", "scan_id": "s1"}, T0)
    verdict = _verdict(trusted, unconfirmed, held, review_bank)
    hits, items = sighting(verdict, seen, "ab" * 32, key=lambda m: f"scan:{m.entry}",
                           review_policy=True, evidence={"scan_id": "s1"})
    assert [h.entry_id for h in hits] == [1, 2, 3, 4]
    assert {(h.place, h.sender, h.at) for h in hits} == {("folder:/x", None, T0)}
    assert [i.dedup_key for i in items] == ["scan:2", "scan:3", "scan:4"]
    first = items[0]
    assert first.source == "scan" and first.created_at == T0 and first.entry_id == 2
    assert first.evidence["match"] == unconfirmed.to_json()
    assert first.evidence["query_signals"] == list(verdict.signals)
    assert first.evidence["scan_id"] == "s1"
    # Hits only: no key, no item.
    assert sighting(verdict, seen, "ab" * 32, key=None)[1] == []


@pytest.fixture
def store(db_url: str) -> Iterator[SqlBankStore]:
    banks = open_store(db_url)
    create_bank(banks, "victims", BankKind.VICTIM, BankPolicy.BLOCK)
    entry = add_signal(banks, "victims", "pdq", PDQ, Provenance(source="portal", case_id="C1"))
    banks.set_entry_trust([entry], EntryTrust.UNCONFIRMED)
    yield banks
    banks.close()


def _rows(store: SqlBankStore) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(review_items).order_by(review_items.c.id)).mappings()]


def test_api_and_bot_sightings_of_one_content_form_one_group(store: SqlBankStore) -> None:
    matching = MatchService(store)
    matching.load()
    hashes = MediaHashes("image", "a" * 32, "b" * 64, 10, pdq=PdqHash(PDQ, 100))
    verdict = matching.match_query(Query(hashes), place="api:tok", review_source="api")
    assert [m.trust for m in verdict.matches] == ["unconfirmed"]
    # The same file again: one more hit, no second item.
    matching.match_query(Query(hashes), place="api:tok", review_source="api")
    with store.engine.connect() as conn:
        assert conn.execute(select(entry_hits.c.place)).scalars().all() == ["api:tok"] * 2

    # The bot acting on the same content records its finding through the same builder and
    # the review store's insertion, in its outcome's transaction.
    m = verdict.matches[0]
    seen = Seen("bot", "telegram:-100", "telegram:user:9",
                {"platform": "telegram", "chat": -100, "message": 5}, T0)
    bot = SqlBotStore(store.engine)
    item = review_item(seen, f"bot:-100:5:u1:{m.entry}", verdict, m,
                       evidence={"sha256": verdict.sha256})
    assert bot.record_outcome([item], None, [], []).new
    assert not bot.record_outcome([item], None, [], []).new

    rows = _rows(store)
    assert [(r["source"], r["place"]) for r in rows] == [
        ("api", "api:api:tok"), ("bot", "telegram:-100")]
    assert len({r["group_key"] for r in rows}) == 1
    assert rows[0]["entry_id"] == rows[1]["entry_id"] == m.entry
    assert rows[0]["status"] == rows[1]["status"] == "open"  # nothing decided by itself


def test_a_lookup_matching_a_trusted_entry_writes_nothing(store: SqlBankStore) -> None:
    entry = add_signal(store, "victims", "pdq", "0" * 64, Provenance(source="moderator"))
    store.set_entry_trust([entry], EntryTrust.CONFIRMED)
    matching = MatchService(store)
    matching.load()
    lookup = MediaHashes("image", "", "", 0, pdq=PdqHash("0" * 64, 100))
    assert matching.match_query(Query(lookup), review_source="api").matched
    with store.engine.connect() as conn:
        assert conn.execute(select(entry_hits)).all() == []
    assert _rows(store) == []


def test_recording_holds_flooded_entries_in_the_live_matcher(store: SqlBankStore) -> None:
    matching = MatchService(store, flood=FloodRule(2, timedelta(hours=1)))
    matching.load()
    seen = Seen("bot", "telegram:-100", None, {}, datetime.now(UTC))
    held: list[int] = []
    for n in range(3):  # distinct files of one content
        hashes = MediaHashes("image", f"{n}" * 32, f"{n}" * 64, 10, pdq=PdqHash(PDQ, 100))
        verdict = matching.match_query(Query(hashes), record=False)
        hits, _ = sighting(verdict, seen, hashes.sha256, key=None)
        held += matching.sightings.record(hits)
    assert held == list(verdict.hit_entries)
    again = matching.match_query(Query(hashes), record=False)
    assert again.matches[0].on_hold and again.matches[0].action == "review"
    kinds = [r["kind"] for r in _rows(store)]
    assert kinds == ["entry_hold"]  # the moderators are told why; nothing is removed
