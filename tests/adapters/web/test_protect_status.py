"""The victim's case page through the ASGI app: counts, actions, notices and confirmed public
places of her own case only (a second case's data never appears), a wrong secret answered
byte for byte like an unknown case, withdrawing and closing stated on the page, HTML in a chat
title rendered inert, the rate limit; a minor's registration escalated at the top of the
moderators' dashboard with the help lines on her page."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import update
from web_support import WebClient, add_users

from rempart.adapters.web.protect import protect_state
from rempart.app import App, build, create_http_app
from rempart.bench.synthetic_images import photo_bytes
from rempart.config import NoticeSettings, Settings, WebSettings
from rempart.core.signals.pdq import pdq_dihedral
from rempart.core.workflow import Category
from rempart.services.case_items import ItemSignals
from rempart.services.cases import VICTIM_BANK, CaseService, Registration
from rempart.services.notices import NoticeService, Submission
from rempart.services.proof_of_work import solve
from rempart.store.audit import SqlAuditLog
from rempart.store.notices import SqlNoticeStore
from rempart.store.review_models import review_items
from rempart.store.reviews import NewReviewItem, SqlReviewStore
from rempart.store.rows import utc_now
from rempart.store.users import SqlUserStore

BITS = 4
CHANNEL = -1001234567890


def make_app(url: str, burst: int = 1000) -> App:
    app = build(Settings(
        database_url=url,
        web=WebSettings(protect_pow_bits=BITS, protect_burst=1000,
                        protect_rate_per_minute=1000.0),
        notices=NoticeSettings(public_rate_per_minute=0.01 if burst < 1000 else 1000.0,
                               public_burst=burst)))
    add_users(app)
    return app


@pytest.fixture
def portal(sqlite_url: str) -> Iterator[tuple[App, WebClient]]:
    app = make_app(sqlite_url)
    with WebClient(create_http_app(app)) as client:
        yield app, client
    app.close()


def _signals(seed: int) -> ItemSignals:
    data = photo_bytes(seed, (320, 240), "PNG")
    with Image.open(io.BytesIO(data)) as im:
        rgb = np.asarray(im.convert("RGB"), np.uint8)
    first, variants = pdq_dihedral(rgb)
    return ItemSignals(hashlib.sha256(data).hexdigest(), first.hash, first.quality,
                       {v.variant: v.hash for v in variants})


def _service(client: WebClient) -> CaseService:
    class _Req:  # protect_state only reads request.app.state
        app = client.api
    client.get("/protect")
    service: CaseService = protect_state(_Req()).service  # type: ignore[arg-type]
    return service


def _status(client: WebClient, case: str, secret: str, **extra: Any) -> Any:
    data = {"case_number": case, "secret": secret, "csrf_token": client.csrf("/protect/status"),
            **extra}
    return client.post("/protect/status", data=data)


def _groups(service: CaseService, case: str) -> list[str]:
    record = service.cases.get_case(case)
    assert record is not None
    return [i.content_group for i in service.cases.items(record.id)]


def _bot_item(app: App, group: str, chat: int, message: int, title: str, link: str | None,
              removed: bool) -> None:
    SqlReviewStore(app.store.engine).create(NewReviewItem(
        "bot", "media_match", f"bot:{chat}:{message}", utc_now(), VICTIM_BANK, 1, group, "pdq",
        3, ("victim",),
        {"platform": "telegram", "chat": chat, "chat_title": title, "message": message,
         "link": link, "sender": 31337, "date": "2026-03-02T08:00:00+00:00"},
        {"action_taken": {"delete": removed}}))


def _confirm_all(app: App) -> None:
    """Every review item confirmed (as a moderator would)."""
    with app.store.engine.begin() as conn:
        conn.execute(update(review_items).values(status="confirmed"))


def _cell(page: str, ident: str) -> str:
    found = re.search(rf'id="{ident}"[^>]*>(?:<th[^>]*>[^<]*</th><td>)?([^<]*)<', page)
    assert found, ident
    return found.group(1)


def test_page_counts_actions_notices_and_nothing_of_another_case(
        portal: tuple[App, WebClient]) -> None:
    app, client = portal
    service = _service(client)
    mine = service.register([_signals(1), _signals(2)], minor=False)
    other = service.register([_signals(3)], minor=False, contact="other@example.org")
    g1, _ = _groups(service, mine.case_number)
    (g3,) = _groups(service, other.case_number)
    _bot_item(app, g1, CHANNEL, 20, "<b>Public</b> news", "https://t.me/somechannel/20", True)
    _bot_item(app, g1, -4242, 21, "Private circle", None, False)
    _bot_item(app, g3, CHANNEL, 98, "Elsewhere chat", "https://t.me/elsewhere/98", True)
    _confirm_all(app)
    e = app.store.engine
    NoticeService(SqlNoticeStore(e), SqlUserStore(e), SqlAuditLog(e)).submit(Submission(
        Category.NCII, "the reporter's words", chat_id=CHANNEL, message_id=20, good_faith=True,
        contact_name="Reporter Name", contact_email="reporter@example.org"))

    page = _status(client, mine.case_number, mine.secret)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert _cell(text, "registered") == "2" and _cell(text, "matches") == "2"
    assert _cell(text, "withdrawn") == "0"
    assert _cell(text, "action-removed") == "1" and _cell(text, "action-confirmed") == "2"
    assert 'id="by-place"' in text and "2026-03-02" in text
    assert 'href="https://t.me/somechannel/20"' in text
    assert "&lt;b&gt;Public&lt;/b&gt; news" in text and "<b>Public</b>" not in text
    assert 'id="notices"' in text and "ncii" not in text  # the category's name, translated
    for leak in (other.case_number, g3, "elsewhere", "Elsewhere chat", "Private circle",
                 "31337", "reporter@example.org", "Reporter Name", "the reporter's words",
                 "other@example.org", g1):
        assert leak not in text, leak

    for lang in ("fr", "en"):  # every word in both languages
        data = {"case_number": mine.case_number, "secret": mine.secret,
                "csrf_token": client.csrf("/protect/status")}
        translated = client.post(f"/protect/status?lang={lang}", data=data).text
        assert "case_status." not in translated and "protect." not in translated
        assert ("Mesures prises" if lang == "fr" else "Actions taken") in translated

    theirs = _status(client, other.case_number, other.secret).text
    assert mine.case_number not in theirs and "somechannel" not in theirs
    assert 'href="https://t.me/elsewhere/98"' in theirs


def test_wrong_secret_is_an_unknown_case(portal: tuple[App, WebClient]) -> None:
    _, client = portal
    service = _service(client)
    mine = service.register([_signals(4)], minor=False)
    other = service.register([_signals(5)], minor=False)
    answers = [_status(client, mine.case_number, other.secret),
               _status(client, mine.case_number, mine.secret + "x"),
               _status(client, "VIC-2000-999999", mine.secret),
               _status(client, mine.case_number, other.secret, action="close")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1
    assert mine.case_number not in answers[0].text
    assert _status(client, mine.case_number, mine.secret).status_code == 200  # not closed


def test_withdraw_and_close_stated_on_the_page(portal: tuple[App, WebClient]) -> None:
    app, client = portal
    service = _service(client)
    mine: Registration = service.register([_signals(6), _signals(7)], minor=False)
    other = service.register([_signals(8)], minor=False)
    page = _status(client, mine.case_number, mine.secret, action="withdraw")
    assert 'id="done"' in page.text and _cell(page.text, "active") == "2"
    ids = re.findall(r'name="item" value="(\d+)"', page.text)
    their_id = re.findall(r'name="item" value="(\d+)"',
                          _status(client, other.case_number, other.secret).text)[0]
    page = _status(client, mine.case_number, mine.secret, action="withdraw",
                   item=[ids[0], their_id])
    assert _cell(page.text, "active") == "1" and _cell(page.text, "withdrawn") == "1"
    assert _cell(_status(client, other.case_number, other.secret).text, "active") == "1"

    page = _status(client, mine.case_number, mine.secret, action="close")
    assert page.status_code == 200
    assert 'id="closed"' in page.text and _cell(page.text, "active") == "0"
    assert 'name="item"' not in page.text and 'value="close"' not in page.text
    entries = list(app.store.iter_entries(app.store.get_bank(VICTIM_BANK).id))  # type: ignore[union-attr]
    assert {e.content_group for e in entries} == set(_groups(service, other.case_number))


def test_status_is_rate_limited(sqlite_url: str) -> None:
    app = make_app(sqlite_url, burst=2)
    with WebClient(create_http_app(app)) as client:
        codes = [_status(client, "VIC-2000-000001", "nope").status_code for _ in range(3)]
    app.close()
    assert codes == [404, 404, 429]


def test_minor_case_escalated_on_the_dashboard(portal: tuple[App, WebClient]) -> None:
    _, client = portal
    token_page = client.get("/protect")
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page.text)
    assert token
    got = client.get("/protect/challenge").json()
    s = _signals(9)
    r = client.post("/protect/register", json={
        "challenge": got["challenge"], "nonce": solve(got["challenge"], got["bits"]),
        "items": [{"sha256": s.sha256, "pdq": s.pdq, "pdq_quality": s.pdq_quality}],
        "minor": True, "contact": "guardian@example.org"},
        headers={"X-CSRF-Token": token.group(1)})
    assert r.status_code == 201, r.text
    case, secret = r.json()["case_number"], r.json()["secret"]

    page = _status(client, case, secret).text
    assert 'id="escalated"' in page and 'id="minor-help"' in page
    for name in ("3018", "Point de Contact", "PHAROS", "Take It Down"):
        assert name in page
    notice = re.search(r"<td>(RMP-\d{4}-\d+)</td>", page)
    assert notice, page
    number = notice.group(1)

    client.login("mod-a")
    dashboard = client.get("/console/").text
    assert number in dashboard and 'class="escalated"' in dashboard
    first_row = dashboard.index('class="escalated"')
    assert dashboard.index(number) > first_row
    detail = client.get(f"/console/notices/{number}").text
    assert case in detail and "guardian@example.org" not in detail
