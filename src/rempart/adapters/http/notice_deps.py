"""The public notice limiter of an app as a FastAPI dependency, and the workflow's domain
errors as HTTP statuses (the notice service is ``deps.Notices``, built by ``rempart.app``).

Example::

    @router.get("/notices/{case_number}")
    def get_notice(case_number: str, service: Notices) -> dict[str, Any]:
        with notice_errors():
            return service.detail(case_number)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, Request

from rempart.adapters.http.public_routes import PublicLimiter
from rempart.core.workflow import WorkflowError
from rempart.services.notices import NotAllowed, NoticeConflict, NoticeNotFound


async def limit_public(request: Request) -> None:
    """429 when the client address sent too many public requests (checked off the event
    loop), for the public pages."""
    limiter: PublicLimiter = request.app.state.notice_limiter
    await limiter.acheck(request)


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
