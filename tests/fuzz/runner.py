"""Runs an atheris harness in a child process, bounded in time and memory.

A harness is a script under ``tests/fuzz/`` that calls ``atheris.Setup(sys.argv, one_input)``
and ``atheris.Fuzz()``. A crash, a hang past ``per_input`` seconds or a memory blow-up past
``rss_mb`` makes the run fail with libFuzzer's report.

Example::

    run_fuzzer(Path(__file__).with_name("fuzz_text.py"), seconds=20)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

_LAUNCH = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def run_fuzzer(harness: Path, seconds: int, *, per_input: int = 30, rss_mb: int = 2048,
               corpus: Path | None = None) -> None:
    """Fuzz ``harness`` for ``seconds``; raise ``AssertionError`` with its output on failure.

    ``per_input`` is generous because the suite runs on a loaded 2-core machine: the inputs
    that matter (catastrophic backtracking, decompression bombs) take minutes, not seconds.
    Crash and timeout reproducers are written to a temporary folder, named in the output.
    """
    # Through a small launcher process: on Linux a child's peak RSS (what libFuzzer checks
    # against -rss_limit_mb) starts at its parent's, and a pytest worker may be past 1 GB.
    artifacts = tempfile.mkdtemp(prefix=f"rempart-{harness.stem}-")
    args = [sys.executable, "-c", _LAUNCH, sys.executable, str(harness),
            f"-max_total_time={seconds}", f"-timeout={per_input}", f"-rss_limit_mb={rss_mb}",
            "-print_final_stats=1", f"-artifact_prefix={artifacts}/"]
    if corpus is not None:
        args.append(str(corpus))
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 120,
                          check=False)
    if done.returncode != 0:
        raise AssertionError(f"{harness.name} failed ({done.returncode}):\n{done.stderr[-6000:]}")
