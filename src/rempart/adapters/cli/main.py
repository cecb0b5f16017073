"""The `rempart` command: one Typer app, one module per command group.

Each module in ``COMMAND_MODULES`` exposes ``register(app: typer.Typer) -> None``.

Example::

    $ rempart hash --jsonl photo.jpg
"""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES: tuple[str, ...] = (
    "rempart.adapters.cli.serve_cmd",
    "rempart.adapters.cli.token_cmd",
    "rempart.adapters.cli.user_cmd",
    "rempart.adapters.cli.hash_cmd",
    "rempart.adapters.cli.match_cmd",
    "rempart.adapters.cli.bank_cmd",
    "rempart.adapters.cli.bench",
    "rempart.adapters.cli.text_cmd",
    "rempart.adapters.cli.scan_cmd",
    "rempart.adapters.cli.bot_cmd",
    "rempart.adapters.cli.evidence",
    "rempart.adapters.cli.purge_cmd",
    "rempart.adapters.cli.worker_cmd",
)

app = typer.Typer(
    name="rempart",
    help="Rempart: hash, bank, match and scan media so known abusive images stop spreading.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def build_app() -> typer.Typer:
    """Register every command group on the root app (idempotent)."""
    if not getattr(app, "_rempart_registered", False):
        for name in COMMAND_MODULES:
            importlib.import_module(name).register(app)
        app._rempart_registered = True  # type: ignore[attr-defined]
    return app


def main() -> None:
    """Console-script entry point."""
    build_app()(prog_name="rempart")
