"""`rempart match`: JSON lines per input, bank filter, errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.bench.synthetic_images import make_photo, photo_bytes

runner = CliRunner()


def test_bank_then_match(tmp_path: Path, sqlite_url: str) -> None:
    original = tmp_path / "original.jpg"
    original.write_bytes(photo_bytes(1, (800, 600)))
    app = build_app()
    assert runner.invoke(app, ["bank", "create", "mod", "--db", sqlite_url]).exit_code == 0
    assert (
        runner.invoke(
            app, ["bank", "add", "mod", str(original), "--label", "test", "--db", sqlite_url]
        ).exit_code
        == 0
    )
    copy = tmp_path / "copy.jpg"
    buf = io.BytesIO()
    make_photo(1, (800, 600)).crop((100, 50, 800, 600)).save(buf, "JPEG", quality=70)
    copy.write_bytes(buf.getvalue())
    other = tmp_path / "other.jpg"
    other.write_bytes(photo_bytes(2, (800, 600)))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 nope")
    result = runner.invoke(
        app, ["match", "--jsonl", "--db", sqlite_url, str(copy), str(other), str(broken)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert [Path(x["path"]).name for x in lines] == ["copy.jpg", "other.jpg", "broken.jpg"]
    hit = lines[0]["matches"][0]
    assert hit["bank"] == "mod" and hit["labels"] == ["test"] and hit["signal"] in {"orb", "pdq"}
    assert isinstance(hit["entry"], int) and isinstance(hit["distance"], int)
    assert lines[1]["matches"] == [] and lines[1]["error"] is None
    assert lines[2]["error"]
    unknown = runner.invoke(app, ["match", "--bank", "nope", "--db", sqlite_url, str(copy)])
    assert unknown.exit_code == 2
