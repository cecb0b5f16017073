"""The `rempart` command: the command line of :mod:`rempart.adapters.cli.main` with the
composition root's builders (:mod:`rempart.app`), which ``serve``, ``bot``, ``matrix-bot``,
``worker`` and ``beat`` use. ``rempart.app`` is imported by those commands only: ``rempart hash``
never loads the database layer.

Example::

    $ rempart serve --demo
    $ python -c "from rempart.main import main; main()" worker --help  # the same, from a tree
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rempart.adapters.cli import main as cli
from rempart.adapters.cli.builders import Builders

if TYPE_CHECKING:
    import typer

    from rempart.app import App


def builders() -> Builders[App]:
    """The builders of :mod:`rempart.app`, with the demo data of ``serve --demo``."""
    from rempart.adapters.web.demo import fill
    from rempart.app import (
        build,
        build_server,
        create_http_app,
        matrix_service,
        telegram_service,
        worker_celery,
    )

    return Builders(build=build, build_server=build_server, http_app=create_http_app,
                    http_factory="rempart.app:http_app_from_env", fill_demo=fill,
                    telegram_service=telegram_service, matrix_service=matrix_service,
                    celery=worker_celery)


def build_app() -> typer.Typer:
    """Every command, the application's builders given."""
    return cli.build_app(builders)


def app_for(argv: list[str]) -> typer.Typer:
    """The app of ``argv``'s command (every command when it is unknown), builders given."""
    return cli.app_for(argv, builders)


def main() -> None:
    """Console-script entry point (``rempart``)."""
    app_for(sys.argv[1:])(prog_name="rempart")
