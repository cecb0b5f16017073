"""Schemathesis against the OpenAPI description: every route keeps its published contract.

Attacker: any client of the API (integrator, anonymous visitor on the public routes) sending
whatever the description allows, and whatever it forbids. Asset: the service itself (no 500,
no answer outside the description, no invalid request accepted). The real ASGI app runs on a
real database (SQLite; PostgreSQL too under ``CI=true``) with a token of exactly the scope
each route asks for. Deterministic (fixed seed, derandomized, no example database) and bounded
(``MAX_EXAMPLES`` per route), so CI sees the same requests every run.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
import schemathesis.engine
from http_support import Headers, bearer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.engine import events
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from rempart.adapters.http.token_first import token_routes
from rempart.app import App, build, create_http_app
from rempart.config import HttpSettings, NoticeSettings, Settings
from rempart.services import banks as bank_service
from rempart.store.tokens import SCOPES

MAX_EXAMPLES = 30
REQUEST_SECONDS = 30  # a hang guard per request (none takes a second here), not a timing
UPLOAD_LIMIT = 256 * 1024
JSON_LIMIT = 64 * 1024
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance")
_DEFAULT_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
# Routes whose bodies carry values JSON Schema cannot describe: hash values in their textual
# encodings (vPDQ as text, a signal whose format depends on its type), hash files (CSV, JSONL,
# txt), media to bank that is no image or video, a notice's "say where" rule across four
# fields, an appeal's reason that is only spaces, finding ids that must exist. A 422 there is
# an answer about the value, not a refusal of the shape.
_SEMANTIC = ("/api/v1/match", "/api/v1/banks/{name}/signals", "/api/v1/banks/{name}/import",
             "/api/v1/banks/{name}/media", "/api/v1/notices", "/api/v1/notices/appeal",
             "/api/v1/evidence")
# Revoking tokens is fuzzed by test_revoking_tokens_keeps_its_contract, which renews the
# tokens the fuzzer revokes (the engine would revoke its own).
_EXCLUDED = "/api/v1/tokens/{token_id}"
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_schema_conformance]


@dataclass
class Callers:
    """A token per scope on ``app``, and which scope each operation needs."""

    app: App
    scope_of: dict[tuple[str, str], str]
    secrets: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for scope in SCOPES:
            self.renew(scope)

    def renew(self, scope: str) -> None:
        _, self.secrets[scope] = self.app.tokens.create(f"fuzz-{scope}", [scope], 1e6, 10**6)

    def headers(self, operation: APIOperation) -> Headers:
        """The token of exactly the scope ``operation`` asks for (none for public routes)."""
        scope = self.scope_of.get((operation.method.upper(), operation.path))
        return {} if scope is None else bearer(self.secrets[scope])

    def keep_alive(self) -> None:
        """Renew the tokens the fuzzer revoked through ``DELETE /api/v1/tokens/{token_id}``."""
        for scope, secret in list(self.secrets.items()):
            if self.app.tokens.find(secret) is None:
                self.renew(scope)

    def config(self) -> dict[str, Any]:
        """The schemathesis configuration: bounded, deterministic, one token per route."""
        operations: list[dict[str, Any]] = [{"include-path": _EXCLUDED, "enabled": False}]
        for (method, path), scope in sorted(self.scope_of.items()):
            operations.append({"include-path": path, "include-method": method,
                               "headers": bearer(self.secrets[scope])})
        for path in _SEMANTIC:
            operations.append({"include-path": path, "checks": {"positive_data_acceptance": {
                "expected-statuses": [*_DEFAULT_ACCEPTED, "422"]}}})
        return {
            "seed": 20_131,
            "workers": 1,
            "request-timeout": REQUEST_SECONDS,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True,
                           "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "operations": operations,
        }


@dataclass
class Target:
    """The app under test, its OpenAPI schema loaded by schemathesis, and its callers."""

    app: App
    schema: BaseSchema
    callers: Callers


def fuzz_app(url: str) -> App:
    """An app whose public rate limits do not stop the fuzzer, with small body limits."""
    return build(Settings(
        database_url=url,
        http=HttpSettings(max_upload_bytes=UPLOAD_LIMIT, max_json_bytes=JSON_LIMIT),
        notices=NoticeSettings(public_rate_per_minute=1e6, public_burst=10**6),
    ))


@pytest.fixture
def target(db_url: str) -> Iterator[Target]:
    app = fuzz_app(db_url)
    try:
        bank_service.create_bank(app.store, "fuzz")  # the bank the hand-made requests name
        api = create_http_app(app)
        scope_of = {(m, path): scope for path, route, scope in token_routes(api)
                    for m in route.methods or ()}
        callers = Callers(app, scope_of)
        schema = schemathesis.openapi.from_asgi(
            "/openapi.json", api, config=schemathesis.Config.from_dict(callers.config()))
        yield Target(app, schema, callers)
    finally:
        shutdown_lifespans()  # the change-feed follower stops before its database goes
        app.close()


def _failures(schema: BaseSchema) -> tuple[list[str], int]:
    """What the schemathesis engine found (one line per failing check), and the requests."""
    found: list[str] = []
    requests = 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            requests += len(event.recorder.interactions)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        found.append(f"{failure.operation}: {failure.title} — "
                                     f"{failure.message.splitlines()[0] if failure.message else ''}"
                                     f"\n    {check.failure_info.code_sample}")
        elif isinstance(event, events.NonFatalError):
            found.append(f"{event.label}: {event.info.title}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            found.append(f"fatal: {event.exception!r}")
    return sorted(set(found)), requests


def test_every_route_keeps_its_contract(target: Target) -> None:
    """Schema-valid and schema-invalid requests to every route (examples, boundary values,
    random data): no 500, only documented statuses, bodies and content types as published,
    invalid data refused, valid data accepted."""
    found, requests = _failures(target.schema)
    assert requests > 39 * MAX_EXAMPLES, requests
    assert not found, "\n".join(found)


@settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_revoking_tokens_keeps_its_contract(target: Target, data: st.DataObject) -> None:
    """``DELETE /api/v1/tokens/{token_id}``, valid and invalid ids (the fuzzer's own tokens
    renewed after each call)."""
    op = target.schema["/api/v1/tokens/{token_id}"]["DELETE"]
    mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]))
    case = data.draw(op.as_strategy(generation_mode=mode))
    response = case.call(headers=target.callers.headers(op))
    target.callers.keep_alive()
    case.validate_response(response, checks=[*CONFORMANCE, negative_data_rejection,
                                             positive_data_acceptance])


# --- hand-made hostile inputs, checked against the same description ------------------------


def _operations(schema: BaseSchema) -> list[APIOperation]:
    return [result.ok() for result in schema.get_all_operations()]


def _with_body(op: APIOperation) -> bool:
    return bool(op.definition.raw.get("requestBody"))


def _check(op: APIOperation, target: Target, *, body: bytes, content_type: str,
           headers: Headers | None = None) -> int:
    """Send ``body`` to ``op`` with its token; the answer must keep the description."""
    case = op.Case(path_parameters=_params(op))
    response = case.call(data=body, headers={
        **target.callers.headers(op), "Content-Type": content_type, **(headers or {})})
    case.validate_response(response, checks=CONFORMANCE)
    return response.status_code


def _params(op: APIOperation) -> dict[str, Any]:
    values = {"name": "fuzz", "entry_id": 1, "token_id": 10**6, "case_number": "N-0",
              "scan_id": "s", "content_group": "g", "item_id": 1}
    return {p.name: values[p.name] for p in op.path_parameters}


def _content_types(op: APIOperation) -> list[str]:
    return list(op.definition.raw["requestBody"]["content"])


def test_malformed_and_oversized_bodies_get_a_documented_4xx(target: Target) -> None:
    """Every route reading a body: garbage in each of its media types, a truncated multipart,
    a wrong media type and a body over the limit (declared, and streamed without a length)."""
    ops = [op for op in _operations(target.schema) if _with_body(op)]
    assert len(ops) >= 12
    garbage = b"\xff\xfe{\"\x00--\r\n" * 16
    for op in ops:
        for ctype in _content_types(op):
            status = _check(op, target, body=garbage, content_type=ctype)
            # Media that is no image: an item error in a 200 record (as `rempart hash` says
            # it), or a 4xx; anything else: a 4xx.
            media = ctype == "application/octet-stream" and status == 200
            assert 400 <= status < 500 or media, (op.label, ctype, status)
        status = _check(op, target, body=b"--XyZ\r\nContent-Disposition: form-data; name=\"f",
                        content_type="multipart/form-data; boundary=XyZ")
        assert 400 <= status < 500, (op.label, status)
        status = _check(op, target, body=b"x" * (UPLOAD_LIMIT + 1),
                        content_type=_content_types(op)[0])
        assert status == 413, (op.label, status)


def _png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(buf, "PNG")
    return buf.getvalue()


def test_one_pixel_image_is_an_item_error_not_a_500(target: Target) -> None:
    """A 1×1 PNG (it made OpenCV's ORB assert) on every route hashing an upload."""
    ops = {op.label: op for op in _operations(target.schema)}
    one_pixel = _png(1, 1)
    boundary = "b0undary"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                 f"filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n").encode() \
        + one_pixel + f"\r\n--{boundary}--\r\n".encode()
    for label in ("POST /api/v1/hash", "POST /api/v1/match", "POST /api/v1/banks/{name}/media"):
        op = ops[label]
        assert _check(op, target, body=one_pixel, content_type="image/png") < 500
        assert _check(op, target, body=multipart,
                      content_type=f"multipart/form-data; boundary={boundary}") < 500


def test_refusals_are_documented(target: Target) -> None:
    """Every route taking a token: without one (401), with another scope (403), past its rate
    (429): each answer is one the route documents, in the documented shape."""
    app, callers = target.app, target.callers
    _, slow = app.tokens.create("slow", list(SCOPES), 1e-6, 1)
    for op in _operations(target.schema):
        scope = callers.scope_of.get((op.method.upper(), op.path))
        if scope is None:
            continue
        other = "metrics" if scope != "metrics" else "match"
        for headers, expected in (({}, 401), (bearer(callers.secrets[other]), 403),
                                  (bearer(slow), None)):
            case = op.Case(path_parameters=_params(op))
            response = case.call(headers=headers)
            case.validate_response(response, checks=CONFORMANCE)
            if expected is not None:
                assert response.status_code == expected, (op.label, response.text)
        case = op.Case(path_parameters=_params(op))
        response = case.call(headers=bearer(slow))
        assert response.status_code == 429, (op.label, response.status_code)
        case.validate_response(response, checks=CONFORMANCE)
