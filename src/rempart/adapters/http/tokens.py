"""API tokens (``admin`` scope): create (the secret is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request

from rempart.adapters.http.auth import Guard
from rempart.adapters.http.deps import API_PREFIX, AdminToken, BackendDep
from rempart.adapters.http.errors import BODY_ERRORS, TOKEN_ERRORS, TokenNotFound, responses
from rempart.adapters.http.schemas import SmallRowId, TokenCreatedOut, TokenIn, TokenOut
from rempart.services.errors import InvalidArgument

router = APIRouter(prefix=f"{API_PREFIX}/tokens", tags=["tokens"], responses=TOKEN_ERRORS)


@router.post("", status_code=201, response_model=TokenCreatedOut, responses=BODY_ERRORS)
def create_token(body: TokenIn, backend: BackendDep, _: AdminToken) -> TokenCreatedOut:
    """Create a token; its secret is in this answer only (stored as a sha256)."""
    try:
        token, secret = backend.tokens.create(
            body.name, body.scopes, body.rate_per_second, body.burst
        )
    except ValueError as e:
        raise InvalidArgument(str(e)) from None
    return TokenCreatedOut(token=TokenOut.model_validate(token.to_json()), secret=secret)


@router.get("", response_model=list[TokenOut])
def list_tokens(backend: BackendDep, _: AdminToken) -> list[TokenOut]:
    """Live tokens (never their secrets)."""
    return [TokenOut.model_validate(t.to_json()) for t in backend.tokens.list()]


@router.delete("/{token_id}", status_code=204, responses=responses(404, 422))
def revoke_token(
    token_id: SmallRowId, request: Request, backend: BackendDep, _: AdminToken
) -> None:
    """Revoke a token (other processes notice within ``http.token_cache_seconds``)."""
    if not backend.tokens.revoke(token_id):
        raise TokenNotFound(f"no live token with id {token_id}")
    guard: Guard = request.app.state.guard
    guard.forget()
