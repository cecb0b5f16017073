"""Options and helpers shared by CLI commands (one definition each).

Example::

    def command(jsonl: Jsonl = False, db: Db = None) -> None:
        with store_for(db) as store:
            ...
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from rempart.services.errors import RempartError

if TYPE_CHECKING:
    from rempart.services.offline import BankStore

Db = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: REMPART_DATABASE_URL or a SQLite file).",
                 show_default=False),
]
Jsonl = Annotated[bool, typer.Option("--jsonl", help="One JSON object per line on stdout.")]
Recursive = Annotated[bool, typer.Option("--recursive", "-r", help="Descend into folders.")]
Fps = Annotated[float, typer.Option(help="Video frames sampled per second.")]
Workers = Annotated[int, typer.Option(help="Worker processes (0: one per core).")]


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with status 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def add_group(app: typer.Typer, name: str, help: str,
              commands: dict[str, Callable[..., None]]) -> None:
    """Attach the command group ``rempart <name>`` with one subcommand per entry of
    ``commands`` (its name on the command line, its function)."""
    group = typer.Typer(help=help, no_args_is_help=True)
    for command, function in commands.items():
        group.command(command)(function)
    app.add_typer(group, name=name)


def stop_on_signals() -> asyncio.Event:
    """An event the first SIGINT or SIGTERM sets (stop with grace); a second one cancels the
    task running now (stop at once). Called inside the event loop, by a long-running
    command's main task."""
    stop = asyncio.Event()
    main = asyncio.current_task()

    def on_signal() -> None:
        if stop.is_set() and main is not None:
            main.cancel()
        stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    return stop


@contextmanager
def store_for(db: str | None) -> Iterator[BankStore]:
    """The store for ``--db``; domain and database errors become one-line exits."""
    # Imported here: commands that open no database (``rempart hash``) start without them.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from rempart.config import Settings
    from rempart.services.offline import open_bank_store

    url = db or Settings().database_url
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        fail(f"invalid database URL {url!r}")
    try:
        store = open_bank_store(url)
    except SQLAlchemyError as e:
        fail(f"cannot open database {shown}: {e.__class__.__name__}: {_first_line(e)}")
    try:
        yield store
    except RempartError as e:
        fail(str(e))
    except SQLAlchemyError as e:
        fail(f"database error: {_first_line(e)}")
    finally:
        store.close()


def _first_line(e: Exception) -> str:
    return str(getattr(e, "orig", None) or e).strip().splitlines()[0]


