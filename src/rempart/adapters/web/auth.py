"""Sign in and out of the console (user name and password; no default account)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.web.session import (
    SESSION_COOKIE,
    checked_form,
    current_session,
    field,
    render,
    secure_cookies,
    state_of,
)

router = APIRouter(include_in_schema=False)
HOME = "/console/"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path only (no open redirect)."""
    if value and value.startswith("/console") and "//" not in value and "\\" not in value:
        return value
    return HOME


@router.get("/console/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    if await current_session(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), 303)
    return render(request, "login.html", next=safe_next(request.query_params.get("next")))


@router.post("/console/login")
async def login(request: Request) -> Response:
    _, form = await checked_form(request, write=False)
    web = state_of(request)
    web.check_login_rate(request.client.host if request.client else "unknown")
    user = await run_in_threadpool(web.users.verify, field(form, "username", 64),
                                   field(form, "password", 1024))
    next_path = safe_next(field(form, "next", 500))
    if user is None:
        return render(request, "login.html", status_code=401, failed=True, next=next_path)
    token = web.signer.dumps({"u": user.username, "c": secrets.token_urlsafe(24)})
    response = RedirectResponse(next_path, 303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(web.settings.session_hours * 3600),
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    await checked_form(request, write=False)
    response = RedirectResponse("/console/login", 303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax",
                           secure=secure_cookies(request))
    return response
