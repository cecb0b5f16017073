"""Attack 10 (data kept forever), end to end on a real database: ``rempart purge`` deletes
what outlived its period and nothing DSA or complaints need; closing a case forgets the
victim's contact at once.

The attacker here is whoever gets the database later (a seized or stolen server, an insider):
what is no longer there cannot leak.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, update
from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.app import App, build
from rempart.config import NoticeSettings, Settings
from rempart.core.banks import NewEntry, Provenance
from rempart.core.flood import FloodRule, Hit
from rempart.core.workflow import Category
from rempart.services.banks import create_bank
from rempart.services.case_items import ItemSignals
from rempart.services.cases import CaseService
from rempart.services.notices import NoticeService, Submission
from rempart.services.retention import RetentionPolicy, purge
from rempart.store.audit import SqlAuditLog
from rempart.store.bot import SqlBotStore
from rempart.store.case_models import victim_cases
from rempart.store.cases import SqlCaseStore
from rempart.store.models import bank_entries, entry_hits
from rempart.store.notice_models import audit_events, notices
from rempart.store.notices import SqlNoticeStore
from rempart.store.retention import SqlRetentionStore
from rempart.store.rows import utc_now
from rempart.store.users import SqlUserStore

OLD = timedelta(days=400)


def _count(app: App, table: object, *where: object) -> int:
    with app.store.engine.connect() as conn:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        for w in where:
            query = query.where(w)  # type: ignore[arg-type]
        return int(conn.execute(query).scalar_one())


def _seed(app: App) -> dict[str, object]:
    """Old and recent rows of every kind with a period, and records that must stay."""
    now = utc_now()
    engine = app.store.engine
    bot = SqlBotStore(engine)
    bot.log_message(-100, 1, 7, None, now - OLD)
    bot.log_message(-100, 2, 7, None, now)
    bank = create_bank(app.store, "b")
    old_live, old_gone, new_gone = app.store.add_entries(bank.id, [
        NewEntry("md5", f"{n:032x}", f"g{n}", None, Provenance()) for n in range(3)])
    app.store.remove_entries([old_gone, new_gone], "consent withdrawn")
    with engine.begin() as conn:
        conn.execute(update(bank_entries).where(bank_entries.c.id.in_([old_live, old_gone]))
                     .values(created_at=now - OLD, removed_at=None))
        conn.execute(update(bank_entries).where(bank_entries.c.id == old_gone)
                     .values(removed_at=now - OLD))
    rule = FloodRule(1000, timedelta(hours=1))
    app.store.record_hits([Hit(old_live, "a", now - OLD), Hit(old_live, "b", now)], rule)

    cases = CaseService(SqlCaseStore(engine), app.store)
    sha = ItemSignals(sha256="ab" * 32)
    closed = cases.register([sha], minor=False, contact="me@example.org")
    cases.close(closed.case_number, closed.secret)
    old_closed = cases.register([ItemSignals(sha256="cd" * 32)], minor=False, contact="x@y.z")
    cases.close(old_closed.case_number, old_closed.secret)
    with engine.begin() as conn:
        conn.execute(update(victim_cases).where(
            victim_cases.c.case_number == old_closed.case_number)
            .values(closed_at=now - OLD, contact="left by an older version"))
    open_case = cases.register([ItemSignals(sha256="ef" * 32)], minor=False,
                               contact="still@open.case")
    NoticeService(SqlNoticeStore(engine), SqlUserStore(engine), SqlAuditLog(engine),
                  NoticeSettings()).submit(Submission(
        category=Category.NCII, explanation="old report", good_faith=True,
        message_link="https://t.me/c/1/2"))
    with engine.begin() as conn:
        conn.execute(update(notices).values(received_at=now - OLD))
    return {"closed": closed.case_number, "old_closed": old_closed.case_number,
            "open": open_case.case_number, "old_live": old_live, "old_gone": old_gone,
            "new_gone": new_gone, "bank": bank.id}


def test_closing_a_case_forgets_the_contact(db_url: str) -> None:
    app = build(Settings(database_url=db_url))
    try:
        seeded = _seed(app)
        with app.store.engine.connect() as conn:
            contacts = dict(conn.execute(select(victim_cases.c.case_number,
                                                victim_cases.c.contact)).all())
        assert contacts[seeded["closed"]] is None  # at once, no purge needed
        assert contacts[seeded["open"]] == "still@open.case"
    finally:
        app.close()


def test_purge_deletes_what_outlived_its_period(db_url: str) -> None:
    app = build(Settings(database_url=db_url))
    try:
        seeded = _seed(app)
        store = SqlRetentionStore(app.store.engine)
        policy = RetentionPolicy.from_settings(app.settings)
        audit_before = _count(app, audit_events)
        dry = {p.kind: p.count for p in purge(store, policy, utc_now(), dry_run=True)}
        assert dry["bot_messages"] == 1 and dry["tombstones"] == 1 and dry["entry_hits"] == 1
        assert dry["closed_cases"] == 1 and dry["closed_case_contacts"] == 1
        mine = bank_entries.c.bank_id == seeded["bank"]
        assert _count(app, bank_entries, mine) == 3  # a dry run deletes nothing

        done = {p.kind: p.count for p in purge(store, policy, utc_now())}
        assert done == dry
        ids = {i for (i,) in _rows(app, select(bank_entries.c.id).where(mine))}
        # The old tombstone is gone with its hash; the recent one (partners and other
        # processes still learning of the withdrawal) and the old live entry stay.
        assert ids == {seeded["old_live"], seeded["new_gone"]}
        assert _count(app, entry_hits) == 1
        assert [n for (n,) in _rows(app, select(victim_cases.c.case_number))] == \
            [seeded["closed"], seeded["open"]]
        assert _count(app, victim_cases, victim_cases.c.contact.is_not(None)) == 1  # the open
        # What DSA and complaints need stays: notices and the audit log.
        assert _count(app, notices) == 1 and _count(app, audit_events) == audit_before
        again = {p.kind: p.count for p in purge(store, policy, utc_now())}
        assert not any(again.values())
    finally:
        app.close()


def _rows(app: App, query: object) -> list[tuple[object, ...]]:
    with app.store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[call-overload]


def test_purge_command(sqlite_url: str) -> None:
    app = build(Settings(database_url=sqlite_url))
    try:
        _seed(app)
    finally:
        app.close()
    runner = CliRunner()
    cli = build_app()
    dry = runner.invoke(cli, ["purge", "--dry-run", "--jsonl", "--db", sqlite_url])
    assert dry.exit_code == 0, dry.output
    lines = [json.loads(line) for line in dry.stdout.splitlines()]
    assert {"kind", "before", "count", "dry_run"} <= set(lines[0])
    counts = {line["kind"]: line["count"] for line in lines}
    assert counts["bot_messages"] == 1 and all(line["dry_run"] for line in lines)
    done = runner.invoke(cli, ["purge", "--db", sqlite_url])
    assert done.exit_code == 0, done.output
    again = runner.invoke(cli, ["purge", "--jsonl", "--db", sqlite_url])
    assert all(json.loads(line)["count"] == 0 for line in again.stdout.splitlines())
