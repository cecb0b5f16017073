"""Attack 1: an anonymous visitor registers hashes of a picture that is not hers (a meme, a
political photo) on /protect to make every protected group delete it.

The registration goes through the real portal (proof of work, CSRF) into a real database; the
picture is then matched as the bot and the API match it. It must ask for review only, never
deletion, until a moderator confirms; moderators confirm, hold, release and withdraw from the
console; a registered "video" cannot stand for photos; a file forwarded everywhere is held.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from portal_support import device_signals, register
from web_support import WebClient, add_users

from rempart.adapters.web.session import make_state
from rempart.app import App, build, create_http_app
from rempart.bench.synthetic_images import photo_bytes
from rempart.config import Settings, WebSettings
from rempart.core.bot_policy import ChatPolicy, MediaHit, decide
from rempart.services.cases import VICTIM_BANK
from rempart.store.reviews import NewReviewItem
from rempart.store.rows import utc_now

BITS = 8


@pytest.fixture
def portal(sqlite_url: str) -> Iterator[tuple[App, WebClient]]:
    app = build(Settings(database_url=sqlite_url, flood_max_distinct_places=5,
                         web=WebSettings(protect_pow_bits=BITS, protect_burst=1000,
                                         protect_rate_per_minute=1000.0)))
    add_users(app)
    with WebClient(create_http_app(app)) as client:
        yield app, client
    app.close()


def _register(client: WebClient, items: list[dict[str, Any]]) -> dict[str, Any]:
    r = register(client, items)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _recompressed(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        out = io.BytesIO()
        im.convert("RGB").resize((im.width * 3 // 4, im.height * 3 // 4)).save(
            out, "JPEG", quality=70)
    return out.getvalue()


def _bot_decision(app: App, data: bytes) -> tuple[list[dict[str, Any]], Any]:
    """What the bot decides about a message carrying ``data`` (the bot's own rules)."""
    report = app.matching.match_bytes(data, place="telegram:-1001", sender="user:7")
    hits = [MediaHit(m.bank, m.action, m.distance, m.labels)
            for m in report.matches]
    return report.matches, decide(hits, (), ChatPolicy(), strikes_before=0)


def test_a_strangers_registration_never_deletes_until_a_moderator_confirms(
        portal: tuple[App, WebClient]) -> None:
    app, client = portal
    meme = photo_bytes(11, (480, 360), "PNG")
    _register(client, [device_signals(meme)])
    app.matching.refresh()

    matches, decision = _bot_decision(app, _recompressed(meme))
    assert [(m.bank, m.trust, m.action) for m in matches] == [
        (VICTIM_BANK, "unconfirmed", "review")]
    assert decision.review and decision.alert  # the victim is protected from the first sighting
    assert not decision.delete and not decision.strike and decision.sender == "none"

    # A moderator confirms the sighting: the registration now acts alone, everywhere.
    reviews = make_state(app).reviews
    item, _ = reviews.create(NewReviewItem(
        "bot", "media_match", "bot:-1001:5", utc_now(), bank=VICTIM_BANK,
        entry_id=matches[0].entry, signal=matches[0].signal,
        distance=matches[0].distance, location={"platform": "telegram", "chat": -1001}))
    client.login("mod-a")
    r = client.form(f"/console/review/{item.id}/decide", f"/console/review/{item.id}",
                    {"decision": "confirm", "reason": "it is her", "whole_case": "1"})
    assert r.status_code == 303, r.text
    app.matching.refresh()
    matches, decision = _bot_decision(app, _recompressed(meme))
    assert [(m.trust, m.action) for m in matches] == [("confirmed", "block")]
    assert decision.delete and decision.strike


def test_moderators_withdraw_a_poisoned_registration_from_the_bank_page(
        portal: tuple[App, WebClient]) -> None:
    app, client = portal
    political = photo_bytes(12, (480, 360), "PNG")
    _register(client, [device_signals(political)])
    app.matching.refresh()
    [match] = app.matching.match_bytes(political).matches

    # An analyst reads but cannot act; a moderator withdraws the whole item with a reason.
    with WebClient(create_http_app(app)) as reader:
        reader.login("reader")
        page = reader.get(f"/console/banks/{VICTIM_BANK}")
        assert "non confirmée" in page.text and 'name="action"' not in page.text
    client.login("mod-a")
    url = f"/console/banks/{VICTIM_BANK}/entries/{match.entry}"
    r = client.form(url, f"/console/banks/{VICTIM_BANK}",
                    {"action": "withdraw", "reason": "a press photo, not a victim's"})
    assert r.status_code == 303, r.text
    app.matching.refresh()
    assert app.matching.match_bytes(_recompressed(political)).matches == ()
    # An entry of another bank cannot be reached through this bank's page.
    assert client.form(f"/console/banks/nope/entries/{match.entry}",
                       f"/console/banks/{VICTIM_BANK}",
                       {"action": "confirm", "reason": "x"}).status_code == 404


def test_an_unconfirmed_video_cannot_stand_for_photos(portal: tuple[App, WebClient]) -> None:
    app, client = portal
    photos = [photo_bytes(20 + i, (320, 240), "PNG") for i in range(3)]
    frames = []
    for t, data in enumerate(photos):
        s = device_signals(data)
        frames.append({"frame": t, "hash": s["pdq"], "quality": s["pdq_quality"],
                       "t": float(t)})
    video = {"sha256": hashlib.sha256(b"not a video").hexdigest(), "kind": "video",
             "frames": frames}
    _register(client, [video])
    app.matching.refresh()
    assert all(app.matching.match_bytes(p).matches == () for p in photos)


def test_one_file_forwarded_into_many_chats_is_held_and_moderators_told(
        portal: tuple[App, WebClient]) -> None:
    app, client = portal
    meme = photo_bytes(13, (480, 360), "PNG")
    _register(client, [device_signals(meme)])
    app.matching.refresh()
    for chat in range(5):  # the same bytes each time: forwards of one file
        report = app.matching.match_bytes(meme, place=f"telegram:{-1000 - chat}")
        assert not any(m.on_hold for m in report.matches)
    after = app.matching.match_bytes(meme, place="telegram:-999")
    assert [m.on_hold for m in after.matches] == [True]
    reviews = make_state(app).reviews
    told = [i for i in reviews.list().items if i.new.kind == "entry_hold"]
    assert told and told[0].new.evidence["places"] == 5
    client.login("mod-a")
    page = client.get(f"/console/review/{told[0].id}")
    assert page.status_code == 200 and "5" in page.text
