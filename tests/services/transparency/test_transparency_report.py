"""The transparency report of a seeded year: the CSV files open as CSV, the HTML page holds
its charts as inline SVG with no external resource, and the figures are the seeded ones."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from rempart.adapters.transparency import HTML_NAME, write_report
from rempart.core.workflow import Action, AppealOutcome, Category
from rempart.services.errors import InvalidArgument
from rempart.services.notices import NoticeService, Submission
from rempart.services.transparency import Report, transparency_report
from rempart.store.bot_models import bot_outbox
from rempart.store.review_models import review_items
from rempart.store.sql import open_store
from tdb_support import MOD, Clock, notice_service, statement

Y = 2026
JAN = datetime(Y, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def seeded(db_url: str) -> Iterator[str]:
    clock = Clock()
    notices = notice_service(db_url, clock)
    _seed_notices(notices, clock)
    engine = notices.audit_log.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(insert(review_items), [_review(i, *spec) for i, spec in enumerate([
            ("media_match", "pdq", "confirmed"), ("media_match", "pdq", "confirmed"),
            ("media_match", "pdq", "confirmed"), ("media_match", "pdq", "dismissed"),
            ("media_match", "md5", "confirmed"), ("text_flag", None, "dismissed"),
            ("text_flag", None, "confirmed"), ("text_flag", None, "open"),
        ])])
        conn.execute(insert(bot_outbox), [_action(i, a, s) for i, (a, s) in enumerate([
            ("delete", "done"), ("delete", "done"), ("delete", "done"), ("ban", "done"),
            ("delete", "dead"), ("notice", "done")])])
    engine.dispose()
    yield db_url


def _seed_notices(notices: NoticeService, clock: Clock) -> None:
    # ncii: 3 notices acted upon after 2 h, 4 h and 30 h; 1 no action; 1 undecided.
    # csam: 1 acted upon after 0.5 h. One ncii notice of the previous year, out of period.
    plan: list[tuple[Category, float | None, Action]] = [
        (Category.NCII, 2, Action.REMOVE), (Category.NCII, 4, Action.REMOVE),
        (Category.NCII, 30, Action.REMOVE), (Category.NCII, 5, Action.NO_ACTION),
        (Category.NCII, None, Action.REMOVE), (Category.CSAM, 0.5, Action.REMOVE)]
    cases = []
    for i, (category, hours, action) in enumerate(plan):
        clock.now = JAN + timedelta(days=i * 7)
        receipt = notices.submit(Submission(category, "seeded", location_text="a group"))
        if hours is not None:
            clock.now += timedelta(hours=hours)
            notices.decide(receipt.case_number, "mod-a", action, "done",
                           statement() if action is not Action.NO_ACTION else None, MOD)
        cases.append(receipt.case_number)
    clock.now = datetime(Y - 1, 12, 31, 23, 0, tzinfo=UTC)
    notices.submit(Submission(Category.NCII, "last year", location_text="a group"))
    # Complaints: one upheld after 2 days, one reversed after 4 days, one pending.
    for case, outcome, days in ((cases[0], AppealOutcome.UPHELD, 2),
                                (cases[1], AppealOutcome.REVERSED, 4), (cases[2], None, 0)):
        clock.now = JAN + timedelta(days=60)
        secret_free = notices.store.get_notice(case)
        assert secret_free is not None
        notices.store.file_appeal(secret_free.id, "not me", MOD.entry(
            clock.now, "notice.appeal", "notice", case))
        if outcome is not None:
            clock.now += timedelta(days=days)
            notices.decide_appeal(case, "mod-b", outcome, "checked", MOD,
                                  action=Action.NO_ACTION if outcome is AppealOutcome.REVERSED
                                  else None, summary="restored")


def _review(i: int, kind: str, signal: str | None, status: str) -> dict[str, Any]:
    created = JAN + timedelta(days=i)
    return {"created_at": created, "updated_at": created, "source": "bot", "status": status,
            "kind": kind, "bank": "victims", "entry_id": None, "content_group": None,
            "signal": signal, "distance": 0, "labels": [], "location": {}, "evidence": {},
            "dedup_key": f"seed-{i}", "group_key": f"g{i}", "place": None,
            "decided_by": None, "decided_at": None if status == "open"
            else created + timedelta(hours=1), "decision": None, "decision_reason": None}


def _action(i: int, action: str, status: str) -> dict[str, Any]:
    at = JAN + timedelta(days=i)
    return {"dedup_key": f"seed-{i}", "chat_id": -100, "action": action,
            "purpose": "receipt" if action == "notice" else "action", "params": None,
            "status": status, "attempts": 1, "next_at": at, "error": None, "update_id": None,
            "created_at": at, "updated_at": at}


def _report(url: str) -> Report:
    store = open_store(url)
    try:
        return transparency_report(store, Y)
    finally:
        store.close()


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_seeded_year_gives_its_figures(seeded: str, tmp_path: Path) -> None:
    paths = write_report(_report(seeded), tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == sorted(["notices_by_category.csv", "notices_time_to_action.csv",
                            "own_initiative.csv", "automated_means.csv", "complaints.csv",
                            "suspensions.csv", HTML_NAME])
    out = tmp_path / "out"
    by_cat = {r["category"]: r for r in _csv(out / "notices_by_category.csv")}
    ncii, csam = by_cat["ncii"], by_cat["csam"]
    assert (ncii["received"], ncii["decided"], ncii["action_taken"], ncii["no_action"]) == (
        "5", "4", "3", "1")
    assert ncii["median_hours_to_action"] == "4.0" and csam["median_hours_to_action"] == "0.5"
    assert ncii["tdb_category"] == "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN"
    assert ncii["on_legal_ground"] == "3" and csam["escalated"] == "1"
    assert by_cat["doxxing"]["received"] == "0"
    times = {(r["category"], r["time_to_decision"]): r["notices"]
             for r in _csv(out / "notices_time_to_action.csv")}
    assert times[("ncii", "1 to 24 hours")] == "3" and times[("ncii", "1 to 7 days")] == "1"
    assert times[("ncii", "not decided yet")] == "1"
    assert times[("csam", "within 1 hour")] == "1"

    means = {r["means"]: r for r in _csv(out / "automated_means.csv")}
    pdq = means["hash matching (pdq)"]
    assert (pdq["confirmed"], pdq["dismissed"], pdq["accuracy"], pdq["error_rate"]) == (
        "3", "1", "0.75", "0.25")
    text = means["text classifier"]
    assert (text["flagged"], text["open"], text["accuracy"]) == ("3", "1", "0.5")
    own = {r["measure"]: r for r in _csv(out / "own_initiative.csv")}
    assert own["removal of content"]["count"] == "3"  # the dead one was not carried out
    assert own["suspension of the account"]["decision"] == "fully automated"
    assert own["confirmed on review: hash matching (pdq)"]["decision"] == "human"
    (complaints,) = _csv(out / "complaints.csv")
    assert (complaints["filed"], complaints["upheld"], complaints["reversed"],
            complaints["pending"], complaints["median_days_to_decide"]) == (
        "3", "1", "1", "1", "3.0")
    suspensions = {r["kind"]: r["count"] for r in _csv(out / "suspensions.csv")}
    assert suspensions["provision of manifestly illegal content"] == "1"

    html = (out / HTML_NAME).read_text(encoding="utf-8")
    assert html.count("<svg class=\"chart\"") == 6 and "<script" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # no external resource
    assert "Notices by category" in html and "Automated means" in html
    assert "<td class=\"n\">0.75</td>" in html


def test_a_year_out_of_range_is_refused(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        with pytest.raises(InvalidArgument, match="2020 to 2100"):
            transparency_report(store, 1999)
    finally:
        store.close()
