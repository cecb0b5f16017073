"""The bot's queued work as adapters see it: an update to handle, an action to send.

Example::

    >>> OutboxRow.__name__, InboxRow.__name__
    ('OutboxRow', 'InboxRow')
"""

from __future__ import annotations

from rempart.store.bot_work import InboxRow, OutboxRow

__all__ = ["InboxRow", "OutboxRow"]
