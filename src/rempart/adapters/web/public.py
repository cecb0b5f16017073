"""Public pages, no account: the report form (DSA art. 16) acknowledged with a case number and
a secret shown once, and the status page (case number and secret, posted, never in a URL) with
the appeal form while an appeal is allowed. Rate-limited per address like the public API.

A report carries a proof of work, as a registration on the victim portal does (the same
``ProofOfWork`` and browser solver, ``static/proof_of_work.js``): ``static/report.js`` fetches
a challenge from ``GET /report/challenge`` when the form is sent and solves it on the device;
the server checks it and spends it once. Floods of reports cost the sender CPU time, not us."""

from __future__ import annotations

import time
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from rempart.adapters.http.notice_deps import limit_public
from rempart.adapters.web.protect import protect_state
from rempart.adapters.web.session import checked_form, field, render, state_of
from rempart.core.clock import utc_now
from rempart.core.notices import Submission
from rempart.core.workflow import Category
from rempart.services.errors import InvalidArgument
from rempart.services.notices import NoticeConflict, NoticeNotFound
from rempart.services.proof_of_work import ProofOfWork, ProofRejected

router = APIRouter(include_in_schema=False)


def report_pow(request: Request) -> ProofOfWork:
    """The report form's proof of work (keyed apart from the portal's, from the same secret)."""
    return protect_state(request).report_pow


def _report_form(request: Request, status_code: int = 200, **context: object) -> Response:
    return render(request, "report.html", status_code=status_code, categories=list(Category),
                  pow_challenge=report_pow(request).issue(time.time()), **context)


async def spend_report_proof(request: Request, challenge: str, nonce: str) -> bool:
    """Whether ``challenge`` (of ``GET /report/challenge``) and ``nonce`` are a valid proof of
    work (then spent: one use); the report form's and anonymous ``POST /api/v1/notices``'."""
    try:
        await run_in_threadpool(protect_state(request).service.spend, report_pow(request),
                                challenge, nonce, time.time())
    except ProofRejected:
        return False
    return True


def _int(value: str) -> int | None:
    try:
        return int(value.strip()) if value.strip() else None
    except ValueError:
        raise InvalidArgument("chat and message ids are whole numbers") from None


def _form_values(form: FormData) -> dict[str, str]:
    names = ("category", "explanation", "message_link", "invite_link", "chat_id",
             "message_id", "location_text", "contact_name", "contact_email")
    return {n: field(form, n) for n in names}


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    """Where each visitor goes: report, protect their images, the console, the API."""
    return render(request, "home.html")


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request) -> Response:
    return _report_form(request, values={})


@router.get("/report/challenge")
def report_challenge(request: Request) -> JSONResponse:
    """A fresh proof-of-work challenge for the report form, and its difficulty (zero bits)."""
    pow_ = report_pow(request)
    return JSONResponse({"challenge": pow_.issue(time.time()), "bits": pow_.bits},
                        headers={"Cache-Control": "no-store"})


@router.post("/report")
async def report(request: Request) -> Response:
    await limit_public(request)  # before any byte of the form is read
    _, form = await checked_form(request, write=False)
    values = _form_values(form)
    if not await spend_report_proof(request, field(form, "pow_challenge", 200),
                         field(form, "pow_nonce", 40)):
        return await run_in_threadpool(_report_form, request, 400, values=values,
                                       error="report.pow_failed")
    category = Category(values["category"]) if values["category"] in set(Category) else None
    error = None
    if category is None:
        error = "category"
    elif form.get("good_faith") != "on":
        error = "report.good_faith_needed"
    else:
        try:
            submission = Submission(
                category=category, explanation=values["explanation"], good_faith=True,
                imminent_danger=form.get("imminent_danger") == "on",
                message_link=values["message_link"], invite_link=values["invite_link"],
                chat_id=_int(values["chat_id"]), message_id=_int(values["message_id"]),
                location_text=values["location_text"], contact_name=values["contact_name"],
                contact_email=values["contact_email"])
            receipt = await run_in_threadpool(state_of(request).notices.submit, submission)
        except InvalidArgument as e:
            error = str(e)
        else:
            return render(request, "report_done.html", status_code=201, receipt=receipt)
    return await run_in_threadpool(_report_form, request, 422, values=values, error=error)


@router.get("/report/status", response_class=HTMLResponse)
def status_page(request: Request) -> Response:
    return render(request, "status.html", status=None)


def _appeal_open(status: dict[str, object]) -> bool:
    until = status.get("appeal_until")
    return status.get("state") == "decided" and isinstance(until, str) and \
        datetime.fromisoformat(until) >= utc_now()


@router.post("/report/status")
async def status(request: Request) -> Response:
    await limit_public(request)
    _, form = await checked_form(request, write=False)
    case, secret = field(form, "case_number", 32).strip(), field(form, "secret", 200).strip()
    notices = state_of(request).notices
    error = None
    try:
        if form.get("appeal") == "1":
            found = await run_in_threadpool(notices.appeal, case, secret,
                                            field(form, "reason", 5000))
        else:
            found = await run_in_threadpool(notices.status, case, secret)
    except NoticeNotFound:
        return render(request, "status.html", status_code=404, status=None, not_found=True,
                      case_number=case)
    except (InvalidArgument, NoticeConflict) as e:
        error = str(e)
        found = await run_in_threadpool(notices.status, case, secret)
    return render(request, "status.html", status_code=422 if error else 200, status=found,
                  case_number=case, secret=secret, can_appeal=_appeal_open(found), error=error)
