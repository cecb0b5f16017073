"""The `rempart` command line: one Typer app, one module per command group.

Each module in ``COMMAND_MODULES`` exposes ``register(app: typer.Typer) -> None``; ``COMMANDS``
says which module holds each command, so that ``rempart hash`` imports the hashing command and
not the database layer every other command needs (``rempart --help`` imports them all). The
commands that build the application find the composition root's builders in the app's context
object (:mod:`rempart.adapters.cli.builders`); ``rempart.main`` gives them and runs the app.

Example::

    $ rempart hash --jsonl photo.jpg
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rempart.adapters.cli.builders import ProvideBuilders

COMMAND_MODULES: tuple[str, ...] = (
    "rempart.adapters.cli.serve_cmd",
    "rempart.adapters.cli.token_cmd",
    "rempart.adapters.cli.user_cmd",
    "rempart.adapters.cli.hash_cmd",
    "rempart.adapters.cli.match_cmd",
    "rempart.adapters.cli.bank_cmd",
    "rempart.adapters.cli.exchange_cmd",
    "rempart.adapters.cli.bench",
    "rempart.adapters.cli.text_cmd",
    "rempart.adapters.cli.scan_cmd",
    "rempart.adapters.cli.bot_cmd",
    "rempart.adapters.cli.evidence",
    "rempart.adapters.cli.purge_cmd",
    "rempart.adapters.cli.worker_cmd",
    "rempart.adapters.cli.matrix_cmd",
    "rempart.adapters.cli.matrix_policy_cmd",
    "rempart.adapters.cli.statements_cmd",
    "rempart.adapters.cli.transparency_cmd",
)

HELP = "Rempart: hash, bank, match and scan media so known abusive images stop spreading."


def _root(builders: ProvideBuilders | None, about: str | None = None) -> typer.Typer:
    return typer.Typer(name="rempart", help=about, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, context_settings={"obj": builders})


def build_app(builders: ProvideBuilders | None = None) -> typer.Typer:
    """The root app with every command group registered; ``builders`` reach the commands that
    build the application (without them, those commands stop with an error)."""
    app = _root(builders, HELP)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


COMMANDS: dict[str, str] = {
    "serve": "serve_cmd", "token": "token_cmd", "user": "user_cmd", "hash": "hash_cmd",
    "match": "match_cmd", "bank": "bank_cmd", "exchange": "exchange_cmd",
    "bench": "bench", "text": "text_cmd",
    "scan": "scan_cmd", "bot": "bot_cmd", "evidence": "evidence",
    "purge": "purge_cmd", "worker": "worker_cmd", "beat": "worker_cmd",
    "matrix-bot": "matrix_cmd", "matrix-policy": "matrix_policy_cmd",
    "statements": "statements_cmd", "transparency": "transparency_cmd",
}


def app_for(argv: list[str], builders: ProvideBuilders | None = None) -> typer.Typer:
    """The app with only the module of ``argv``'s command registered (all of them when the
    command is unknown or absent: help and errors list every command).

    >>> [c.name for c in app_for(["hash", "a.jpg"]).registered_commands]
    ['hash']
    """
    module = COMMANDS.get(argv[0]) if argv else None
    if module is None:
        return build_app(builders)
    one = _root(builders)
    one.callback()(_group)  # a group, even of one command: `rempart serve …` keeps its name
    importlib.import_module(f"rempart.adapters.cli.{module}").register(one)
    return one


def _group() -> None:
    """Rempart: hash, bank, match and scan media so known abusive images stop spreading."""
