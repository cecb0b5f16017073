"""Domain errors raised by services; each adapter translates them once (exit code, HTTP status).

Messages are one line, fit to show to a user as they are.
"""

from __future__ import annotations

import copyreg


class RempartError(Exception):
    """Base of every domain error. Pickled as its arguments and attributes, whatever its
    ``__init__`` takes: a background task's error crosses processes."""

    def __reduce__(self) -> tuple[object, ...]:
        return copyreg.__newobj__, (type(self), *self.args), vars(self)  # type: ignore[attr-defined]


class InvalidArgument(RempartError):
    """A value given by the user is not acceptable (bad name, threshold out of range...)."""


class BankNotFound(RempartError):
    """No bank has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no bank named {name!r}")
        self.name = name


class BankExists(RempartError):
    """A bank with this name already exists."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a bank named {name!r} already exists")
        self.name = name


class BankNotEmpty(RempartError):
    """Removing a bank that still has entries needs ``force``."""

    def __init__(self, name: str, entries: int) -> None:
        super().__init__(f"bank {name!r} still has {entries} entries (use --force to remove it)")
        self.name = name
        self.entries = entries


class EntryNotFound(RempartError):
    """No entry with this id in this bank."""

    def __init__(self, bank: str, entry_id: int) -> None:
        super().__init__(f"bank {bank!r} has no entry {entry_id}")
        self.bank = bank
        self.entry_id = entry_id


class PersonRequired(RempartError):
    """Only a person may do this (a moderator in the console, the victim on her case page),
    never an API token: withdrawing a victim's registration, for instance."""


class InvalidSignal(RempartError):
    """A signal value does not fit its type (e.g. a PDQ hash that is not 64 hex characters)."""


class BankImportError(RempartError):
    """A line of an imported hash file is invalid; nothing of the file was imported."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message
