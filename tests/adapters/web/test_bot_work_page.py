"""The console page of the bot's failed work: signed-in users only, never a message's text (a
receipt holds a reporter's secret), retries by moderators only."""

from __future__ import annotations

from web_support import WebClient

from rempart.app import App
from rempart.store.bot import NewAction, SqlBotStore
from rempart.store.rows import utc_now


def test_page_lists_failures_without_texts(sqlite_app: App, web: WebClient) -> None:
    assert web.get("/console/bot").status_code == 303  # sign in first
    assert web.post("/console/bot/action/1/retry").status_code in (303, 403)
    store = SqlBotStore(sqlite_app.store.engine)
    receipt, alert, ban = store.add_actions([
        NewAction("r", 42, "message", "receipt", {"text": "secret S3CR3T-VALUE"}),
        NewAction("a", -100, "message", "alert", {"text": "Removed in Private Group Name"}),
        NewAction("b", -100, "ban", "action", {"user_id": 4242})])
    store.action_failed(receipt.id, "Forbidden: bot can't initiate conversation",
                        utc_now())
    store.action_failed(alert.id, "Forbidden: bot was kicked", None)
    store.action_failed(ban.id, "Bad Request: not enough rights", None)
    web.login("mod-a")
    page = web.get("/console/bot").text
    assert "S3CR3T" not in page and "Private Group Name" not in page
    assert "ban user 4242" in page and "send alert" in page and "send receipt" in page
    assert "not enough rights" in page
    r = web.form(f"/console/bot/action/{ban.id}/retry", "/console/bot", {})
    assert r.headers["location"] == "/console/bot?retried=1"
    again = store.get_action(ban.id)
    assert again is not None and again.status == "pending"
    r = web.form(f"/console/bot/action/{ban.id}/retry", "/console/bot", {})
    assert r.headers["location"] == "/console/bot?retried=0"  # not dead any more
    r = web.form("/console/bot/bogus/1/retry", "/console/bot", {})
    assert r.status_code == 404
