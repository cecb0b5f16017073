"""The console dashboard's charts: matches per day by bank and by source, the chats where
banked content was seen most, the review backlog by age, notices by category and their time
to decision, drawn as inline SVG under the console's strict CSP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from web_support import WebClient

from rempart.app import App
from rempart.core.banks import NewBank, NewEntry
from rempart.core.workflow import Category
from rempart.services.notices import Submission
from rempart.services.transparency.dashboard import AGES, OTHER, dashboard_figures
from rempart.store import make_engine
from rempart.store.models import entry_hits
from rempart.store.transparency_reads import SqlTransparencyReads

NOW = datetime.now(UTC)


def _seed(app: App) -> None:
    rows: list[dict[str, object]] = []
    for name, place, days_ago, count in (("victims", "telegram:-100", 0, 3),
                                         ("victims", "api:7", 1, 2),
                                         ("partners", "telegram:-200", 0, 1),
                                         ("partners", None, 30, 4)):  # out of the window
        bank = app.store.get_bank(name) or app.store.create_bank(NewBank(name))
        (entry,) = app.store.add_entries(bank.id, [NewEntry("md5", f"{len(rows):032x}",
                                                            f"g{len(rows)}")])
        rows += [{"entry_id": entry, "fingerprint": f"f{len(rows)}-{i}", "place": place,
                  "sender": None, "at": NOW - timedelta(days=days_ago)} for i in range(count)]
    with app.store.engine.begin() as conn:
        conn.execute(insert(entry_hits), rows)


def test_figures_count_the_window_by_bank_and_source(sqlite_app: App) -> None:
    _seed(sqlite_app)
    f = dashboard_figures(SqlTransparencyReads(sqlite_app.store.engine), NOW)
    assert len(f.days) == 14 and f.days[-1] == NOW.date()
    assert f.by_bank == {"victims": [0] * 12 + [2, 3], "partners": [0] * 13 + [1]}
    assert f.by_source["telegram"][-1] == 4 and f.by_source["api"][-2] == 2
    assert OTHER not in f.by_source and not f.truncated
    assert [label for label, _ in f.backlog] == [label for label, _ in AGES]
    assert f.chats == (("telegram:-100", 3), ("api:7", 2), ("telegram:-200", 1))
    assert f.notices == () and all(count == 0 for _, count in f.decision_times)


def test_figures_count_notices_by_category_and_time_to_decision(sqlite_url: str) -> None:
    from tdb_support import Clock, decide_notices, notice_service

    clock = Clock()
    clock.now = NOW - timedelta(days=2)
    service = notice_service(sqlite_url, clock)
    decide_notices(service, 3)  # decided at once
    service.submit(Submission(Category.NCII, "still waiting", good_faith=True,
                              message_link="https://t.me/c/4242/99"))
    f = dashboard_figures(SqlTransparencyReads(make_engine(sqlite_url)), NOW)
    assert f.notices == ((Category.NCII.value, 4),)
    assert dict(f.decision_times) == {"< 1 h": 3, "1–24 h": 0, "1–7 d": 0, "> 7 d": 0,
                                      "undecided": 1}


def test_the_dashboard_draws_its_charts_as_inline_svg(web: WebClient, sqlite_app: App
                                                      ) -> None:
    web.login("reader")
    empty = web.get("/console/")
    assert "No match in the last 14 days." in empty.text or "Aucune" in empty.text
    _seed(sqlite_app)
    page = web.get("/console/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    html = page.text
    assert html.count("<svg role=\"img\"") == 4  # no notice yet: no notice charts
    assert "· victims: 3" in html and "· telegram: 4" in html and "· api: 2" in html
    assert "style=" not in html.split("<section aria-labelledby=\"h-charts\">")[1].split(
        "</section>")[0]  # nothing the CSP would block
    assert "<script>" not in html
