"""`rempart hash`: JSON lines, table, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.bench.synthetic_images import make_video, photo_bytes

runner = CliRunner()


def test_jsonl_records(tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_bytes(photo_bytes(1))
    (tmp_path / "v.mp4").write_bytes(make_video([2], seconds_per_scene=2.0))
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff garbage")
    result = runner.invoke(build_app(), ["hash", "--jsonl", "--workers", "1", str(tmp_path)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    by_name = {Path(r["path"]).name: r for r in records}
    assert set(by_name) == {"x.jpg", "v.mp4", "bad.jpg"}
    image = by_name["x.jpg"]
    assert image["kind"] == "image" and image["error"] is None
    assert (
        len(image["pdq"]["hash"]) == 64 and len(image["sha256"]) == 64 and len(image["md5"]) == 32
    )
    video = by_name["v.mp4"]
    assert video["kind"] == "video" and [f["t"] for f in video["vpdq"]] == [0.0, 1.0]
    assert by_name["bad.jpg"]["error"]


def test_robust_signals_only_with_robust(tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_bytes(photo_bytes(4, (640, 480)))

    def record(*flags: str) -> dict[str, object]:
        result = runner.invoke(
            build_app(), ["hash", "--jsonl", "--workers", "1", *flags, str(tmp_path / "x.jpg")]
        )
        assert result.exit_code == 0, result.output
        out: dict[str, object] = json.loads(result.stdout.splitlines()[0])
        return out

    def variants(r: dict[str, object]) -> set[str]:
        listed = r["pdq_variants"]
        assert isinstance(listed, list)
        return {v["variant"] for v in listed}

    default, robust = record(), record("--robust")
    assert default["orb"] is None and isinstance(robust["orb"], str) and robust["orb"]
    assert not any(n.startswith("region-") for n in variants(default))
    assert any(n.startswith("region-") for n in variants(robust))
    # The robust signals are added; the PDQ family is the same either way.
    assert variants(default) <= variants(robust)
    assert default["pdq"]["hash"] == robust["pdq"]["hash"]  # type: ignore[index]
    assert default["sha256"] == robust["sha256"]


def test_table_output_and_recursion(tmp_path: Path) -> None:
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "y.png").write_bytes(photo_bytes(3, fmt="PNG"))
    flat = runner.invoke(build_app(), ["hash", str(tmp_path)])
    assert flat.exit_code == 0 and "y.png" not in flat.stdout
    deep = runner.invoke(build_app(), ["hash", "--recursive", "--no-orb", "--jsonl", str(tmp_path)])
    assert deep.exit_code == 0
    record = json.loads(deep.stdout.splitlines()[0])
    assert record["path"].endswith("y.png") and "orb" not in record


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert runner.invoke(build_app(), ["hash"]).exit_code == 2
    assert runner.invoke(build_app(), ["hash", "--fps", "0", str(tmp_path)]).exit_code == 2
    assert runner.invoke(build_app(), ["hash", "--nope", str(tmp_path)]).exit_code == 2


def test_missing_file_is_an_error_record_not_a_crash(tmp_path: Path) -> None:
    result = runner.invoke(build_app(), ["hash", "--jsonl", str(tmp_path / "absent.jpg")])
    assert result.exit_code == 0
    assert json.loads(result.stdout.splitlines()[0])["error"].startswith("not_found")
