"""Which platform a bot's chat number belongs to.

The bot's tables key chats, users and messages by integers: Telegram's own ids (below 2**53 in
absolute value), and Matrix ids mapped to stable numbers in ``MATRIX_CHATS``. Each bot's outbox
reads only its platform's range, so two bots can share one database.

Example::

    >>> lo, hi = TELEGRAM_CHATS
    >>> lo <= -1001234567890 < hi, MATRIX_CHATS[0] <= -1001234567890 < MATRIX_CHATS[1]
    (True, False)
"""

from __future__ import annotations

MATRIX_BASE = 2**61
TELEGRAM_CHATS = (-MATRIX_BASE, MATRIX_BASE)  # [low, high)
MATRIX_CHATS = (MATRIX_BASE, 2 * MATRIX_BASE)
