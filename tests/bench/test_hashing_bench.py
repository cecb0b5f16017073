"""`rempart bench hashing` runs end to end on generated images (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.bench.synthetic_images import photo_bytes

runner = CliRunner()


def test_bench_hashing_command(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    for seed in range(3):
        (images / f"p{seed}.jpg").write_bytes(photo_bytes(seed, (640, 480)))
    (images / "p.png").write_bytes(photo_bytes(5, (320, 240), fmt="PNG"))
    result = runner.invoke(
        build_app(),
        ["bench", "hashing", "--corpus", str(tmp_path), "--videos", "0", "--no-processes"],
    )
    assert result.exit_code == 0, result.output
    assert "PDQ signals by format" in result.stdout and "Whole process" not in result.stdout


def test_whole_process_figures(tmp_path: Path) -> None:
    from rempart.bench.hashing import run

    images = tmp_path / "images"
    images.mkdir()
    (images / "p.jpg").write_bytes(photo_bytes(7, (640, 480)))
    figures = run(tmp_path, max_videos=0)["whole_process"]
    commands = [k for k in figures if k not in ("images", "where")]
    assert len(commands) == 3 and figures[commands[0]]["ratio"] == 1.0
    assert all(figures[c]["cpu_s"] > 0 for c in commands)
    assert any("start-up" in part for part in figures["where"])
