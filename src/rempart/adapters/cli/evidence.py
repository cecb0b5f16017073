"""`rempart evidence`: write the evidence package ZIP of a victim's case or of chosen findings.

The ZIP holds package.pdf, package.json, manifest.json (SHA-256 of each file) and README.txt;
never an image. The output file must not exist (never overwritten, symlinks included) and must
end in ``.zip``; its folder must exist. Without ``--secret`` the case secret is asked for
without echo (a secret on the command line shows in the process list). Each package is written
to the audit log.

Example::

    $ rempart evidence --case VIC-2026-000001 -o dossier.zip        # asks for the secret
    $ rempart evidence --finding 12 --finding 15 --language en -o evidence.zip
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from rempart.adapters.cli.options import Db, fail, store_for
from rempart.adapters.evidence import evidence_zip
from rempart.core.evidence_package import EvidencePackage
from rempart.services.cases import CaseNotFound
from rempart.services.offline import evidence_service


def checked_output(path: Path) -> Path:
    """The path to create; a one-line exit when it exists, has no folder or is not a .zip."""
    text = str(path)
    if not text or "\x00" in text or text.endswith(("/", os.sep)):
        fail(f"invalid output path {text!r}")
    if path.suffix.lower() != ".zip":
        fail(f"the output must be a .zip file: {text}")
    if path.is_symlink() or path.exists():
        fail(f"{text} already exists: not overwritten")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        fail(f"no such folder: {parent}")
    return path


def _write_new(path: Path, data: bytes) -> None:
    # O_EXCL: fails if anything (a file, a symlink) appeared meanwhile; never follows links.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
    except FileExistsError:
        fail(f"{path} already exists: not overwritten")
    except OSError as e:
        fail(f"cannot create {path}: {e.strerror}")
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def evidence(
    output: Annotated[Path, typer.Option("--output", "-o", help="The ZIP to create (.zip).",
                                         show_default=False)],
    case: Annotated[str | None, typer.Option("--case", help="Victim case number.")] = None,
    secret: Annotated[str | None, typer.Option(
        "--secret", help="The case secret (asked for when omitted).")] = None,
    finding: Annotated[list[int] | None, typer.Option(
        "--finding", help="A finding id (repeat); see GET /api/v1/scans/{id}/findings.")] = None,
    language: Annotated[str, typer.Option("--language", help="fr or en.")] = "fr",
    db: Db = None,
) -> None:
    """Write the evidence package (PDF + JSON + SHA-256 manifest, no image) of a case or of
    chosen findings."""
    if (case is None) == (not finding):
        fail("give either --case (with its secret) or one or more --finding ids")
    if language not in ("fr", "en"):
        fail("--language must be fr or en")
    target = checked_output(output)
    if case is not None and secret is None:
        secret = typer.prompt("Case secret", hide_input=True)
    with store_for(db) as store:
        service = evidence_service(store)
        package: EvidencePackage
        if case is not None:
            try:
                package = service.for_case(case, secret or "", language=language)
            except CaseNotFound:
                fail("no case with this number and secret")
        else:
            package = service.for_findings(finding or [], requested_by=f"cli:{_user()}",
                                           language=language, actor_type="system")
        data = evidence_zip(package)
    _write_new(target, data)
    typer.echo(f"{package.reference}: {len(package.entries)} finding(s) written to "
               f"{target.resolve()}", err=True)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def register(app: typer.Typer) -> None:
    app.command("evidence")(evidence)
