"""The notice service and the public notice limiter of an app, as FastAPI dependencies, and
the workflow's domain errors as HTTP statuses.

Both are made on first use over the app's database and shared by the API and the web pages.

Example::

    @router.get("/notices/{case_number}")
    def get_notice(case_number: str, service: Service) -> dict[str, Any]:
        with notice_errors():
            return service.detail(case_number)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.client_ip import client_ip
from rempart.adapters.http.deps import BackendDep
from rempart.adapters.http.public_routes import PublicLimiter
from rempart.core.workflow import WorkflowError
from rempart.services.notices import NotAllowed, NoticeConflict, NoticeNotFound, NoticeService
from rempart.store.audit import SqlAuditLog
from rempart.store.notices import SqlNoticeStore
from rempart.store.users import SqlUserStore

_INIT = threading.Lock()


def _state(request: Request, backend: BackendDep) -> tuple[NoticeService, PublicLimiter]:
    state = request.app.state
    with _INIT:
        if getattr(state, "notice_service", None) is None:
            settings = backend.settings.notices
            engine = backend.store.engine
            state.notice_service = NoticeService(SqlNoticeStore(engine), SqlUserStore(engine),
                                                 SqlAuditLog(engine), settings)
            state.notice_limiter = PublicLimiter(backend, "notice",
                                                 settings.public_rate_per_minute,
                                                 settings.public_burst)
    return state.notice_service, state.notice_limiter


def get_service(request: Request, backend: BackendDep) -> NoticeService:
    """The notice service of this app (made on first use, over the app's database)."""
    return _state(request, backend)[0]


def rate_limited(request: Request, backend: BackendDep) -> None:
    """429 when the client address sent too many public requests (blocking: a sync
    dependency runs in a thread; async views await :func:`limit_public`)."""
    _state(request, backend)[1].check(client_ip(request))


async def limit_public(request: Request) -> None:
    """:func:`rate_limited` off the event loop, for async views of the public pages."""
    await run_in_threadpool(rate_limited, request, request.app.state.backend)


Service = Annotated[NoticeService, Depends(get_service)]


@contextmanager
def notice_errors() -> Iterator[None]:
    """Domain errors of the workflow as HTTP statuses."""
    try:
        yield
    except NoticeNotFound as e:
        raise HTTPException(404, str(e)) from None
    except NotAllowed as e:
        raise HTTPException(403, str(e)) from None
    except NoticeConflict as e:
        raise HTTPException(409, {"message": str(e), "code": e.code}) from None
    except WorkflowError as e:  # a statement of reasons outside the TDB schema
        raise HTTPException(422, {"message": str(e), "code": e.code}) from None
