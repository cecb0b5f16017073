"""Sign in and out of the console (user name and password; no default account), and choose a
password through a one-time link given by an admin.

Signing in opens a server-side session (``store/sessions.py``); signing out revokes it. Guesses
are limited per client address (shared by every process) and per account: repeated failures
lock the account for a while (``services/lockout.py``; audited, an admin can unlock it).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.client_ip import client_ip
from rempart.adapters.web.session import (
    SESSION_COOKIE,
    checked_form,
    current_session,
    field,
    render,
    secure_cookies,
    session_secret,
    state_of,
)
from rempart.core.clock import utc_now
from rempart.services.errors import InvalidArgument
from rempart.services.users import LinkInvalid

router = APIRouter(include_in_schema=False)
HOME = "/console/"
PURGE_AFTER = timedelta(days=30)


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
    web = state_of(request)
    await run_in_threadpool(web.check_login_rate, client_ip(request))  # before the form
    _, form = await checked_form(request, write=False)
    # One answer for an unknown name, a wrong password and a locked account (same cost too).
    user = await run_in_threadpool(web.signin.sign_in, field(form, "username", 64),
                                   field(form, "password", 1024))
    next_path = safe_next(field(form, "next", 500))
    if user is None:
        return render(request, "login.html", status_code=401, failed=True, next=next_path)
    old = session_secret(request)

    def open_session() -> str:
        now = utc_now()
        if old is not None:  # no session fixation: whatever cookie came in is ended
            web.sessions.revoke_secret(old, now, "login")
        _, secret = web.sessions.create(user.id, now, web.lifetime,
                                        request.headers.get("user-agent"))
        web.sessions.purge(now - PURGE_AFTER)  # housekeeping of long-ended sessions
        return secret

    secret = await run_in_threadpool(open_session)
    response = RedirectResponse(next_path, 303)
    response.set_cookie(SESSION_COOKIE, secret, max_age=int(web.lifetime.total_seconds()),
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    await checked_form(request, write=False)
    web = state_of(request)
    secret = session_secret(request)
    if secret is not None:
        await run_in_threadpool(web.sessions.revoke_secret, secret, utc_now(), "logout")
    response = RedirectResponse("/console/login", 303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax",
                           secure=secure_cookies(request))
    return response


@router.get("/console/password/{secret}", response_class=HTMLResponse)
def password_page(request: Request, secret: str) -> Response:
    """The form of a one-time password link (404 when it is unknown, used or expired)."""
    user = state_of(request).users.link_user(secret[:100])
    if user is None:
        return render(request, "error.html", status_code=404, message_key="users.link_invalid")
    return render(request, "users_password.html", user=user, secret=secret)


@router.post("/console/password/{secret}")
async def password_set(request: Request, secret: str) -> Response:
    _, form = await checked_form(request, write=False)
    web = state_of(request)
    password = field(form, "password", 1100)
    user = await run_in_threadpool(web.users.link_user, secret[:100])
    if user is None:
        return render(request, "error.html", status_code=404, message_key="users.link_invalid")
    if password != field(form, "confirm", 1100):
        return render(request, "users_password.html", status_code=422, user=user,
                      secret=secret, error_key="users.password_mismatch")
    try:
        await run_in_threadpool(web.users.set_password_by_link, secret[:100], password)
    except LinkInvalid:
        return render(request, "error.html", status_code=404, message_key="users.link_invalid")
    except InvalidArgument as e:
        return render(request, "users_password.html", status_code=422, user=user,
                      secret=secret, error=str(e))
    return RedirectResponse("/console/login?password=set", 303)
