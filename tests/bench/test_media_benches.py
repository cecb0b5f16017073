"""The media benchmarks run end to end on a tiny generated corpus (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.bench.synthetic_images import make_video, photo_bytes

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    (root / "images").mkdir()
    (root / "videos").mkdir()
    for seed in range(4):
        (root / "images" / f"p{seed}.jpg").write_bytes(photo_bytes(seed, (640, 480)))
    (root / "videos" / "v.mp4").write_bytes(make_video([9], seconds_per_scene=2.0))
    return root


def test_bench_robustness_signal_level(corpus: Path) -> None:
    result = runner.invoke(build_app(), ["bench", "robustness", "--corpus", str(corpus),
                                         "--edits", "crop_sides,mirror", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "crop_sides" in result.stdout and "PDQ" in result.stdout


def test_bench_robustness_end_to_end(corpus: Path) -> None:
    result = runner.invoke(build_app(), ["bench", "robustness", "--corpus", str(corpus),
                                         "--edits", "caption_band", "--end-to-end"])
    assert result.exit_code == 0, result.output
    assert "End to end" in result.stdout


def test_bench_hashing(corpus: Path) -> None:
    result = runner.invoke(build_app(), ["bench", "hashing", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "threatexchange" in result.stdout and "decode only" in result.stdout


def test_bench_without_corpus_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(build_app(), ["bench", "robustness", "--edits", "nope",
                                         "--corpus", str(tmp_path)])
    assert result.exit_code == 2


def test_bench_robustness_dark_and_foggy_scenes(corpus: Path) -> None:
    result = runner.invoke(build_app(), ["bench", "robustness", "--corpus", str(corpus),
                                         "--edits", "dark,foggy", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "lowest recall" in result.stdout, result.stdout
    e2e = runner.invoke(build_app(), ["bench", "robustness", "--corpus", str(corpus),
                                      "--edits", "dark", "--end-to-end"])
    assert e2e.exit_code == 2


def test_bench_robustness_video_names_an_unknown_edit() -> None:
    result = runner.invoke(build_app(), ["bench", "robustness", "--video", "--edits", "nope"])
    assert result.exit_code == 2
    assert "unknown video edit(s) nope" in result.output and "mirror" in result.output
