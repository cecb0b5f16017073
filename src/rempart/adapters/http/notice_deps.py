"""The public notice limiter of an app and the period and page of a listing as FastAPI
dependencies, and the workflow's domain errors as HTTP statuses (the notice service is
``deps.Notices``, built by ``rempart.app``).

Example::

    @router.get("/notices/{case_number}")
    def get_notice(case_number: str, service: Notices) -> dict[str, Any]:
        with notice_errors():
            return service.detail(case_number)

    @router.get("/appeals")
    def list_appeals(service: Notices, window: Window) -> dict[str, Any]:
        page = service.appeals(AppealFilter(None, None, window.since, window.until),
                               window.limit, window.offset)
        return window.page(page.items, page.total)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from rempart.adapters.http.public_routes import PublicLimiter
from rempart.adapters.http.schemas import PageLimit, PageOffset, Timestamp, page_json
from rempart.core.clock import utc
from rempart.core.workflow import WorkflowError
from rempart.services.notices import NotAllowed, NoticeConflict, NoticeNotFound


async def limit_public(request: Request) -> None:
    """429 when the client address sent too many public requests (checked off the event
    loop), for the public pages."""
    limiter: PublicLimiter = request.app.state.notice_limiter
    await limiter.acheck(request)


class ListingWindow:
    """The period and page of a listing, from the query: ``since`` and ``until`` (RFC 3339,
    as UTC), ``limit`` and ``offset``."""

    def __init__(self, since: Timestamp | None = None, until: Timestamp | None = None,
                 limit: PageLimit = 50, offset: PageOffset = 0) -> None:
        self.since = utc(since)
        self.until = utc(until)
        self.limit = limit
        self.offset = offset

    def page(self, items: Sequence[Any], total: int) -> dict[str, Any]:
        """The listing's answer: these ``items`` of ``total``, with the limit and offset."""
        return page_json(items, total, self.limit, self.offset)


Window = Annotated[ListingWindow, Depends()]


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
