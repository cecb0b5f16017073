"""`rempart purge`: apply the retention periods (docs/privacy.md) once.

Deletes the bot's message log, the flood guard's hits, withdrawn hashes' tombstones, closed
victim cases, ended sessions and expired anti-abuse state past their periods
(``REMPART_RETENTION__*_DAYS``), and clears contact details left on closed cases. Run it daily.

Example::

    $ rempart purge --dry-run            # what would go, kind by kind
    $ rempart purge --jsonl              # {"kind": "bot_messages", "count": 120, ...}
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rempart.adapters.cli.options import Db, Jsonl, store_for
from rempart.adapters.cli.output import emit_jsonl, stderr
from rempart.config import Settings
from rempart.core.clock import utc_now
from rempart.services.offline import retention_store
from rempart.services.retention import RetentionPolicy, purge


def purge_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, delete nothing.")] = False,
    db: Db = None,
    jsonl: Jsonl = False,
) -> None:
    """Delete the data whose retention period is over (see docs/privacy.md)."""
    settings = Settings()
    policy = RetentionPolicy.from_settings(settings)
    with store_for(db) as store:
        done = purge(retention_store(store), policy, utc_now(), dry_run)
    if jsonl:
        for item in done:
            emit_jsonl(item.to_json())
        return
    table = Table("kind", "older than", "would delete" if dry_run else "deleted", box=None)
    for item in done:
        table.add_row(item.kind, item.before.isoformat(timespec="seconds"), str(item.count))
    Console().print(table)
    total = sum(i.count for i in done)
    stderr.print(f"{total} row(s) {'to purge' if dry_run else 'purged'}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``rempart purge``."""
    app.command("purge")(purge_command)
