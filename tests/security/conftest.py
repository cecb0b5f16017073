"""The attack suite: each test plays one attacker of docs/threat-model.md end to end.

The support modules of the adapter tests (``http_support``, ``web_support``…) are importable
here, so attacks drive the real server, console and bot the way those tests do.
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent.parent
for folder in ("adapters/http", "adapters/web", "adapters/telegram_bot"):
    path = str(_TESTS / folder)
    if path not in sys.path:
        sys.path.append(path)
