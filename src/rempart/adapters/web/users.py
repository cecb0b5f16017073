"""Users of the console (admins only): list, create with a one-time password link, change role,
disable or enable, reset the password (new link), see and end a user's sessions, lift a
sign-in lockout.

No password is ever chosen or shown by an admin: a new or reset account gets a link, shown once,
with which its owner chooses their password (``/console/password/<secret>``, 24 hours, once).
Every change is audited by the user service; a change of role, password or the disabling of an
account ends that user's sessions; nobody may remove the last active admin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.web.session import (
    AdminSignedIn,
    Session,
    checked_form,
    current_session,
    field,
    render,
    state_of,
)
from rempart.core.clock import utc_now
from rempart.core.workflow import Role
from rempart.services.errors import RempartError
from rempart.services.users import Actor, UserNotFound, parse_role

router = APIRouter(include_in_schema=False)


def _actor(session: Session) -> Actor:
    return Actor("user", session.user.username)


def _link(request: Request, secret: str) -> str:
    return str(request.base_url).rstrip("/") + f"/console/password/{secret}"


def _list(request: Request, status_code: int = 200, **context: Any) -> Response:
    return render(request, "users.html", status_code=status_code,
                  users=state_of(request).users.list(), roles=list(Role), **context)


def _detail(request: Request, username: str, status_code: int = 200,
            **context: Any) -> Response:
    web = state_of(request)
    try:
        user = web.users.get(username)
    except UserNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    sessions = web.sessions.list_user(user.id, utc_now(), web.idle)
    return render(request, "users_detail.html", status_code=status_code, user=user,
                  sessions=sessions, roles=list(Role),
                  locked_until=web.signin.locked_until(user.username), **context)


@router.get("/console/users", response_class=HTMLResponse)
def users_page(request: Request, _: AdminSignedIn) -> Response:
    return _list(request)


@router.post("/console/users")
async def create_user(request: Request) -> Response:
    session, form = await checked_form(request, admin=True)
    assert session is not None
    web = state_of(request)
    username = field(form, "username", 100).strip()
    try:
        role = parse_role(field(form, "role", 16))
        _, secret = await run_in_threadpool(web.users.create_invited, username, role,
                                            _actor(session))
    except RempartError as e:
        return await run_in_threadpool(_list, request, 422, error=str(e),
                                       typed=username)
    return await run_in_threadpool(_list, request, 201, created=username,
                                   link=_link(request, secret))


@router.get("/console/users/{username}", response_class=HTMLResponse)
def user_page(request: Request, username: str, _: AdminSignedIn) -> Response:
    return _detail(request, username)


async def _change(request: Request, username: str, what: str) -> Response:
    session, form = await checked_form(request, admin=True)
    assert session is not None
    web = state_of(request)
    actor = _actor(session)
    context: dict[str, Any] = {}

    def run() -> None:
        if what == "role":
            web.users.change_role(username, parse_role(field(form, "role", 16)), actor)
        elif what in ("disable", "enable"):
            web.users.set_disabled(username, what == "disable", actor)
        elif what == "reset":
            context["link"] = _link(request, web.users.reset_link(username, actor))
        elif what == "unlock":
            context["unlocked"] = web.signin.unlock(username, actor)
        elif what == "revoke-all":
            context["revoked"] = web.users.revoke_sessions(username, actor)
        else:
            raw = field(form, "session", 20)
            done = raw.isdigit() and web.users.revoke_session(username, int(raw), actor)
            context["revoked"] = int(done)

    try:
        await run_in_threadpool(run)
    except UserNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    except RempartError as e:
        return await run_in_threadpool(_detail, request, username, 422, error=str(e))
    if username == session.user.username and what != "reset":
        # Admins changing themselves may just have ended their own session.
        request.state.web_session = None
        if await current_session(request) is None:
            return RedirectResponse("/console/login", 303)
    if context:
        return await run_in_threadpool(_detail, request, username, 200, done=True, **context)
    return RedirectResponse(f"/console/users/{username}?done=1", 303)


# The changes an admin posts on a user's page: the path after ``/console/users/<name>/``, and
# the step of ``_change`` it runs.
_CHANGES = {"role": "role", "disable": "disable", "enable": "enable", "reset": "reset",
            "unlock": "unlock", "sessions/revoke": "revoke-all",
            "sessions/revoke-one": "revoke-one"}


def _change_route(what: str) -> Callable[[Request, str], Awaitable[Response]]:
    async def change(request: Request, username: str) -> Response:
        return await _change(request, username, what)

    change.__name__ = f"change_{what.replace('-', '_')}"
    return change


for _path, _what in _CHANGES.items():
    router.add_api_route(f"/console/users/{{username}}/{_path}", _change_route(_what),
                         methods=["POST"])
