"""Sessions, CSRF and rendering shared by the console's and the public pages' views.

Security model:

- a session lives on the server (``console_sessions``): the cookie (``HttpOnly``,
  ``SameSite=Lax``, ``Secure`` over HTTPS or when configured) holds only a random secret whose
  sha256 is stored; logout, an admin, or a change to the user (disabled, role, password) revokes
  it at once; it also ends after ``session_idle_minutes`` unused and ``session_hours`` in all;
  the user is read from the database on every request;
- every POST carries a ``csrf_token`` field: the session's token (stored with it) when signed in,
  otherwise the value of a random ``rempart_csrf`` cookie (double submit); a missing or wrong
  token is 403;
- a form is parsed only once whoever posts it may (a session for the console's forms, a session
  or the CSRF cookie for the anonymous ones: without either the token cannot match), and only
  up to :data:`FORM_BODY_BYTES`, read streaming (413 past it);
- analysts (read-only) get 403 on every POST of the console; admin pages need ``admin``.

Example::

    user = await require_user(request)        # LoginRequired → redirect to the login page
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.types import Message

from rempart.adapters.http.deps import Backend
from rempart.adapters.http.public_routes import PublicLimiter
from rempart.adapters.http.uploads import read_body
from rempart.adapters.web.i18n import LANGUAGES, pick_language, translator
from rempart.config import WebSettings
from rempart.core.clock import utc_now
from rempart.core.users import UserRecord
from rempart.core.workflow import DECIDING_ROLES, Role
from rempart.services.lockout import SignIn
from rempart.services.notices import NoticeService
from rempart.services.reviews import ReviewService
from rempart.services.stores import AuditLog, SessionStore, UserStore
from rempart.services.users import UserService

SESSION_COOKIE = "rempart_session"
CSRF_COOKIE = "rempart_csrf"
LANG_COOKIE = "rempart_lang"
CSRF_FIELD = "csrf_token"
FORM_BODY_BYTES = 256 * 1024
"""The largest form body (the longest field is 10,000 characters, percent-encoded)."""
TEMPLATES = Path(__file__).parent / "templates"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class LoginRequired(Exception):
    """No valid session: the view answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """403: a read-only role posting, or a missing/invalid CSRF token; ``key`` says which."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class WebState:
    """What the views share, made once per FastAPI instance over the application's services
    (built by ``rempart.app``)."""

    backend: Backend
    settings: WebSettings
    env: Environment
    # Password guesses per client address (argon2 already makes each one slow), shared by
    # every process; per account, the lockout is ``signin`` (services/lockout.py).
    login_bucket: PublicLimiter

    @property
    def sessions(self) -> SessionStore:
        return self.backend.sessions

    @property
    def users(self) -> UserService:
        return self.backend.users

    @property
    def notices(self) -> NoticeService:
        return self.backend.notices

    @property
    def reviews(self) -> ReviewService:
        return self.backend.reviews

    @property
    def user_store(self) -> UserStore:
        return self.backend.user_store

    @property
    def audit_log(self) -> AuditLog:
        return self.backend.audit_log

    @property
    def signin(self) -> SignIn:
        return self.backend.signin

    def check_login_rate(self, client: str) -> None:
        """429 when ``client`` tried to sign in too often (blocking: call it in a thread)."""
        self.login_bucket.check(client)

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.settings.session_idle_minutes)

    @property
    def lifetime(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)


def make_state(backend: Backend) -> WebState:
    """The web state of ``backend``: its templates and login limiter around its services."""
    settings = backend.settings.web
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    return WebState(backend, settings, env,
                    PublicLimiter(backend, "login", settings.login_rate_per_minute,
                                  settings.login_burst))


def state_of(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


@dataclass(frozen=True)
class Session:
    user: UserRecord
    csrf: str
    id: int = 0

    @property
    def can_write(self) -> bool:
        return self.user.role in DECIDING_ROLES

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN


def session_secret(request: Request) -> str | None:
    """The session secret of this request's cookie, if it has a plausible one."""
    raw = request.cookies.get(SESSION_COOKIE)
    return raw if raw and 20 <= len(raw) <= 100 else None


async def current_session(request: Request) -> Session | None:
    """The signed-in, active user of this request, if any (its session live on the server)."""
    cached: Session | None = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    secret = session_secret(request)
    if secret is None:
        return None
    web = state_of(request)

    def lookup() -> Session | None:
        record = web.sessions.find(secret, utc_now(), web.idle)
        if record is None:
            return None
        user = web.user_store.get_user(record.user_id)
        if user is None or user.disabled:
            return None
        return Session(user, record.csrf, record.id)

    session = await run_in_threadpool(lookup)
    if session is not None:
        request.state.web_session = session
    return session


async def require_user(request: Request) -> Session:
    """The session, or LoginRequired."""
    session = await current_session(request)
    if session is None:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        raise LoginRequired(target)
    return session


SignedIn = Annotated[Session, Depends(require_user)]


async def require_admin(request: Request) -> Session:
    """The session of an admin; LoginRequired without one, Forbidden for other roles."""
    session = await require_user(request)
    if not session.is_admin:
        raise Forbidden("error.admin_only")
    return session


AdminSignedIn = Annotated[Session, Depends(require_admin)]


def csrf_token(request: Request) -> str:
    """The token forms of this request must carry (made on first use for anonymous pages)."""
    session: Session | None = getattr(request.state, "web_session", None)
    if session is not None:
        return session.csrf
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token  # set as a cookie by render()
    return str(token)


def _same(given: object, expected: str | None) -> bool:
    return isinstance(given, str) and bool(expected) and \
        hmac.compare_digest(given.encode(), str(expected).encode())


async def checked_form(request: Request, *, write: bool = True,
                       admin: bool = False) -> tuple[Session | None, FormData]:
    """The posted form once its CSRF token is verified (and the user may write, or is an
    admin, if asked). Anonymous forms (``write=False``) take the session's token or the
    ``rempart_csrf`` cookie's (public pages are rendered without looking the session up)."""
    session = await current_session(request)
    if write or admin:
        if session is None:
            raise LoginRequired(request.url.path)
        if admin and not session.is_admin:
            raise Forbidden("error.admin_only")
        if not session.can_write:
            raise Forbidden("error.readonly")
    elif session is None and not request.cookies.get(CSRF_COOKIE):
        raise Forbidden("error.csrf")  # no token to compare with: the body is not read
    form = await bounded_form(request)
    given = form.get(CSRF_FIELD)
    if write or admin:
        assert session is not None
        ok = _same(given, session.csrf)
    else:
        ok = _same(given, request.cookies.get(CSRF_COOKIE)) or \
            (session is not None and _same(given, session.csrf))
    if not ok:
        raise Forbidden("error.csrf")
    return (session if write or admin else None), form


async def bounded_form(request: Request, limit: int = FORM_BODY_BYTES) -> FormData:
    """The form posted with ``request``: its body read streaming up to ``limit`` bytes
    (PayloadTooLarge past it, on the declared length or while reading), then parsed; no file
    parts (400)."""
    body = await read_body(request, limit)

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=0)


def field(form: FormData, name: str, limit: int = 10_000) -> str:
    """A text field of ``form`` ('' when absent), cut at ``limit``."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language"))


def secure_cookies(request: Request) -> bool:
    configured = state_of(request).settings.cookie_secure
    return request.url.scheme == "https" if configured is None else configured


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """A page in the request's language; sets the language and anonymous CSRF cookies."""
    web = state_of(request)
    lang = language(request)
    session: Session | None = getattr(request.state, "web_session", None)
    token = csrf_token(request)
    html = web.env.get_template(template).render(
        request=request, t=translator(lang), lang=lang, languages=LANGUAGES,
        session=session, csrf_field=CSRF_FIELD, csrf=token, path=request.url.path,
        quote=quote, **context)
    response = HTMLResponse(html, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    secure = secure_cookies(request)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True,
                            samesite="lax", secure=secure)
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        response.set_cookie(CSRF_COOKIE, new_csrf, httponly=True, samesite="lax",
                            secure=secure)
    return response


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request", "").lower() == "true"
