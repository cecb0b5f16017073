"""What the commands that build the application (``serve``, ``bot``, ``matrix-bot``, ``worker``,
``beat``) receive from the composition root: :class:`Builders`, given by the entry point
(``rempart.main``) as the command line's context object, so that no adapter imports the root.

Example::

    def serve_command(ctx: typer.Context, ...) -> None:
        builders = builders_of(ctx)
        app = builders.build_server(Settings())
        uvicorn.run(builders.http_app(app))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

import typer

if TYPE_CHECKING:
    from celery import Celery
    from fastapi import FastAPI

    from rempart.config import Settings
    from rempart.services.bot import BotService
    from rempart.services.matching import MatchService
    from rempart.services.matrix_bot import MatrixBotService


class Follower(Protocol):
    """The change-feed follower of a built application."""

    def start(self) -> None: ...


class Built(Protocol):
    """A built application as the commands hold it (``rempart.app.App``)."""

    @property
    def matching(self) -> MatchService: ...
    @property
    def follower(self) -> Follower: ...
    def close(self) -> None: ...


A = TypeVar("A", bound=Built)


@dataclass(frozen=True)
class Builders(Generic[A]):
    """The composition root's builders, each taking or giving its application type ``A``."""

    build: Callable[[Settings], A]  # bot, matrix-bot: the database opened, banks loaded
    build_server: Callable[[Settings], A]  # serve: tuned for a long-running server
    http_app: Callable[[A], FastAPI]  # the HTTP application serving ``A``
    http_factory: str  # "module:function" building it from REMPART_* (uvicorn --factory)
    fill_demo: Callable[[A], str]  # serve --demo: example data; the demo admin's password
    telegram_service: Callable[[A], BotService]
    matrix_service: Callable[[A], MatrixBotService]
    celery: Callable[[Settings, A | None], Celery]  # worker, beat, bot --broker


ProvideBuilders = Callable[[], Builders[Any]]
"""The context object of the command line: gives the builders on first use (the root's imports
are paid by the commands that need them only)."""


def builders_of(ctx: typer.Context) -> Builders[Built]:
    """The builders the entry point gave the command line."""
    provide: ProvideBuilders | None = ctx.find_root().obj
    if provide is None:
        raise RuntimeError("this command builds the application: run it from the command line "
                           "of rempart.main, which gives the composition root's builders")
    return cast("Builders[Built]", provide())
