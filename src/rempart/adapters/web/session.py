"""Sessions, CSRF and rendering shared by the console's and the public pages' views.

Security model:

- the session is a signed cookie (itsdangerous, timestamped, ``HttpOnly``, ``SameSite=Lax``,
  ``Secure`` over HTTPS or when configured) holding the user name and a CSRF token; the user is
  read from the database on every request, so a disabled user or a changed role takes effect at
  once;
- every POST carries a ``csrf_token`` field: the session's token when signed in, otherwise the
  value of a random ``rempart_csrf`` cookie (double submit); a missing or wrong token is 403;
- analysts (read-only) get 403 on every POST of the console.

Example::

    user = await require_user(request)        # LoginRequired → redirect to the login page
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from rempart.adapters.http.deps import Backend
from rempart.adapters.http.notices import PublicLimiter
from rempart.adapters.web.i18n import LANGUAGES, pick_language, translator
from rempart.config import WebSettings
from rempart.core.workflow import DECIDING_ROLES
from rempart.services.notices import NoticeService
from rempart.services.reviews import ReviewService
from rempart.services.users import UserService
from rempart.store.notices import SqlNoticeStore, UserRecord
from rempart.store.reviews import SqlReviewStore

SESSION_COOKIE = "rempart_session"
CSRF_COOKIE = "rempart_csrf"
LANG_COOKIE = "rempart_lang"
CSRF_FIELD = "csrf_token"
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
    """What the views share, made once per FastAPI instance."""

    backend: Backend
    settings: WebSettings
    env: Environment
    signer: URLSafeTimedSerializer
    users: UserService
    notices: NoticeService
    reviews: ReviewService
    notice_store: SqlNoticeStore
    # Password guesses per client address (argon2 already makes each one slow).
    login_bucket: PublicLimiter

    def check_login_rate(self, client: str) -> None:
        """429 when ``client`` tried to sign in too often."""
        self.login_bucket.check(client, time.monotonic())


def make_state(backend: Backend, notices: NoticeService | None = None) -> WebState:
    """The web state of ``backend`` (sharing the API's NoticeService when given)."""
    settings = backend.settings.web
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    secret = settings.session_secret or secrets.token_urlsafe(32)
    store = SqlNoticeStore(backend.store.engine)
    notices = notices or NoticeService(store, backend.settings.notices)
    reviews = ReviewService(SqlReviewStore(backend.store.engine), backend.store, store.get_user)
    return WebState(backend, settings, env, URLSafeTimedSerializer(secret, "rempart.session"),
                    UserService(store), notices, reviews, store, PublicLimiter(10.0, 10))


def state_of(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


@dataclass(frozen=True)
class Session:
    user: UserRecord
    csrf: str

    @property
    def can_write(self) -> bool:
        return self.user.role in DECIDING_ROLES


def load_session(request: Request) -> tuple[str, str] | None:
    """(user name, csrf token) of a valid session cookie."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    web = state_of(request)
    try:
        data = web.signer.loads(raw, max_age=int(web.settings.session_hours * 3600))
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str) \
            or not isinstance(data.get("c"), str):
        return None
    return data["u"], data["c"]


async def current_session(request: Request) -> Session | None:
    """The signed-in, active user of this request, if any."""
    cached: Session | None = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    found = load_session(request)
    if found is None:
        return None
    store = state_of(request).notice_store
    creds = await run_in_threadpool(store.user_credentials, found[0])
    if creds is None or creds[0].disabled:
        return None
    session = Session(creds[0], found[1])
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


def csrf_token(request: Request) -> str:
    """The token forms of this request must carry (made on first use for anonymous pages)."""
    session: Session | None = getattr(request.state, "web_session", None)
    if session is not None:
        return session.csrf
    found = load_session(request)
    if found is not None:
        return found[1]
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token  # set as a cookie by render()
    return str(token)


async def checked_form(request: Request, *, write: bool = True) -> tuple[Session | None,
                                                                         FormData]:
    """The posted form once its CSRF token is verified (and the user may write, if asked)."""
    session = await current_session(request) if write else None
    if write:
        if session is None:
            raise LoginRequired(request.url.path)
        if not session.can_write:
            raise Forbidden("error.readonly")
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if session is not None:
        expected: str | None = session.csrf
    else:
        found = load_session(request)
        expected = found[1] if found else request.cookies.get(CSRF_COOKIE)
    if not isinstance(given, str) or not expected or \
            not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("error.csrf")
    return session, form


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
