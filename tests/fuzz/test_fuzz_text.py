"""Fuzz the text classifier for a bounded time (see ``fuzz_text.py``).

Attacker: any group member, export author or API client who writes a message. Asset: the bot,
the scanner and ``/api/v1/text/classify``, which classify every message: a hostile text gets a
normal verdict, never a crash, and never more than ``per_input`` seconds of work.
"""

from __future__ import annotations

from pathlib import Path

from fuzz.runner import run_fuzzer

_SEEDS = {  # see ``hostile_text``: 2 bytes of repeats, head and unit lengths, then the text
    "stars": b"\x00\x80\x00\x01*a",
    "spaced_link": b"\x10\x00\x05\x01t.me/ !",
    "masked": b"\x00\x40\x01\x01n*ds",
    "spaced_letters": b"\x00\x20\x00\x03a  b",
    "emoji": "\x00\x10\x00\x02🍕\u200b".encode(),
}


def test_text_classifier_survives_fuzzing(tmp_path: Path) -> None:
    for name, seed in _SEEDS.items():
        (tmp_path / name).write_bytes(seed)
    run_fuzzer(Path(__file__).with_name("fuzz_text.py"), seconds=15, corpus=tmp_path)
