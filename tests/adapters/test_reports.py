"""HTML and CSV reports of a scan: self-contained, escaped, no live links but http(s)/tg."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from rempart.adapters.reports import render_html, write_csv
from rempart.adapters.reports.csv import COLUMNS, neutralise
from rempart.adapters.reports.graph_svg import layout
from rempart.adapters.reports.html import highlight, safe_href
from rempart.core.scan_summary import FlaggedSpan, summarize

AT = datetime(2024, 4, 1, 9, 30, tzinfo=UTC)
SCRIPT = "<script>alert('x')</script>"
ATTRIBUTE = '" onmouseover="alert(1)" x="'


def finding(chat_name: str, chat_id: int, message_id: int, day: int, *,
            content: str | None = None, text: str | None = None,
            labels: tuple[str, ...] = (), links: tuple[dict[str, str], ...] = (),
            link: str | None = None, sender: str = "Utilisateur 1",
            forwarded_from: str | None = None) -> dict[str, Any]:
    """A fictional finding."""
    return {
        "scan_id": "scan-test",
        "source": {"platform": "telegram", "export": "/exports/exemple", "chat_name": chat_name,
                   "chat_type": "private_supergroup", "chat_id": chat_id,
                   "message_id": message_id, "date_utc": f"2024-03-{day:02d}T08:15:00Z",
                   "date_is_local": False, "sender_name": sender, "sender_id": "user1",
                   "forwarded_from": forwarded_from, "forwarded_from_id": None,
                   "link": link if link is not None else f"https://t.me/c/{chat_id}/{message_id}",
                   "path": None},
        "media": None if content is None else {"path": f"photos/{message_id}.jpg",
                                               "sha256": "cd" * 32, "kind": "photo",
                                               "error": None},
        "matches": [] if content is None else [
            {"bank": "banque-test", "entry": 3, "content_group": content, "signal": "pdq",
             "distance": 8, "labels": ["ncii"], "policy": "block"},
            {"bank": "banque-autre", "entry": 9, "content_group": content + "-b",
             "signal": "md5", "distance": 0, "labels": [], "policy": "review"}],
        "text": None if not labels else {
            "labels": list(labels), "scores": {x: 0.87 for x in labels},
            "spans": [{"start": 0, "end": 11, "label": labels[0], "reason": "rule:demande"}]},
        "links": list(links),
        "text_excerpt": text,
    }


def hostile() -> list[dict[str, Any]]:
    evil_chat = f"Groupe {SCRIPT} B{ATTRIBUTE}"
    return [
        finding("Groupe A exemple", 1000000001, 1, 1, content="g1"),
        finding(evil_chat, 1000000002, 2, 3, content="g1", forwarded_from=f"Canal {SCRIPT}",
                link="javascript:alert(document.cookie)"),
        finding(evil_chat, 1000000002, 3, 4, labels=("ncii_request",),
                text=f"Qui a la vidéo {SCRIPT} <img src=x onerror=alert(1)> svp ?"),
        finding("Groupe A exemple", 1000000001, 4, 5, links=(
            {"kind": "invite", "url": "https://t.me/+InviteExemple1", "target": "InviteExemple1"},
            {"kind": "private_message", "url": "https://t.me/c/1000000002/2",
             "target": "1000000002"},
            {"kind": "other_url", "url": "javascript:alert(2)", "target": ""},
        ), text="rejoignez javascript:alert(2)"),
        finding("Groupe A exemple", 1000000001, 5, 6, links=(
            {"kind": "public_chat", "url": f"https://t.me/{SCRIPT}", "target": SCRIPT},)),
    ]


def render(findings: list[dict[str, Any]] | None = None, **kwargs: Any) -> str:
    items = hostile() if findings is None else findings
    return render_html(summarize(items), **kwargs, title=f"Rapport {SCRIPT}", generated_at=AT)


def test_everything_hostile_is_escaped() -> None:
    page = render()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "onmouseover=\"" not in page and "&#34; onmouseover=&#34;alert(1)&#34;" in page
    assert "<img" not in page and "onerror=alert(1)" in page  # shown as inert text
    assert page.count("<title>Rapport &lt;script&gt;") == 1


def test_only_http_and_tg_urls_become_links() -> None:
    page = render()
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("#", "https://", "http://", "tg://")) for h in hrefs)
    # still visible as text, never as a link
    assert '<span class="url" title="not a web or Telegram link: not clickable">javascript:alert(' \
        'document.cookie)</span>' in page
    assert "https://t.me/c/1000000001/1" in hrefs
    assert "https://t.me/+InviteExemple1" in hrefs


class _Tags(HTMLParser):
    """Every real tag and attribute of a page (escaped text never shows up here)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_no_external_resources_and_no_media() -> None:
    page = render()
    parser = _Tags()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert not tags & {"script", "img", "iframe", "object", "embed", "link", "base", "form",
                       "image", "use", "foreignobject", "audio", "video", "source"}, tags
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert name not in ("src", "srcset", "poster", "data", "action", "style"), tag
            assert not name.startswith("on"), (tag, name)
            if name == "href":
                assert value is not None and value.startswith(("#", "https://", "tg://"))
                assert tag == "a"
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page
    assert "photos/" not in page  # media paths of messages are not needed in the report


def test_report_structure_summary_first() -> None:
    page = render()
    order = [page.index(x) for x in ('id="summary-h"', 'id="risk-h"', 'id="timelines-h"',
                                     'id="solicitations-h"', 'id="graph-h"')]
    assert order == sorted(order)
    assert '<html lang="en">' in page and '<meta charset="utf-8">' in page
    assert "<svg" in page and "</svg>" in page and 'role="img"' in page
    assert '<th scope="col">' in page and '<th scope="row">' in page
    assert "2024-03-01 08:15 UTC" in page and "2024-04-01 09:30 UTC" in page
    assert '<mark title="ncii_request: rule:demande">Qui a la vi</mark>déo' in page  # UTF-8
    assert "<mark" in page and "<caption>" in page


def test_timeline_lists_chats_in_date_order() -> None:
    page = render()
    section = page[page.index('id="timelines-h"'):page.index('id="solicitations-h"')]
    assert section.index("Groupe A exemple") < section.index("Groupe &lt;script&gt;")
    assert "Canal &lt;script&gt;" in section and "2 days" in section


def test_graph_picture_has_labelled_arrows() -> None:
    summary = summarize(hostile())
    labels = {n.label for n in summary.graph.nodes}
    assert "invite +InviteExemple1" in labels
    picture = layout(summary.graph, {c.chat_key: c.rank for c in summary.chats})
    assert len(picture.nodes) == len(summary.graph.nodes) == 4
    assert len(picture.edges) == 3
    assert all(e.label == "×1" and e.path.startswith("M ") for e in picture.edges)
    xs = [n.x for n in picture.nodes]
    assert all(0 < x < picture.width for x in xs)
    assert layout(summary.graph, {}) == layout(summary.graph, {})  # deterministic
    page = render()
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count("<polygon") == 3 and "advertises" in svg


def test_graph_caps_the_drawing_not_the_table() -> None:
    links = tuple({"kind": "invite", "url": f"https://t.me/+Invite{i:04d}",
                   "target": f"Invite{i:04d}"} for i in range(60))
    summary = summarize([finding("Groupe A exemple", 1000000001, 1, 1, links=links)])
    picture = layout(summary.graph, {}, max_nodes=40)
    assert len(picture.nodes) == 40 and picture.omitted_nodes == 21
    page = render_html(summary, title="t", generated_at=AT)
    assert "21 less connected groups not drawn" in page
    assert page.count('href="https://t.me/+Invite') == 60  # every edge stays in the table


def test_findings_give_every_solicitation() -> None:
    items = [finding("Groupe A exemple", 1, i, 1, labels=("group_promotion",),
                     text=f"Annonce {i}") for i in range(30)]
    summary = summarize(items, max_examples_per_chat=5)
    assert render_html(summary, title="t", generated_at=AT).count("Annonce ") == 5
    assert render_html(summary, items, title="t", generated_at=AT).count("Annonce ") == 30


def test_empty_scan_renders() -> None:
    page = render([])
    assert "No banked image was found" in page and "No invite link" in page
    assert "<svg" not in page


@pytest.mark.parametrize(("url", "linked"), [
    ("https://t.me/+abc", True), ("http://example.org", True), ("tg://join?invite=abc", True),
    ("HTTPS://T.ME/x", True), ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False),
    (" javascript:alert(1)", False), ("data:text/html,x", False), ("vbscript:x", False),
    ('https://t.me/x" onclick="y', False), ("https://t.me/\nx", False), (None, False),
    ("//evil.example/x", False),
])
def test_safe_href(url: str | None, linked: bool) -> None:
    assert (safe_href(url) is not None) is linked


def test_highlight_merges_overlapping_spans_and_clips() -> None:
    spans = [FlaggedSpan(0, 4, "ncii_request", "a"), FlaggedSpan(2, 6, "doxxing", "b"),
             FlaggedSpan(50, 60, "x", "c")]
    segs = highlight("abcdefgh", spans)
    assert [(s.text, s.labels) for s in segs] == [
        ("ab", "ncii_request"), ("cd", "doxxing, ncii_request"), ("ef", "doxxing"),
        ("gh", None)]
    assert highlight(None, spans) == []


def test_csv_one_row_per_finding_flattened() -> None:
    out = io.StringIO()
    write_csv(hostile(), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 5
    first = rows[0]
    assert first["chat"] == "Groupe A exemple" and first["message_id"] == "1"
    assert first["matched_banks"] == "banque-test; banque-autre"
    assert (first["best_signal"], first["best_distance"]) == ("md5", "0")
    assert first["sha256"] == "cd" * 32 and first["media_path"] == "photos/1.jpg"
    assert rows[2]["text_labels"] == "ncii_request"
    assert rows[3]["link_kinds"] == "invite; private_message; other_url"


def test_csv_injection_is_neutralised() -> None:
    evil = finding("=HYPERLINK(\"http://evil.example\",\"x\")", 1, 1, 1, sender="+33 6 00",
                   text="@SUM(1+1)*cmd|' /C calc'!A0", labels=("doxxing",))
    evil["source"]["forwarded_from"] = "-2+3"
    evil["source"]["sender_id"] = "\t=1"
    out = io.StringIO()
    write_csv([evil], out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    for column in ("chat", "sender", "forwarded_from", "sender_id", "text_excerpt"):
        assert row[column].startswith("'"), column
    assert row["chat_id"] == "1"  # our own numbers stay numbers


@pytest.mark.parametrize(("text", "expected"), [
    ("=1", "'=1"), ("+1", "'+1"), ("-1", "'-1"), ("@a", "'@a"), ("\tx", "'\tx"),
    ("\r=1", "'\r=1"), ("  =1", "'  =1"), ("＝1", "'＝1"), ("a=1", "a=1"), ("", ""),
])
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected
