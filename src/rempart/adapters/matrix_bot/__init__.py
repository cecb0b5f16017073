"""Matrix adapter (matrix-nio): room events → the Telegram bot's service calls, its decisions
→ redactions, bans, mutes and ``m.notice`` alerts. See docs/matrix.md.

Example::

    client = await connect("https://hs.example", "@rempart:hs.example", token=token)
    await MatrixRunner(client, service, settings.matrix, settings.bot).run(stop)
"""

from __future__ import annotations

from rempart.adapters.matrix_bot.client import LoginError, connect
from rempart.adapters.matrix_bot.runner import MatrixRunner

__all__ = ["LoginError", "MatrixRunner", "connect"]
