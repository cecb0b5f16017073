"""`rempart bench ...`: side-by-side benchmarks against the reference tools.

Each module in ``BENCH_MODULES`` exposes ``register(bench_app: typer.Typer) -> None`` and adds
one command (``rempart bench NAME``). Heavy imports happen inside the command, not here.

Example::

    $ rempart bench hashing --corpus ../shared/corpus
"""

from __future__ import annotations

import importlib

import typer

BENCH_MODULES: tuple[str, ...] = (
    "rempart.bench.media_cli",
    "rempart.bench.text",
    "rempart.bench.index",
    "rempart.bench.serve",
    "rempart.bench.scan",
    "rempart.bench.bot",
    "rempart.bench.scale",
    "rempart.bench.matrix",
)


def register(app: typer.Typer) -> None:
    """Attach the ``bench`` group with every benchmark command."""
    bench_app = typer.Typer(help="Benchmarks printed side by side with the reference tools.",
                            no_args_is_help=True)
    for name in BENCH_MODULES:
        importlib.import_module(name).register(bench_app)
    app.add_typer(bench_app, name="bench")
