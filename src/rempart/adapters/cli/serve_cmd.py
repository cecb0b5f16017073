"""`rempart serve`: the HTTP API (OpenAPI at ``/docs``), with uvicorn.

Example::

    $ rempart token create platform-x --scope match
    $ rempart serve --host 127.0.0.1 --port 8000 --db postgresql://rempart@/rempart
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from rempart.adapters.cli.builders import builders_of
from rempart.adapters.cli.options import Db
from rempart.adapters.cli.output import stderr


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: Db = None,
    workers: Annotated[
        int, typer.Option(help="Processes; each holds its own copy of the index.")
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    demo: Annotated[bool, typer.Option(
        help="Fill a fresh database (a temporary one without --db) with generated, harmless "
             "example data and print a demo admin's random password once.")] = False,
) -> None:
    """Serve the matching API, banks, tokens, /healthz and /metrics."""
    import uvicorn

    from rempart.config import Settings

    if workers < 1:
        raise typer.BadParameter("--workers must be >= 1")
    if demo and not db:
        import tempfile

        db = f"sqlite:///{tempfile.mkdtemp(prefix='rempart-demo-')}/demo.sqlite3"
    if db:
        os.environ["REMPART_DATABASE_URL"] = db  # read by every worker's Settings()
    # X-Forwarded-For is read by Rempart itself, behind http.trusted_proxies only
    # (core/client_address.py): uvicorn's own reading (trusting loopback) is turned off.
    options = {"host": host, "port": port, "log_level": log_level, "access_log": access_log,
               "timeout_graceful_shutdown": 5, "proxy_headers": False}
    builders = builders_of(ctx)
    if workers == 1:
        settings = Settings()
        stderr.print("loading banks…", highlight=False)
        app = builders.build_server(settings)
        if demo:
            from rempart.adapters.web.demo import ADMIN, NotEmpty

            try:
                password = builders.fill_demo(app)
            except NotEmpty as e:
                app.close()
                raise typer.BadParameter(str(e)) from None
            app.matching.refresh()
            stderr.print(f"demo data in {db}; console at http://{host}:{port}/console/ — "
                         f"user {ADMIN}, password {password} (shown once)", highlight=False)
        stderr.print(f"{len(app.matching.matcher)} signals indexed; serving on "
                     f"http://{host}:{port} (docs at /docs)", highlight=False)
        try:
            uvicorn.run(builders.http_app(app), **options)  # type: ignore[arg-type]
        finally:
            app.close()
    else:
        uvicorn.run(builders.http_factory, factory=True, workers=workers,
                    **options)  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    """Add ``rempart serve``."""
    app.command("serve")(serve_command)
