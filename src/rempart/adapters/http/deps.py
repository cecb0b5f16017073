"""Dependencies as named ``Annotated`` aliases: the backend (``rempart.app.App``, which built
every store and service once), the services it holds, and a token carrying a scope.

Example::

    @router.get("/banks")
    def list_banks(backend: BackendDep, _: BanksRead) -> ...

    @router.get("/scans")
    def list_scans(scans: Scans, _: FindingsToken) -> ...
"""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request

from rempart.adapters.http.auth import Guard
from rempart.adapters.http.metrics import Metrics
from rempart.config import Settings
from rempart.core.tokens import ApiToken
from rempart.runtime import Runtime
from rempart.services.bot_work import BotWork
from rempart.services.cases import CaseService
from rempart.services.evidence import EvidenceService
from rempart.services.lockout import SignIn
from rempart.services.matching import MatchService, MatchStore
from rempart.services.notices import NoticeService
from rempart.services.reviews import ReviewService
from rempart.services.stores import (
    AuditLog,
    RateStore,
    ScanStore,
    SessionStore,
    TokenStore,
    UserStore,
)
from rempart.services.users import Actor, UserService

API_PREFIX = "/api/v1"
# Routers carry the full prefix so that a route's path is its metrics label.


TOKEN_KEY = "rempart.token"
"""ASGI scope key of the token :class:`~rempart.adapters.http.token_first.TokenFirst` checked
before the body was read (the route's dependency reuses it: one check, one rate-limit take)."""


class FeedStatus(Protocol):
    """What the API reports of the change-feed follower."""

    @property
    def last_ok(self) -> float: ...
    @property
    def errors(self) -> int: ...
    @property
    def failures(self) -> int: ...


class Backend(Protocol):
    """What the HTTP adapter and the web pages need of the composed application
    (``rempart.app.App``): settings, and the stores and services it built."""

    @property
    def settings(self) -> Settings: ...
    @property
    def store(self) -> MatchStore: ...
    @property
    def matching(self) -> MatchService: ...
    @property
    def tokens(self) -> TokenStore: ...
    @property
    def follower(self) -> FeedStatus: ...
    @property
    def limits(self) -> RateStore: ...
    @property
    def runtime(self) -> Runtime: ...
    @property
    def audit_log(self) -> AuditLog: ...
    @property
    def user_store(self) -> UserStore: ...
    @property
    def sessions(self) -> SessionStore: ...
    @property
    def users(self) -> UserService: ...
    @property
    def notices(self) -> NoticeService: ...
    @property
    def reviews(self) -> ReviewService: ...
    @property
    def signin(self) -> SignIn: ...
    @property
    def scans(self) -> ScanStore: ...
    @property
    def cases(self) -> CaseService: ...
    @property
    def evidence(self) -> EvidenceService: ...
    @property
    def bot_work(self) -> BotWork: ...
    @property
    def secret(self) -> str:
        """The secret every process of the deployment derives its keys from (proofs of
        work, opaque entry ids)."""


async def get_backend(request: Request) -> Backend:
    """The application this FastAPI instance serves."""
    backend: Backend = request.app.state.backend
    return backend


async def get_notices(request: Request) -> NoticeService:
    """The notice service of the application."""
    return (await get_backend(request)).notices


async def get_reviews(request: Request) -> ReviewService:
    """The review service of the application."""
    return (await get_backend(request)).reviews


async def get_scans(request: Request) -> ScanStore:
    """The scans and their findings."""
    return (await get_backend(request)).scans


async def get_evidence(request: Request) -> EvidenceService:
    """The evidence service of the application."""
    return (await get_backend(request)).evidence


async def get_metrics(request: Request) -> Metrics:
    """This instance's metrics registry."""
    metrics: Metrics = request.app.state.metrics
    return metrics


def scoped(scope: str) -> object:
    """A dependency giving the request's API token, 401/403 unless it has ``scope``.

    Example: ``CasesToken = Annotated[ApiToken, scoped("cases")]`` as a route's parameter type.
    """

    async def dependency(request: Request) -> ApiToken:
        checked: ApiToken | None = request.scope.get(TOKEN_KEY)
        if checked is not None and checked.allows(scope):
            return checked
        guard: Guard = request.app.state.guard
        return await guard.check(request.headers.get("authorization"), scope)

    dependency.__name__ = f"token_with_{scope.replace(':', '_')}"
    dependency.rempart_scope = scope  # type: ignore[attr-defined]  # read by TokenFirst
    return Depends(dependency)


def token_actor(token: ApiToken) -> Actor:
    """The audit log's actor for an API token: its id and name."""
    return Actor("token", f"{token.id}:{token.name}")


def scope_of(call: object) -> str | None:
    """The scope a dependency made by ``scoped`` requires (None for any other callable)."""
    scope = getattr(call, "rempart_scope", None)
    return scope if isinstance(scope, str) else None


def sees_provenance(token: ApiToken) -> bool:
    """Whether ``token`` may see where bank entries come from (case numbers, sources, victims'
    labels, content groups): moderators' tokens (scope ``cases``, or ``admin``), not
    integrators'."""
    return token.allows("cases")


BackendDep = Annotated[Backend, Depends(get_backend)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
Notices = Annotated[NoticeService, Depends(get_notices)]
Reviews = Annotated[ReviewService, Depends(get_reviews)]
Scans = Annotated[ScanStore, Depends(get_scans)]
Evidence = Annotated[EvidenceService, Depends(get_evidence)]
MatchToken = Annotated[ApiToken, scoped("match")]
HashToken = Annotated[ApiToken, scoped("hash")]
BanksRead = Annotated[ApiToken, scoped("banks:read")]
BanksWrite = Annotated[ApiToken, scoped("banks:write")]
MetricsToken = Annotated[ApiToken, scoped("metrics")]
AdminToken = Annotated[ApiToken, scoped("admin")]
FindingsToken = Annotated[ApiToken, scoped("findings")]
