"""The console page of hash exchanges: signed-in users only, read-only, never a credential
nor a feed token."""

from __future__ import annotations

from web_support import WebClient

from rempart.app import App


def test_page_lists_exchanges_and_feeds_without_secrets(sqlite_app: App,
                                                        web: WebClient) -> None:
    assert web.get("/console/exchanges").status_code == 303  # sign in first
    service = sqlite_app.exchanges
    service.add("sncii", "stopncii", "stopncii", url="https://sandbox.example/v1")
    service.store.record_failure(service.get("sncii").id, "StopNCII answered HTTP 401")
    service.add("helpline", "rempart", "helpline",
                url="https://helpline.example/api/v1/feeds/shared")
    _, secret = service.publish("stopncii", "group-bots")
    web.login("mod-a")
    page = web.get("/console/exchanges").text
    assert "sncii" in page and "https://sandbox.example/v1" in page
    assert "StopNCII answered HTTP 401" in page and "helpline" in page
    assert "group-bots" in page and secret not in page
    assert "0 sent, 0 pending, 0 failed" in page or "0 envoyés" in page
    assert 'href="/console/exchanges"' in web.get("/console/").text
