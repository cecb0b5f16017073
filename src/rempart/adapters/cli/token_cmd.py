"""`rempart token create|list|revoke`: API tokens for the HTTP API.

The secret is printed once, on creation; the database keeps only its sha256.

Example::

    $ rempart token create platform-x --scope match --scope hash
    $ rempart token create ops --scope admin --rate 100 --burst 200
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from rempart.adapters.cli.options import Db, Jsonl, store_for
from rempart.adapters.cli.output import emit_jsonl, show_rows, stderr
from rempart.core.tokens import ApiToken
from rempart.services.offline import SCOPES, token_store

token_app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)


@token_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Who the token is for.")],
    scope: Annotated[
        list[str], typer.Option("--scope", help=f"Repeat: {', '.join(SCOPES)}.")
    ],
    rate: Annotated[
        float | None, typer.Option(help="Requests per second (default: server setting).")
    ] = None,
    burst: Annotated[int | None, typer.Option(help="Burst size (default: server setting).")] = None,
    db: Db = None,
    jsonl: Jsonl = False,
) -> None:
    """Create a token and print its secret (the only time it is shown)."""
    with store_for(db) as store:
        try:
            token, secret = token_store(store).create(name, scope, rate, burst)
        except ValueError as e:
            raise typer.BadParameter(str(e)) from None
    if jsonl:
        emit_jsonl({**token.to_json(), "secret": secret})
        return
    stderr.print(f"token {token.id} ({token.name}) with scopes {', '.join(token.scopes)}; "
                 "copy the secret now, it is not stored:", highlight=False)
    typer.echo(secret)


@token_app.command("list")
def list_(db: Db = None, jsonl: Jsonl = False) -> None:
    """List live tokens (never their secrets)."""
    with store_for(db) as store:
        tokens = token_store(store).list()
    show_rows(tokens, jsonl, ApiToken.to_json,
              Table("id", "name", "scopes", "rate/s", "burst", "created", box=None), _cells)


def _cells(t: ApiToken) -> list[str]:
    return [str(t.id), t.name, " ".join(t.scopes), str(t.rate_per_second or ""),
            str(t.burst or ""), t.created_at.isoformat(timespec="seconds")]


@token_app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="Token id (see `rempart token list`).")],
    db: Db = None,
) -> None:
    """Revoke a token (servers stop accepting it within seconds)."""
    with store_for(db) as store:
        if not token_store(store).revoke(token_id):
            typer.echo(f"error: no live token with id {token_id}", err=True)
            raise typer.Exit(1)
    stderr.print(f"token {token_id} revoked", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``rempart token``."""
    app.add_typer(token_app, name="token")
