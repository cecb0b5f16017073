"""`rempart statements ...`: statements of reasons sent to the EU Transparency Database.

The token comes from ``REMPART_TDB_TOKEN`` only; it is never stored nor printed. The
database's address is ``--url``, else ``REMPART_TDB_URL`` (production by default; the
sandbox's address is given at onboarding).

Example::

    $ REMPART_TDB_TOKEN=… rempart statements submit --url https://sandbox.example --limit 500
    batch 1: 100 sent, 100 accepted, 0 already there, 0 refused
    $ rempart statements outbox
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from rempart.adapters.cli.options import Db, Jsonl, add_group, store_for
from rempart.adapters.cli.output import emit_jsonl


def submit(
    url: Annotated[str | None, typer.Option(
        help="The database's base URL (default: REMPART_TDB_URL, else production).",
        show_default=False)] = None,
    limit: Annotated[int, typer.Option(min=1, help="Statements sent at most.")] = 10_000,
    jsonl: Jsonl = False,
    db: Db = None,
) -> None:
    """Send the statements not yet submitted, in batches of 100. Example:
    REMPART_TDB_TOKEN=… rempart statements submit --limit 1000"""
    from rempart.adapters.tdb import tdb_client_for
    from rempart.config import Settings
    from rempart.services.transparency import statement_service

    with store_for(db) as store:
        client = tdb_client_for(os.environ, url or Settings().tdb_url)
        report = statement_service(store).submit(client, limit=limit)
    if jsonl:
        for batch in report.to_json()["batches"]:
            emit_jsonl(batch)
        emit_jsonl({"queued": report.queued, "accepted": report.accepted,
               "failed": report.failed, "outbox": report.outbox})
    else:
        for b in report.batches:
            typer.echo(f"batch {b.number}: {b.size} sent, {b.accepted} accepted, "
                       f"{b.duplicates} already there, {b.refused} refused"
                       + (f", {b.unsent} not sent" if b.unsent else ""))
            for refusal in b.refusals:
                typer.echo(f"  refused {refusal}", err=True)
            if b.error:
                typer.echo(f"error: batch {b.number}: {b.error}", err=True)
        counts = report.outbox
        typer.echo(f"{report.queued} newly queued; outbox: {counts.get('submitted', 0)} "
                   f"submitted, {counts.get('pending', 0)} pending, "
                   f"{counts.get('given_up', 0)} given up")
    if report.failed:
        raise typer.Exit(1)


def outbox(jsonl: Jsonl = False, db: Db = None) -> None:
    """Show the outbox: counts and the statements waiting after a failure. Example:
    rempart statements outbox"""
    from rempart.services.transparency import statement_service

    with store_for(db) as store:
        state = statement_service(store).outbox_state()
    if jsonl:
        for failure in state["failures"]:
            emit_jsonl(failure)
        return
    counts = state["counts"]
    typer.echo(f"{counts.get('submitted', 0)} submitted, {counts.get('pending', 0)} pending, "
               f"{counts.get('given_up', 0)} given up")
    for f in state["failures"]:
        typer.echo(f"{f['puid']} (decision {f['decision_id']}, {f['attempts']} tries): "
                   f"{f['error']}")


def register(app: typer.Typer) -> None:
    """Attach the ``statements`` command group."""
    add_group(app, "statements", "Statements of reasons to the EU Transparency Database.",
              {"submit": submit, "outbox": outbox})
