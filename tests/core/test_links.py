"""Telegram links in text: plain, obfuscated, hidden behind entities; canonical and deduplicated."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.core.links import (
    LINK_KINDS,
    Link,
    bare_channel_id,
    canonical_message_link,
    extract_links,
)


def _kinds_urls(text: str) -> list[tuple[str, str]]:
    return [(x.kind, x.url) for x in extract_links(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("https://t.me/+AbCdEfGh12345678", ("invite", "https://t.me/+AbCdEfGh12345678")),
    ("t.me/+AbCdEfGh12345678", ("invite", "https://t.me/+AbCdEfGh12345678")),
    ("http://t.me/joinchat/AAAAAEHbEkejzxUjAUCzYg",
     ("invite", "https://t.me/+AAAAAEHbEkejzxUjAUCzYg")),
    ("telegram.me/joinchat/AAAAAEHbEkejzxUjAUCzYg",
     ("invite", "https://t.me/+AAAAAEHbEkejzxUjAUCzYg")),
    ("https://telegram.dog/+Zz_-09abcdef", ("invite", "https://t.me/+Zz_-09abcdef")),
    ("HTTPS://T.ME/+CaseInsensitiveHost", ("invite", "https://t.me/+CaseInsensitiveHost")),
    ("t.me/%2BEncodedPlus123", ("invite", "https://t.me/+EncodedPlus123")),
    ("tg://join?invite=TgSchemeHash01", ("invite", "https://t.me/+TgSchemeHash01")),
    ("https://t.me/addlist/FolderSlug_01", ("folder", "https://t.me/addlist/FolderSlug_01")),
    ("tg://addlist?slug=FolderSlug_02", ("folder", "https://t.me/addlist/FolderSlug_02")),
    ("https://t.me/Some_Channel", ("public_chat", "https://t.me/some_channel")),
    ("some_channel.t.me", ("public_chat", "https://t.me/some_channel")),
    ("https://t.me/some_channel/123", ("public_message", "https://t.me/some_channel/123")),
    ("https://t.me/some_channel/5/123", ("public_message", "https://t.me/some_channel/123")),
    ("https://t.me/s/some_channel/9", ("public_message", "https://t.me/some_channel/9")),
    ("tg://resolve?domain=some_channel&post=4",
     ("public_message", "https://t.me/some_channel/4")),
    ("https://t.me/c/1234567890/55", ("private_message", "https://t.me/c/1234567890/55")),
    ("https://t.me/c/1234567890/7/55", ("private_message", "https://t.me/c/1234567890/55")),
    ("tg://privatepost?channel=1234567890&post=3",
     ("private_message", "https://t.me/c/1234567890/3")),
    ("https://t.me/c/1234567890", ("private_chat", "https://t.me/c/1234567890")),
    ("ask @Night_Owl_99 today", ("mention", "https://t.me/night_owl_99")),
    ("https://example.org/a?b=1", ("other_url", "https://example.org/a?b=1")),
    ("www.example.org/page", ("other_url", "www.example.org/page")),
    ("https://t.me/+4915112345678", ("other_url", "https://t.me/+4915112345678")),
    ("https://t.me/share/url?url=x", ("other_url", "https://t.me/share")),
])
def test_plain_forms(text: str, expected: tuple[str, str]) -> None:
    assert _kinds_urls(text) == [expected]
    assert not extract_links(text)[0].obfuscated


@pytest.mark.parametrize("text", [
    "t . me / + Hidden12345",
    "t[.]me/+Hidden12345",
    "t(.)me/+Hidden12345",
    "t(dot)me/+Hidden12345",
    "t [dot] me / +Hidden12345",
    "t me/+Hidden12345",
    "T . ME/+Hidden12345",
    "t\u200b.\u200bme/+Hidden12345",
    "t．me／+Hidden12345",
    "t.me / joinchat / Hidden12345",
    "https :// t . me/+Hidden12345",
])
def test_obfuscated_invites(text: str) -> None:
    links = extract_links(f"join us: {text} quick")
    assert [(x.kind, x.target, x.obfuscated) for x in links] == [
        ("invite", "Hidden12345", True)]
    start, end = links[0].start, links[0].end
    assert text.lower().replace(" ", "")[:1] == f"join us: {text} quick"[start].lower()
    assert f"join us: {text} quick"[end - 1] == "5"


@pytest.mark.parametrize("text", [
    "let me/you know", "at me/home", "email me at a@b.com", "meet me / later", "1.5 t/me",
    "the t-shirt", "cost: 5t me/2", "user@example.com", "not.t.me.example/abc",
])
def test_no_false_positives(text: str) -> None:
    assert [x for x in extract_links(text) if x.kind != "other_url"] == []


def test_spans_point_at_the_link() -> None:
    text = "see https://t.me/+Span1234567 and @someone_here."
    links = extract_links(text)
    assert [text[x.start:x.end] for x in links] == ["https://t.me/+Span1234567",
                                                    "@someone_here"]


def test_trailing_punctuation_is_not_part_of_urls() -> None:
    text = "(see https://example.org/page)."
    [link] = extract_links(text)
    assert link.url == "https://example.org/page"
    assert text[link.start:link.end] == link.url


def test_deduplicated_across_forms() -> None:
    text = ("t.me/joinchat/SameHash1234 https://t.me/+SameHash1234 t . me/+SameHash1234 "
            "@Chan_Name t.me/chan_name")
    links = extract_links(text)
    assert [(x.kind, x.url) for x in links] == [
        ("invite", "https://t.me/+SameHash1234"),
        ("mention", "https://t.me/chan_name"),
        ("public_chat", "https://t.me/chan_name"),
    ]
    assert links[0].start == 0  # the first occurrence wins


def test_hidden_hrefs_use_the_entity_span() -> None:
    text = "click here please"
    links = extract_links(text, hrefs=[("https://t.me/+Behind123456", 0, 10),
                                       ("https://example.org/x", 11, 17)])
    assert [(x.kind, x.start, x.end) for x in links] == [("invite", 0, 10),
                                                         ("other_url", 11, 17)]


def test_redirect_wrapped_invite_is_found() -> None:
    text = "https://example.org/out?u=https://t.me/+Wrapped12345"
    kinds = {(x.kind, x.url) for x in extract_links(text)}
    assert ("invite", "https://t.me/+Wrapped12345") in kinds


def test_message_link_helpers() -> None:
    assert canonical_message_link(-1001234567890, 5) == "https://t.me/c/1234567890/5"
    assert canonical_message_link(1234567890, 5) == "https://t.me/c/1234567890/5"
    assert canonical_message_link("@Some_Chan", 9) == "https://t.me/some_chan/9"
    assert bare_channel_id(-1001002003004) == 1002003004
    assert bare_channel_id(-100) == 100  # not a -100 prefix: only the sign goes
    assert bare_channel_id(-4012000333) == 4012000333
    assert bare_channel_id(1002003004) == 1002003004


def test_to_json() -> None:
    link = Link("invite", "https://t.me/+x1234", "x1234", 0, 5)
    assert link.to_json() == {"kind": "invite", "url": "https://t.me/+x1234",
                              "target": "x1234", "start": 0, "end": 5, "message_id": None,
                              "obfuscated": False}


@given(st.text(alphabet=st.sampled_from(list("t.me/+@ abcXYZ_019[]()．／\u200bjoinchat:ghps")),
               max_size=80))
def test_never_fails_and_spans_stay_in_bounds(text: str) -> None:
    links = extract_links(text)
    keys = [(x.kind, x.url) for x in links]
    assert len(keys) == len(set(keys))
    for link in links:
        assert link.kind in LINK_KINDS
        assert 0 <= link.start < link.end <= len(text)


@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    for link in extract_links(text):
        assert 0 <= link.start <= link.end <= len(text)
