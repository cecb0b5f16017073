"""Process memory tuning: harmless to call, and it freezes the start-up objects."""

from __future__ import annotations

import gc
import sys

from rempart.runtime import settle, trim, tune_process


def test_tune_then_settle() -> None:
    interval = sys.getswitchinterval()
    try:
        assert tune_process() is sys.platform.startswith("linux")
        assert sys.getswitchinterval() < interval
        settle()
        assert gc.get_freeze_count() > 0
        trim()
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)
