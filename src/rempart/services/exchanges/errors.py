"""Domain errors of exchanges (translated once by each adapter, like every RempartError)."""

from __future__ import annotations

from rempart.services.errors import RempartError


class ExchangeNotFound(RempartError):
    """No exchange has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no exchange named {name!r}")
        self.name = name


class ExchangeExists(RempartError):
    """The name, or the bank, is already an exchange's."""


class ExchangeSourceError(RempartError):
    """The exchange's server could not be read (refused, too big, too slow, malformed);
    the message is one line, never carries a credential."""


class FeedNotFound(RempartError):
    """No feed of this bank for this token (the same answer whether the bank exists or not)."""

    def __init__(self) -> None:
        super().__init__("no such feed for this token")


class FeedTokenInvalid(RempartError):
    """The feed token is unknown or revoked."""

    def __init__(self) -> None:
        super().__init__("invalid or revoked feed token")
