"""`rempart matrix-policy publish`: a bank's confirmed signals as state events of a Matrix
policy room (``org.rempart.policy.hash.v1``), withdrawals included; the access token comes
from ``REMPART_MATRIX_TOKEN`` only (never printed). Other Rempart instances follow the room
with ``rempart exchange add NAME --kind matrix_policy``. See docs/matrix.md.

Example::

    $ export REMPART_MATRIX_TOKEN=syt_…
    $ rempart matrix-policy publish --room '#policies:example.org' --bank confirmed \\
          --homeserver https://matrix.example.org --user @rempart:example.org
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from rempart.adapters.cli.options import Db, Jsonl, add_group, fail, store_for
from rempart.adapters.cli.output import emit_jsonl


def publish(
    room: Annotated[str, typer.Option(help="The policy room: !id:server or #alias:server.")],
    bank: Annotated[str, typer.Option(help="The bank whose confirmed signals are published.")],
    homeserver: Annotated[str | None, typer.Option(
        help="Client API base URL (default: REMPART_MATRIX__HOMESERVER).",
        show_default=False)] = None,
    user: Annotated[str | None, typer.Option(
        help="The account the token must belong to, @name:server.", show_default=False)] = None,
    jsonl: Jsonl = False,
    db: Db = None,
) -> None:
    """Publish a bank's confirmed signals (and withdrawals) to a policy room. Example:
    rempart matrix-policy publish --room '#policies:hs' --bank confirmed"""
    from rempart.adapters.matrix_bot.policy_room import PolicyRoomClient, RoomSink
    from rempart.config import Settings
    from rempart.core.exchanges import FetchLimits
    from rempart.core.policy_room import check_room
    from rempart.services.policy_room import publish_bank

    token = os.environ.get("REMPART_MATRIX_TOKEN", "").strip()
    if not token:
        typer.echo("error: set REMPART_MATRIX_TOKEN", err=True)
        raise typer.Exit(2)
    homeserver = homeserver or Settings().matrix.homeserver
    if not homeserver.startswith(("http://", "https://")):
        typer.echo("error: --homeserver is an http:// or https:// URL", err=True)
        raise typer.Exit(2)
    if user is not None and not (user.startswith("@") and ":" in user):
        typer.echo("error: --user is a Matrix id, @name:server", err=True)
        raise typer.Exit(2)
    try:
        check_room(room)
    except ValueError as e:
        typer.echo(f"error: --room: {e}", err=True)
        raise typer.Exit(2) from None
    with store_for(db) as store, PolicyRoomClient(homeserver, token, FetchLimits()) as client:
        if user is not None and (owner := client.whoami()) != user:
            fail(f"the access token belongs to {owner}, not {user}")
        room_id = client.resolve(room)
        report = publish_bank(store, bank, room_id, RoomSink(client, room_id))
    if jsonl:
        emit_jsonl(report.to_json())
    else:
        typer.echo(f"{bank} -> {report.room}: {report.published} published, "
                   f"{report.withdrawn} withdrawn, {report.skipped} skipped"
                   + (f", {report.too_large} too large for an event" if report.too_large
                      else "")
                   + ("; more to publish" if report.more else ""))


def register(app: typer.Typer) -> None:
    """Attach the ``matrix-policy`` command group."""
    add_group(app, "matrix-policy", "Share confirmed hashes through Matrix policy rooms.",
              {"publish": publish})
