"""Process memory tuning: harmless to call, and it freezes the start-up objects."""

from __future__ import annotations

import gc
import sys

from rempart.runtime import settle, tune_malloc


def test_tune_then_settle() -> None:
    assert tune_malloc() is sys.platform.startswith("linux")
    try:
        settle()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
