"""The web console (moderators) and the public report pages: server-rendered HTML with Jinja2
and HTMX (vendored in ``static/``), no front-end build step.

Example::

    mount(api, backend)        # adds /console/…, /report…, /assets/…
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from rempart.adapters.http.deps import Backend

STATIC = Path(__file__).parent / "static"


def mount(api: FastAPI, backend: Backend) -> None:
    """Serve the console and the public pages of ``backend`` from ``api``."""
    from rempart.adapters.web import auth, banks, dashboard, protect, protect_status, public, review
    from rempart.adapters.web import notices as notice_views
    from rempart.adapters.web.protect import make_protect_state
    from rempart.adapters.web.session import Forbidden, LoginRequired, make_state, render

    api.state.web = make_state(backend)
    api.state.protect = make_protect_state(backend)
    for module in (auth, dashboard, banks, review, notice_views, public, protect,
                   protect_status):
        api.include_router(module.router)
    from rempart.adapters.web import evidence as evidence_views

    api.include_router(evidence_views.router)
    from rempart.adapters.web import admin_statements, audit, bot_work, users

    for module in (users, audit, admin_statements):  # admin pages (users, audit, statements)
        api.include_router(module.router)
    api.include_router(bot_work.router)  # the bot's failed actions
    from rempart.adapters.web import exchanges as exchange_views

    api.include_router(exchange_views.router)  # hash exchanges (read-only)
    api.mount("/assets", StaticFiles(directory=STATIC), name="assets")

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(f"/console/login?next={quote(exc.next_path)}", 303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Forbidden)
        return render(request, "error.html", status_code=403, message_key=exc.key)

    api.add_exception_handler(LoginRequired, login_required)
    api.add_exception_handler(Forbidden, forbidden)
