"""Scan summary: totals, timelines of banked content, invite graph, per-chat risk, caps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rempart.core.scan_summary import (
    Summarizer,
    format_duration,
    solicitation_of,
    summarize,
)

CHATS = {
    "A": (1000000001, "Groupe A exemple", "groupe_a_exemple"),
    "B": (1000000002, "Groupe B exemple", None),
    "C": (1000000003, "Groupe C exemple", None),
}


def finding(chat: str, message_id: int, day: int, hour: int = 12, *,
            content: str | None = None, policy: str = "block", sender: int = 1,
            forwarded: bool = False, labels: tuple[str, ...] = (),
            links: tuple[tuple[str, str], ...] = (), error: str | None = None,
            local: bool = False) -> dict[str, Any]:
    """A fictional finding in chat ``chat`` on 2024-03-``day``."""
    chat_id, name, username = CHATS[chat]
    link = (f"https://t.me/{username}/{message_id}" if username
            else f"https://t.me/c/{chat_id}/{message_id}")
    date = f"2024-03-{day:02d}T{hour:02d}:00:00" + ("" if local else "Z")
    matches = [] if content is None else [{
        "bank": "banque-test", "entry": 7, "content_group": content, "signal": "pdq",
        "distance": 6, "labels": ["ncii"], "policy": policy}]
    text = None
    if labels:
        text = {"labels": list(labels), "scores": {x: 0.9 for x in labels},
                "spans": [{"start": 0, "end": 5, "label": labels[0], "reason": "rule:test"}]}
    return {
        "scan_id": "scan-1",
        "source": {"platform": "telegram", "export": "/exports/x", "chat_name": name,
                   "chat_type": "private_supergroup", "chat_id": chat_id,
                   "message_id": message_id, "date_utc": date, "date_is_local": local,
                   "sender_name": f"Utilisateur {sender}", "sender_id": f"user{sender}",
                   "forwarded_from": "Canal exemple" if forwarded else None,
                   "forwarded_from_id": "channel9" if forwarded else None,
                   "link": link, "path": None},
        "media": None if content is None and error is None else {
            "path": f"photos/{message_id}.jpg", "sha256": "ab" * 32, "kind": "photo",
            "error": error},
        "matches": matches,
        "text": text,
        "links": [{"kind": k, "url": f"https://t.me/+{t}", "target": t} for k, t in links],
        "text_excerpt": "Salut, qui a la vidéo ?" if labels else None,
    }


def spread() -> list[dict[str, Any]]:
    """Content g1 starts in A on day 1, is forwarded to B on day 3 and to C on day 10."""
    return [
        finding("B", 20, 3, content="g1", forwarded=True, sender=2),  # out of date order
        finding("A", 10, 1, content="g1", sender=1),
        finding("C", 30, 10, content="g1", forwarded=True, sender=3),
        finding("A", 11, 2, content="g1", sender=1),  # a repost in A
        finding("B", 21, 4, labels=("ncii_request",), sender=4),
        finding("B", 22, 4, labels=("child_exploitation", "ncii_request"), sender=5),
        finding("A", 12, 5, links=(("invite", "InviteHashB1"),)),
        finding("A", 13, 6, links=(("invite", "InviteHashB1"), ("public_chat", "autre_canal"))),
        finding("C", 31, 11, links=(("public_chat", "groupe_a_exemple"),)),
        finding("C", 32, 11, links=(("private_message", "1000000002"),)),
        finding("C", 33, 12, error="missing: photos/33.jpg"),
    ]


def test_totals() -> None:
    s = summarize(spread())
    t = s.totals
    assert t.findings == 11
    assert t.messages_with_findings == 10
    assert t.matched_messages == 4
    assert t.banked_contents == 1
    assert t.solicitation_messages == 2
    assert t.solicitations == {"child_exploitation": 1, "ncii_request": 2}
    assert t.links_by_kind == {"invite": 2, "private_message": 1, "public_chat": 2}
    assert t.media_errors == {"missing": 1}
    assert t.chats == 3 and t.chats_with_matches == 3
    assert (t.first_seen, t.last_seen) == ("2024-03-01T12:00:00Z", "2024-03-10T12:00:00Z")
    assert s.scan_ids == ("scan-1",)


def test_timeline_ordered_with_delays() -> None:
    (timeline,) = summarize(spread()).timelines
    assert (timeline.bank, timeline.content_group, timeline.policy) == ("banque-test", "g1",
                                                                        "block")
    assert [x.message_id for x in timeline.sightings] == [10, 11, 20, 30]
    assert [x.chat_name for x in timeline.sightings][::2] == ["Groupe A exemple",
                                                             "Groupe B exemple"]
    assert timeline.sightings[2].forwarded_from == "Canal exemple"
    assert timeline.sightings[0].sender == "Utilisateur 1 (user1)"
    assert [(c.chat_name, c.delay_seconds, c.sightings) for c in timeline.chats] == [
        ("Groupe A exemple", 0.0, 2), ("Groupe B exemple", 2 * 86400.0, 1),
        ("Groupe C exemple", 9 * 86400.0, 1)]
    assert timeline.chats[0].last_seen == "2024-03-02T12:00:00Z"
    assert (timeline.first_seen, timeline.last_seen) == ("2024-03-01T12:00:00Z",
                                                         "2024-03-10T12:00:00Z")
    assert timeline.omitted == 0 and timeline.total_sightings == 4


def test_forwards_and_arrival_speed() -> None:
    chats = {c.name: c for c in summarize(spread()).chats}
    a, b, c = chats["Groupe A exemple"], chats["Groupe B exemple"], chats["Groupe C exemple"]
    assert (a.forwarded_share, a.median_arrival_seconds, a.originated_contents) == (0.0, None, 1)
    assert (b.forwarded_share, b.median_arrival_seconds, b.fast_arrivals) == (1.0, 2 * 86400, 1)
    assert (c.median_arrival_seconds, c.fast_arrivals) == (9 * 86400, 0)
    assert any("median 2 days after" in r for r in b.reasons)
    assert any("100% of matched media arrived as forwards" in r for r in b.reasons)


def test_graph_resolves_known_chats_and_keeps_external_targets() -> None:
    graph = summarize(spread()).graph
    labels = {n.id: n.label for n in graph.nodes}
    edges = {(labels[e.source], labels[e.target]): e for e in graph.edges}
    assert set(edges) == {
        ("Groupe A exemple", "invite +InviteHashB1"),
        ("Groupe A exemple", "@autre_canal"),
        ("Groupe C exemple", "Groupe A exemple"),  # public username of a chat of the scan
        ("Groupe C exemple", "Groupe B exemple"),  # t.me/c/<id> of a chat of the scan
    }
    assert edges[("Groupe A exemple", "invite +InviteHashB1")].count == 2
    assert edges[("Groupe A exemple", "invite +InviteHashB1")].first_seen == "2024-03-05T12:00:00Z"
    kinds = {n.label: n.kind for n in graph.nodes}
    assert kinds["Groupe A exemple"] == "chat" and kinds["@autre_canal"] == "public"
    chats = {c.name: c for c in summarize(spread()).chats}
    assert (chats["Groupe A exemple"].groups_advertised, chats["Groupe A exemple"].links_out) \
        == (2, 3)


def test_self_links_and_unknown_mentions_are_not_edges() -> None:
    s = summarize([
        finding("A", 1, 1, links=(("public_message", "groupe_a_exemple"),
                                  ("mention", "utilisateur_x"))),
    ])
    assert s.graph.edges == () and s.chats[0].groups_advertised == 0
    assert s.totals.links_by_kind == {"mention": 1, "public_message": 1}


def test_mentions_of_known_chats_are_edges_and_do_not_crowd_out_invites() -> None:
    s = Summarizer(max_targets_per_chat=2)
    for i in range(5):
        s.add(finding("C", 10 + i, 1, links=(("mention", f"personne_{i}"),)))
    s.add(finding("C", 20, 2, links=(("mention", "groupe_a_exemple"), ("invite", "InviteX1"))))
    s.add(finding("A", 1, 1))  # no finding content: only registers the chat and its username
    s.add(finding("A", 2, 1, links=(("invite", "InviteX1"),)))
    r = s.result()
    labels = {n.id: n.label for n in r.graph.nodes}
    edges = {(labels[e.source], labels[e.target]) for e in r.graph.edges}
    assert ("Groupe C exemple", "invite +InviteX1") in edges
    assert ("Groupe A exemple", "invite +InviteX1") in edges
    assert r.limits["mentions_omitted"] == 4 and r.limits["targets_omitted"] == 0


def test_risk_ranking_is_explained() -> None:
    chats = summarize(spread()).chats
    assert [c.rank for c in chats] == [1, 2, 3]
    assert chats == tuple(sorted(chats, key=lambda c: -c.score))
    b = next(c for c in chats if c.name == "Groupe B exemple")
    # 10 banked + 3 fast arrival + (3 + 8 + 3) solicitations + 0.5 × 3 senders
    assert b.components == {"banked": 10.0, "fast_arrivals": 3.0, "solicitations": 14.0,
                            "senders": 1.5}
    assert b.score == 28.5
    assert b.rank == 1
    assert b.ranking_reason.startswith("#1: score 28.5, mostly from solicitations (14 points)")
    assert "2 solicitations (ncii_request 2, child_exploitation 1)" in b.reasons
    a = next(c for c in chats if c.name == "Groupe A exemple")
    assert a.components["origin"] == 5.0 and a.components["reposts"] == 2.0
    assert any("first seen here before spreading" in r for r in a.reasons)


def test_review_policy_weighs_less_than_block() -> None:
    s = summarize([finding("A", 1, 1, content="g1", policy="block"),
                   finding("B", 2, 1, content="g2", policy="review")])
    scores = {c.name: c.score for c in s.chats}
    assert scores["Groupe A exemple"] > scores["Groupe B exemple"]


def test_caps_bound_memory_and_keep_first_sighting_per_chat() -> None:
    s = Summarizer(max_sightings_per_content=3, max_examples_per_chat=2, max_targets_per_chat=2)
    for i in range(50):
        s.add(finding("A", 100 + i, 1 + i % 20, content="g1"))
    s.add(finding("B", 1, 28, content="g1"))  # late: outside the earliest three
    for i in range(5):
        s.add(finding("C", 200 + i, 2, labels=("group_promotion",)))
    s.add(finding("C", 300, 3, labels=("child_exploitation",)))
    for i in range(5):
        s.add(finding("A", 400 + i, 3, links=(("invite", f"InviteHash{i}"),)))
    r = s.result()
    (timeline,) = r.timelines
    assert timeline.total_sightings == 51
    assert len(timeline.sightings) == 4 and timeline.omitted == 47
    assert [x.chat_name for x in timeline.sightings][-1] == "Groupe B exemple"
    assert [x.date_utc for x in timeline.sightings][:3] == ["2024-03-01T12:00:00Z"] * 3
    c = [x for x in r.solicitations if x.chat_name == "Groupe C exemple"]
    assert len(c) == 2 and "child_exploitation" in {lab for x in c for lab in x.labels}
    a = next(x for x in r.chats if x.name == "Groupe A exemple")
    assert a.groups_advertised == 2 and r.limits["targets_omitted"] == 3
    assert a.matched_messages == 50  # counters are exact even when lists are capped


def test_local_dates_are_flagged() -> None:
    s = summarize([finding("A", 1, 1, content="g1", local=True),
                   finding("B", 2, 2, content="g1", local=True)])
    b = next(c for c in s.chats if c.name == "Groupe B exemple")
    assert b.dates_local and b.median_arrival_seconds == 86400
    assert s.timelines[0].sightings[0].date_is_local


def test_undated_findings_sort_last_and_have_no_delay() -> None:
    undated = finding("B", 2, 1, content="g1")
    undated["source"]["date_utc"] = None
    s = summarize([undated, finding("A", 1, 5, content="g1")])
    t = s.timelines[0]
    assert [x.message_id for x in t.sightings] == [1, 2]
    assert t.chats[1].delay_seconds is None


def test_folder_findings_and_empty_summary() -> None:
    f = {"scan_id": "s", "source": {"platform": "folder", "export": "/dossier", "path": "a.jpg"},
         "media": {"path": "a.jpg", "sha256": None, "kind": "photo", "error": None},
         "matches": [{"bank": "b", "entry": 1, "content_group": "g", "signal": "sha256",
                      "distance": 0, "labels": [], "policy": "alert"}], "links": []}
    s = summarize([f])
    assert s.chats[0].name == "/dossier" and s.timelines[0].sightings[0].path == "a.jpg"
    empty = summarize([])
    assert empty.chats == () and empty.totals.first_seen is None


def test_json_round_trip() -> None:
    data = summarize(spread()).to_json()
    again = json.loads(json.dumps(data))
    assert again == data
    assert again["chats"][0]["rank"] == 1 and isinstance(again["timelines"][0]["chats"], list)


def test_solicitation_of() -> None:
    s = solicitation_of(finding("A", 1, 1, labels=("ncii_request",)))
    assert s is not None and s.spans[0].label == "ncii_request"
    assert solicitation_of(finding("A", 1, 1)) is None


@pytest.mark.parametrize(("seconds", "text"), [
    (30, "1 min"), (600, "10 min"), (3600, "1 h"), (5400, "1.5 h"), (86400, "1 day"),
    (2.1 * 86400, "2.1 days"), (30 * 86400, "30 days"),
])
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
