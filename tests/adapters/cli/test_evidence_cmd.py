"""`rempart evidence`: a case's ZIP (secret given or asked for), chosen findings, and the
refusals: wrong secret, existing file or symlink (never overwritten), missing folder, not a
.zip, both or neither of --case and --finding, unknown finding ids."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence_support import Seeded, seed_case_and_findings
from rempart.adapters.cli.main import COMMAND_MODULES, build_app
from rempart.app import build
from rempart.config import Settings


@pytest.fixture
def seeded(sqlite_url: str) -> Seeded:
    app = build(Settings(database_url=sqlite_url))
    try:
        return seed_case_and_findings(app)
    finally:
        app.close()


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), ["evidence", *args], input=stdin)
    return result.exit_code, result.output


def _package(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        assert archive.namelist() == ["package.pdf", "package.json", "manifest.json",
                                      "README.txt"]
        data: dict[str, object] = json.loads(archive.read("package.json"))
    return data


def test_case_and_findings(seeded: Seeded, sqlite_url: str, tmp_path: Path) -> None:
    assert "rempart.adapters.cli.evidence" in COMMAND_MODULES
    out = tmp_path / "case.zip"
    code, output = _run("--case", seeded.case_number, "--secret", seeded.secret, "-o", str(out),
                        "--db", sqlite_url)
    assert code == 0, output
    assert _package(out)["reference"] == seeded.case_number
    asked = tmp_path / "asked.zip"
    code, output = _run("--case", seeded.case_number, "-o", str(asked), "--db", sqlite_url,
                        stdin=seeded.secret + "\n")
    assert code == 0, output
    assert seeded.secret not in output  # asked without echo
    chosen = tmp_path / "chosen.zip"
    code, output = _run("--finding", str(seeded.ids["first"]), "--finding",
                        str(seeded.ids["other"]), "--language", "en", "-o", str(chosen),
                        "--db", sqlite_url)
    assert code == 0, output
    package = _package(chosen)
    assert package["language"] == "en" and len(package["timeline"]) == 2  # type: ignore[arg-type]


def test_refusals(seeded: Seeded, sqlite_url: str, tmp_path: Path) -> None:
    existing = tmp_path / "exists.zip"
    existing.write_bytes(b"keep me")
    link = tmp_path / "link.zip"
    link.symlink_to(tmp_path / "elsewhere.zip")
    case = ("--case", seeded.case_number, "--secret", seeded.secret, "--db", sqlite_url)
    for args, message in (
        ((*case, "-o", str(existing)), "already exists"),
        ((*case, "-o", str(link)), "already exists"),
        ((*case, "-o", str(tmp_path / "no" / "such" / "x.zip")), "no such folder"),
        ((*case, "-o", str(tmp_path / "x.pdf")), ".zip"),
        (("--case", seeded.case_number, "--secret", "wrong", "--db", sqlite_url,
          "-o", str(tmp_path / "w.zip")), "no case"),
        (("--finding", "1", *case, "-o", str(tmp_path / "b.zip")), "either"),
        (("--db", sqlite_url, "-o", str(tmp_path / "n.zip")), "either"),
        (("--finding", "999999", "--db", sqlite_url, "-o", str(tmp_path / "u.zip")),
         "999999"),
        ((*case, "--language", "de", "-o", str(tmp_path / "l.zip")), "fr or en"),
    ):
        code, output = _run(*args)
        assert code == 1 and message in output, (args, output)
    assert existing.read_bytes() == b"keep me" and not (tmp_path / "elsewhere.zip").exists()
    assert not any(p.name in {"w.zip", "u.zip", "b.zip", "n.zip"} for p in tmp_path.iterdir())
