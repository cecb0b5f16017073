"""`rempart exchange ...`: hash exchanges filling banks, and the bank feeds published to other
Rempart instances.

Credentials come from the environment only, under python-threatexchange's names
(``TX_STOPNCII_KEYS``, ``TX_NCMEC_CREDENTIALS``, ``TX_ACCESS_TOKEN``) and
``REMPART_EXCHANGE_TOKEN`` for another Rempart; they are never stored nor printed.

Example::

    $ rempart exchange add stopncii --kind stopncii --bank stopncii
    $ TX_STOPNCII_KEYS=fkey,skey rempart exchange fetch stopncii
    $ rempart exchange publish shared --follower group-bots     # prints a feed token once
    $ rempart exchange add helpline --kind rempart --bank helpline \\
          --url https://helpline.example/api/v1/feeds/shared
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from rempart.adapters.cli.options import Db, Jsonl, add_group, fail, store_for
from rempart.adapters.cli.output import emit_jsonl, show_rows
from rempart.core.banks import BankPolicy
from rempart.core.exchanges import Exchange, ExchangeKind, FetchReport

Name = Annotated[str, typer.Argument(help="Exchange name.")]


def add(
    name: Name,
    kind: Annotated[ExchangeKind, typer.Option(help="Which exchange.")],
    bank: Annotated[str, typer.Option(help="The bank it fills (created if absent).")],
    url: Annotated[str | None, typer.Option(
        help="Base URL (a sandbox, a test server; for rempart: the feed's address).")] = None,
    policy: Annotated[BankPolicy | None, typer.Option(
        help="Policy of a bank created here (default: review).", show_default=False)] = None,
    room: Annotated[str | None, typer.Option(
        help="matrix_policy: the policy room (!id:server or #alias:server) on --url.",
        show_default=False)] = None,
    db: Db = None,
) -> None:
    """Add an exchange. Example: rempart exchange add stopncii --kind stopncii --bank stopncii"""
    from rempart.services.exchanges import exchange_service

    with store_for(db) as store:
        exchange = exchange_service(store).add(name, kind.value, bank, url, policy, room)
    typer.echo(f"added exchange {exchange.name} ({exchange.kind}) filling bank "
               f"{exchange.bank}; credentials from ${exchange.kind.credential_env}")


def list_(jsonl: Jsonl = False, db: Db = None) -> None:
    """List exchanges and their last fetch. Example: rempart exchange list --jsonl"""
    from rempart.services.exchanges import exchange_service

    with store_for(db) as store:
        exchanges = exchange_service(store).exchanges()
    show_rows(exchanges, jsonl, Exchange.to_json,
              Table("name", "kind", "bank", "url", "fetched", "added", "withdrawn",
                    "last error"), _exchange_cells, width=200)


def _exchange_cells(e: Exchange) -> list[str]:
    return [e.name, e.kind, e.bank, e.url or "",
            e.fetched_at.isoformat(timespec="seconds") if e.fetched_at else "never",
            str(e.added), str(e.withdrawn), e.last_error or ""]


def fetch(
    name: Annotated[str | None, typer.Argument(help="Exchange name (default: all).")] = None,
    jsonl: Jsonl = False,
    db: Db = None,
) -> None:
    """Fetch from the checkpoint into the exchange's bank. Example: rempart exchange fetch"""
    from rempart.adapters.exchanges import source_for
    from rempart.services.exchanges import ExchangeSourceError, exchange_service

    failed = False
    with store_for(db) as store:
        service = exchange_service(store)
        names = [name] if name else [e.name for e in service.exchanges()]
        for one in names:
            try:
                report = service.fetch(one, source_for(service.get(one), os.environ))
            except ExchangeSourceError as e:
                report = FetchReport(one, failed=str(e))
            failed = failed or report.failed is not None
            _show(report, jsonl)
    if failed:
        raise typer.Exit(1)


def _show(report: FetchReport, jsonl: bool) -> None:
    if jsonl:
        emit_jsonl(report.to_json())
        return
    for error in report.errors:
        typer.echo(f"warning: {report.exchange}: {error}", err=True)
    if report.failed:
        typer.echo(f"error: {report.exchange}: {report.failed}", err=True)
    typer.echo(f"{report.exchange}: {report.pages} pages, {report.added} added, "
               f"{report.withdrawn} withdrawn, {report.skipped} skipped, "
               f"{report.error_count} bad records"
               + ("; more to fetch" if report.more else ""))


def feedback(
    name: Name,
    jsonl: Jsonl = False,
    db: Db = None,
) -> None:
    """Send moderators' decisions on the exchange's signals back to it (StopNCII: blocked /
    not blocked). Example: rempart exchange feedback stopncii"""
    from rempart.adapters.exchanges import feedback_sink_for
    from rempart.services.exchanges import exchange_service

    with store_for(db) as store:
        service = exchange_service(store)
        report = service.feedback(name, feedback_sink_for(service.get(name), os.environ))
    if jsonl:
        emit_jsonl(report.to_json())
    else:
        typer.echo(f"{name}: {report.queued} decisions queued, {report.sent} sent, "
                   f"{report.failed} not sent")
    if report.error:
        typer.echo(f"error: {name}: {report.error}", err=True)
        raise typer.Exit(1)


def remove(name: Name, db: Db = None) -> None:
    """Remove an exchange (its bank stays). Example: rempart exchange remove stopncii"""
    from rempart.services.exchanges import exchange_service

    with store_for(db) as store:
        exchange = exchange_service(store).remove(name)
    typer.echo(f"removed exchange {name}; bank {exchange.bank} and its entries stay "
               f"(rempart bank remove {exchange.bank} --force to drop them)")


def publish(
    bank: Annotated[str, typer.Argument(help="The bank to publish.")],
    follower: Annotated[str, typer.Option(help="Who will follow it (a name).")],
    db: Db = None,
) -> None:
    """Make a token that follows one bank's feed. Example: rempart exchange publish shared
    --follower bots"""
    from rempart.services.exchanges import exchange_service

    with store_for(db) as store:
        token_id, secret = exchange_service(store).publish(bank, follower)
    typer.echo(f"feed token {token_id} for {follower}, bank {bank} (shown once):", err=True)
    typer.echo(secret)


def revoke(token_id: Annotated[int, typer.Argument(help="Feed token id.")],
           db: Db = None) -> None:
    """Revoke a feed token. Example: rempart exchange revoke 3"""
    from rempart.services.exchanges import exchange_service

    with store_for(db) as store:
        if not exchange_service(store).revoke(token_id):
            fail(f"no live feed token {token_id}")
    typer.echo(f"revoked feed token {token_id}")


def register(app: typer.Typer) -> None:
    """Attach the ``exchange`` command group."""
    add_group(app, "exchange", "Hash exchanges into banks; bank feeds for other Rempart "
              "instances.", {"add": add, "list": list_, "fetch": fetch, "remove": remove,
                             "feedback": feedback, "publish": publish, "revoke": revoke})
