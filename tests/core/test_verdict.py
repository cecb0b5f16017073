"""The one result type of every entry point: typed matches, JSON at the edges only."""

from __future__ import annotations

from rempart.core.verdict import Match, Verdict


def _match(entry: int, **kw: object) -> Match:
    base: dict[str, object] = dict(bank="victims", entry=entry, signal="pdq", distance=12,
                                   policy="block", action="block", bank_kind="moderator",
                                   trust="confirmed", labels=("ncii",), content_group="g1",
                                   case_id="RMP-1", source="victim-portal",
                                   detail={"inliers": 31})
    base.update(kw)
    return Match(**base)  # type: ignore[arg-type]


def test_a_stored_verdict_reads_back_equal_and_marked_cached() -> None:
    verdict = Verdict("image", "ab" * 32, (_match(7),), entries=(7, 8),
                      signals=({"signal_type": "pdq", "value": "f" * 64},), key="uid", seq=4)
    back = Verdict.from_record("uid", verdict.to_record())
    assert back.cached and back.matches == verdict.matches
    assert (back.entries, back.signals, back.seq, back.key) == ((7, 8), verdict.signals, 4, "uid")


def test_holding_an_entry_turns_its_block_into_review_and_leaves_others() -> None:
    verdict = Verdict("image", "ab" * 32, (_match(7), _match(9, content_group="g2")))
    held = verdict.held({7})
    assert [(m.entry, m.on_hold, m.action) for m in held.matches] == [
        (7, True, "review"), (9, False, "block")]
    assert verdict.held({42}) is verdict


def test_the_json_of_a_match_is_what_integrators_always_read() -> None:
    out = _match(7, on_hold=True, action="review").to_json()
    assert out == {"bank": "victims", "entry": 7, "signal": "pdq", "distance": 12,
                   "labels": ["ncii"], "content_group": "g1", "policy": "block",
                   "action": "review", "bank_kind": "moderator", "trust": "confirmed",
                   "on_hold": True, "case_id": "RMP-1", "source": "victim-portal",
                   "detail": {"inliers": 31}}
    assert Match.from_json(out) == _match(7, on_hold=True, action="review")


def test_review_is_asked_for_unconfirmed_entries_and_review_actions() -> None:
    assert _match(1, trust="unconfirmed", action="review").asks_review()
    assert not _match(1, action="review").asks_review()
    assert _match(1, action="review").asks_review(review_policy=True)
    assert not _match(1).asks_review(review_policy=True)


def test_an_old_record_without_action_gets_it_from_policy_trust_and_hold() -> None:
    m = Match.from_json({"bank": "b", "entry": 3, "signal": "md5", "distance": 0,
                         "policy": "block", "trust": "unconfirmed"})
    assert m.action == "review" and m.labels == ()
