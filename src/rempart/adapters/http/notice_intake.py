"""Public notice routes (DSA art. 16, 20), without a token and rate-limited per client address.

``POST /notices`` (acknowledged with a case number and a secret shown once),
``POST /notices/status`` and ``POST /notices/appeal`` (case number and secret in the body, never
in a URL). The routes take the rate limit first, then read their small bodies streaming under
:data:`PUBLIC_BODY_BYTES`. An anonymous ``POST /notices`` carries the proof of work of the
report form (``/report``): a challenge from ``GET /report/challenge`` solved on the device, sent
in ``X-Proof-Challenge`` and ``X-Proof-Nonce``; a caller with a token of scope ``notices`` (a
trusted flagger, a platform forwarding its users' notices) sends that instead.

Texts are returned as JSON strings exactly as they were written; escaping is the job of whatever
renders them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.deps import API_PREFIX, Notices
from rempart.adapters.http.errors import BODY_ERRORS, responses
from rempart.adapters.http.notice_deps import limit_public, notice_errors
from rempart.adapters.http.public_routes import PUBLIC_BODY_BYTES, body_of, public_body
from rempart.adapters.http.schemas import Int64
from rempart.adapters.http.uploads import check_declared
from rempart.core.workflow import Category
from rempart.services.notices import Submission

router = APIRouter(prefix=API_PREFIX, tags=["notices"])
_PUBLIC = {**BODY_ERRORS, **responses(429, 503)}


class NoticeIn(BaseModel):
    """A report: where the content is, what it is and why it is illegal. Contact is optional
    (and never needed for child sexual abuse)."""

    model_config = ConfigDict(extra="forbid")
    category: Category
    explanation: str = Field(max_length=10_000)
    good_faith: bool = False
    imminent_danger: bool = False
    message_link: str | None = Field(None, max_length=2000)
    invite_link: str | None = Field(None, max_length=2000)
    chat_id: Int64 | None = None
    message_id: Int64 | None = None
    location_text: str | None = Field(None, max_length=2000)
    contact_name: str | None = Field(None, max_length=200)
    contact_email: str | None = Field(None, max_length=320)


class ReceiptOut(BaseModel):
    """Keep the secret: it is the only way to follow the notice, and it is not stored."""

    case_number: str
    secret: str
    received_at: datetime
    escalated: bool


class CaseSecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_number: str = Field(max_length=32)
    secret: str = Field(max_length=200)


class AppealIn(CaseSecretIn):
    reason: str = Field(max_length=5000)


PUBLIC_MODELS: tuple[type[BaseModel], ...] = (NoticeIn, CaseSecretIn, AppealIn)
"""The bodies the public routes read themselves (kept in the OpenAPI document by ``api.py``)."""
_PROOF_REFUSED = responses(403, s403="An anonymous notice without a valid proof of work, or "
                                      "a token lacking the `notices` scope.")


async def _admitted(request: Request, challenge: str | None, nonce: str | None) -> None:
    """A notice's sender may send it: a token of scope ``notices`` (its own rate limit), or
    the public rate limit of its address and a proof of work spent now (403 otherwise)."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        await request.app.state.guard.check(authorization, "notices")
        return
    await limit_public(request)
    from rempart.adapters.web.public import spend_report_proof  # the /report form's proof

    if not await spend_report_proof(request, challenge or "", nonce or ""):
        raise HTTPException(403, {"message": "a proof of work is needed: solve a challenge of "
                                  "GET /report/challenge and send X-Proof-Challenge and "
                                  "X-Proof-Nonce (each challenge once)", "code": "proof_needed"})


@router.post("/notices", status_code=201, response_model=ReceiptOut,
             responses={**_PUBLIC, **responses(401), **_PROOF_REFUSED},
             openapi_extra=body_of(NoticeIn))
async def submit_notice(
    request: Request,
    service: Notices,
    challenge: Annotated[str | None, Header(
        alias="X-Proof-Challenge", max_length=200,
        description="A challenge of `GET /report/challenge` (anonymous senders).")] = None,
    nonce: Annotated[str | None, Header(
        alias="X-Proof-Nonce", max_length=40,
        description="Its solution: `sha256(challenge + nonce)` starts with `bits` zero bits."
    )] = None,
) -> ReceiptOut:
    """Report content (no account needed); answered at once with a case number and a secret.

    Anonymous: rate-limited per address and a proof of work in ``X-Proof-Challenge`` and
    ``X-Proof-Nonce`` (the report form's, see the module); or a token of scope ``notices``.
    """
    check_declared(request, PUBLIC_BODY_BYTES)  # a proof is not spent on a body refused anyway
    await _admitted(request, challenge, nonce)
    body = await public_body(request, NoticeIn)
    receipt = await run_in_threadpool(service.submit, Submission(**body.model_dump()))
    return ReceiptOut(case_number=receipt.case_number, secret=receipt.secret,
                      received_at=receipt.received_at, escalated=receipt.escalated)


@router.post("/notices/status", openapi_extra=body_of(CaseSecretIn), responses={
    **_PUBLIC, **responses(404, s404="No notice has this case number and secret.")})
async def notice_status(request: Request, service: Notices) -> dict[str, Any]:
    """Where a notice stands: state, dates, the decision and the appeal (case and secret)."""
    await limit_public(request)
    body = await public_body(request, CaseSecretIn)
    with notice_errors():
        found: dict[str, Any] = await run_in_threadpool(service.status, body.case_number,
                                                        body.secret)
    return found


@router.post("/notices/appeal", openapi_extra=body_of(AppealIn), responses={
    **_PUBLIC, **responses(404, 409, s404="No notice has this case number and secret.",
                           s409="No decision to appeal, or the appeal window is closed.")})
async def appeal_notice(request: Request, service: Notices) -> dict[str, Any]:
    """Contest a decision within its window (at least six months)."""
    await limit_public(request)
    body = await public_body(request, AppealIn)
    with notice_errors():
        found: dict[str, Any] = await run_in_threadpool(service.appeal, body.case_number,
                                                        body.secret, body.reason)
    return found
