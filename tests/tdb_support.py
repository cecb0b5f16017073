"""A Transparency-Database-shaped server on loopback, speaking its statement API as the
public documentation defines it (``POST /api/v1/statement`` and ``/api/v1/statements``,
Bearer token, 201 with uuids, 422 by field or by ``statement_<index>`` with none created,
the duplicate-puid answer, 401), with hostile modes; and notices with decisions to send."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from argon2 import PasswordHasher

from loopback import loopback, reply
from rempart.config import NoticeSettings
from rempart.core.workflow import (
    AUTOMATED_DECISION,
    CONTENT_TYPES,
    SOURCE_TYPES,
    TDB_CATEGORIES,
    Action,
    Category,
    Role,
    StatementOfReasons,
)
from rempart.services.notices import NoticeService, Submission
from rempart.services.users import SYSTEM, Actor, UserService
from rempart.store import make_engine, migrate
from rempart.store.audit import SqlAuditLog
from rempart.store.notices import SqlNoticeStore
from rempart.store.users import SqlUserStore

TOKEN = "tdb-token-s3cr3t-7777"
REQUIRED = ("decision_ground", "content_type", "category", "content_date", "application_date",
            "decision_facts", "source_type", "automated_detection", "automated_decision",
            "puid")
DUPLICATE = "The identifier given is not unique within this platform."
PUID = re.compile(r"^[A-Za-z0-9_-]{1,500}$")


def errors_of(statement: dict[str, Any]) -> dict[str, list[str]]:
    """The validation errors of one statement, a few of the database's rules."""
    errors: dict[str, list[str]] = {}
    for name in REQUIRED:
        if name not in statement:
            errors[name] = [f"The {name.replace('_', ' ')} field is required."]
    checks = (("category", TDB_CATEGORIES), ("source_type", SOURCE_TYPES),
              ("automated_decision", AUTOMATED_DECISION),
              ("automated_detection", frozenset({"Yes", "No"})))
    for name, allowed in checks:
        if name in statement and statement[name] not in allowed:
            errors[name] = [f"The selected {name.replace('_', ' ')} is invalid."]
    if not set(statement.get("content_type") or ()) <= CONTENT_TYPES:
        errors["content_type"] = ["The selected content type is invalid."]
    if "puid" in statement and not PUID.fullmatch(str(statement["puid"])):
        errors["puid"] = ["The puid format is invalid."]
    return errors


@dataclass
class FakeTdb:
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)  # puid → statement
    requests: list[dict[str, Any]] = field(default_factory=list)  # path, headers, body
    reject: dict[str, str] = field(default_factory=dict)  # puid → a field the server refuses
    mode: str = "normal"  # error500, slow, redirect, garbage
    url: str = ""

    def create(self, statements: list[dict[str, Any]]
               ) -> tuple[int, dict[str, Any]]:
        errors: dict[str, Any] = {}
        puids = [s.get("puid") for s in statements]
        for i, s in enumerate(statements):
            found = errors_of(s)
            if s.get("puid") in self.reject:
                found[self.reject[s["puid"]]] = ["The selected value is invalid."]
            if not found and (s.get("puid") in self.stored or puids.count(s.get("puid")) > 1):
                found = {"puid": [DUPLICATE]}
            if found:
                errors[f"statement_{i}"] = found
        if errors:  # all or nothing
            return 422, {"errors": errors}
        created = []
        for s in statements:
            made = {**s, "uuid": str(uuid.uuid4()), "created_at": "2026-12-03 17:00:00"}
            self.stored[s["puid"]] = made
            created.append(made)
        return 201, {"statements": created}


def _handler(fake: FakeTdb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = json.loads(raw) if raw else {}
            fake.requests.append({"path": self.path, "headers": dict(self.headers),
                                  "body": body})
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, {"message": "Unauthenticated."})
                return
            if fake.mode == "error500":
                self._send(500, {"message": "Server Error"})
                return
            if fake.mode == "slow":
                time.sleep(3)
                return
            if fake.mode == "redirect":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/steal")
                self.end_headers()
                return
            if fake.mode == "garbage":
                self._send(201, b"not json")
                return
            if self.path == "/api/v1/statements":
                statements = body.get("statements")
                if not isinstance(statements, list) or not 1 <= len(statements) <= 100:
                    self._send(422, {"message": "The statements field is invalid.",
                                     "errors": {"statements": ["invalid"]}})
                    return
                self._send(*fake.create(statements))
            elif self.path == "/api/v1/statement":
                status, data = fake.create([body])
                if status == 422:
                    fields = data["errors"]["statement_0"]
                    data = {"message": next(iter(fields.values()))[0], "errors": fields}
                    if fields == {"puid": [DUPLICATE]}:
                        data["existing"] = fake.stored[body["puid"]]
                else:
                    data = data["statements"][0]
                self._send(status, data)
            else:
                self._send(404, {"message": "Not Found"})

        def _send(self, status: int, data: Any) -> None:
            reply(self, status, data if isinstance(data, bytes) else json.dumps(data).encode())

    return Handler


@contextmanager
def serve() -> Iterator[FakeTdb]:
    fake = FakeTdb()
    with loopback(_handler(fake)) as url:
        fake.url = url
        yield fake


# --- notices and decisions --------------------------------------------------------------

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"
VICTIM_EMAIL = "camille.invented@example.org"
VICTIM_NAME = "Camille Inventée"
MOD = Actor("user", "mod-a")


def statement(**over: object) -> StatementOfReasons:
    """A removal for non-consensual image sharing (no personal data)."""
    return StatementOfReasons.from_json({
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Code pénal art. 226-2-1",
        "illegal_content_explanation": "Sexual image disclosed without agreement.",
        "category": "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        "category_specification": ["KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"],
        "content_type": ["CONTENT_TYPE_IMAGE"],
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_facts": "Reported by a notice and checked by a moderator.",
        "content_date": "2026-02-27", "application_date": "2026-03-01", **over,
    })


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def notice_service(url: str, clock: Clock | None = None) -> NoticeService:
    """A notice service on the migrated database at ``url`` with two moderators."""
    migrate(url)
    engine = make_engine(url)
    clock = clock or Clock()
    users = UserService(SqlUserStore(engine), FAST, clock, sessions=None, audit_log=None)
    for name in ("mod-a", "mod-b"):
        if users.store.user_credentials(name) is None:
            users.create(name, PASSWORD, Role.MODERATOR, SYSTEM)
    return NoticeService(SqlNoticeStore(engine), users.store, SqlAuditLog(engine),
                         NoticeSettings(), clock)


def decide_notices(service: NoticeService, count: int, **over: object) -> list[str]:
    """``count`` notices from an invented victim, each removed with a statement."""
    cases = []
    for i in range(count):
        receipt = service.submit(Submission(
            Category.NCII, f"my photo number {i}, shared without consent", good_faith=True,
            message_link=f"https://t.me/c/7370242911/{i + 1}", contact_name=VICTIM_NAME,
            contact_email=VICTIM_EMAIL))
        service.decide(receipt.case_number, "mod-a", Action.REMOVE, "removed",
                       statement(**over), MOD)
        cases.append(receipt.case_number)
    return cases


