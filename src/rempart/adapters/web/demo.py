"""``rempart serve --demo``: a fresh database filled with generated, harmless example data.

Banks hold the hashes of generated landscapes (``rempart.core.synthetic_images``), review items
point at them, notices are in several states, and a ``demo-admin`` gets a random password that
is printed once. Nothing here is real: no person, no group, no media. ``fill`` works through the
services of the application it is given (``rempart.app.App``, built by the composition root).

Example::

    password = fill(build(Settings(database_url="sqlite:///demo.sqlite3")))
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from rempart.core.banks import BankKind, Provenance
from rempart.core.clock import utc_now
from rempart.core.media_signals import hash_bytes
from rempart.core.notices import Submission
from rempart.core.synthetic_images import photo_bytes
from rempart.core.workflow import Action, Category, Role, StatementOfReasons, as_utc_date
from rempart.services.banks import add_media, create_bank, list_banks
from rempart.services.notices import NoticeService
from rempart.services.reviews import NewReviewItem, ReviewService
from rempart.services.stores import BankStore
from rempart.services.users import SYSTEM, Actor, UserService

ADMIN = "demo-admin"
MODERATOR = "demo-moderator"


class NotEmpty(Exception):
    """The demo fills only a fresh database."""


class DemoApp(Protocol):
    """What the demo fills: the bank store and the user, review and notice services."""

    @property
    def store(self) -> BankStore: ...
    @property
    def users(self) -> UserService: ...
    @property
    def reviews(self) -> ReviewService: ...
    @property
    def notices(self) -> NoticeService: ...


def fill(app: DemoApp, photos: int = 6) -> str:
    """Fill ``app``'s empty database through its services; returns the demo admin's random
    password."""
    users = app.users
    if list_banks(app.store) or users.list():
        raise NotEmpty("the demo fills a fresh database only: give it an empty one")
    password = secrets.token_urlsafe(15)
    users.create(ADMIN, password, Role.ADMIN, SYSTEM)
    users.create(MODERATOR, secrets.token_urlsafe(15), Role.MODERATOR, SYSTEM)
    _banks(app, photos)
    _reviews(app)
    _notices(app)
    return password


def _banks(app: DemoApp, photos: int) -> None:
    create_bank(app.store, "demo-victims", BankKind.VICTIM,
                description="Generated landscapes standing for hashes submitted by victims")
    create_bank(app.store, "demo-partner", BankKind.PARTNER,
                description="Generated landscapes standing for a partner's vetted list")
    create_bank(app.store, "demo-allowlist", BankKind.ALLOWLIST,
                description="Known harmless images that must not raise alerts")
    now = utc_now()
    for i in range(photos):
        bank = "demo-victims" if i % 2 == 0 else "demo-partner"
        hashes = hash_bytes(photo_bytes(1000 + i, (320, 240)))
        add_media(app.store, bank, [(Path(f"demo-{i}.jpg"), hashes)], Provenance(
            source="demo: generated image", submitted_at=now - timedelta(days=i),
            case_id=f"DEMO-{i:03d}", labels=("demo",)))


def _reviews(app: DemoApp) -> None:
    reviews = app.reviews
    entries = list(app.store.iter_entries())
    pdq = [e for e in entries if e.signal_type == "pdq"][:3]
    now = utc_now()
    for n, entry in enumerate(pdq):
        bank = app.store.get_bank_by_id(entry.bank_id)
        reviews.create(NewReviewItem(
            "scan", "media_match", f"demo:media:{entry.id}", now - timedelta(hours=n + 1),
            bank=bank.name if bank else None, entry_id=entry.id,
            content_group=entry.content_group, signal="pdq", distance=4 + 3 * n,
            labels=("demo",),
            location={"platform": "telegram", "chat": "Demo group", "message": 100 + n,
                      "link": f"https://t.me/c/1000000/{100 + n}"},
            evidence={"query_signals": [{"signal_type": "pdq", "value": entry.value}]}))
    reviews.create(NewReviewItem(
        "bot", "text_flag", "demo:text:1", now - timedelta(minutes=30),
        location={"platform": "telegram", "chat": "Demo group", "message": 200},
        evidence={"text": "(demo) someone offers to sell private photos of a classmate",
                  "reasons": ["offer to sell", "private photos of a named third person"]}))


def _notices(app: DemoApp) -> None:
    notices = app.notices
    actor = Actor("system", "demo")
    made = [notices.submit(Submission(
        category, f"(demo) {text}", good_faith=True,
        message_link=f"https://t.me/c/1000000/{300 + i}"))
        for i, (category, text) in enumerate((
            (Category.NCII, "A private photo of me was posted without my consent."),
            (Category.CSAM, "A message offers abuse material."),
            (Category.DOXXING, "My address was posted with my name."),
            (Category.OTHER, "Spam advertising a paid group."),
        ))]
    notices.assign(made[2].case_number, MODERATOR, actor)
    today = as_utc_date(utc_now())
    statement = StatementOfReasons(
        decision_ground="DECISION_GROUND_ILLEGAL_CONTENT", category=(
            "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN"),
        content_type=("CONTENT_TYPE_IMAGE",), decision_facts="(demo) Checked by a moderator.",
        content_date=today, application_date=today,
        decision_visibility=("DECISION_VISIBILITY_CONTENT_REMOVED",),
        illegal_content_legal_ground="Code pénal art. 226-2-1",
        illegal_content_explanation="(demo) Intimate image shared without consent.")
    notices.decide(made[0].case_number, MODERATOR, Action.REMOVE, "(demo) Removed.", statement,
                   actor)
    notices.decide(made[3].case_number, MODERATOR, Action.NO_ACTION, "(demo) Not illegal.",
                   None, actor)
    notices.appeal(made[3].case_number, made[3].secret, "(demo) It is still there.")
