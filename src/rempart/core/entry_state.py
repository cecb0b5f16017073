"""The state of an indexed bank entry, one byte: held or active (flood guard) and its trust
(bank, unconfirmed, confirmed), with the table of every entry's bank and state the matcher
keeps beside its indexes (5 bytes per entry, no Python object).

Example::

    >>> state = entry_state(on_hold=True, trust="unconfirmed")
    >>> is_held(state), trust_of(state), is_held(with_hold(state, False))
    (True, 'unconfirmed', False)
"""

from __future__ import annotations

import numpy as np

from rempart.core.banks import EntryTrust

ACTIVE, ON_HOLD = 1, 2
HOLD_BITS = 3
TRUST_BITS = {EntryTrust.BANK.value: 0, EntryTrust.UNCONFIRMED.value: 4,
              EntryTrust.CONFIRMED.value: 8}
_TRUST_OF = {bits: trust for trust, bits in TRUST_BITS.items()}

__all__ = ["ACTIVE", "HOLD_BITS", "ON_HOLD", "TRUST_BITS", "EntryStates", "entry_state",
           "is_held", "trust_of", "with_hold"]


def entry_state(on_hold: bool, trust: str) -> int:
    """An indexed entry's state byte: held or active, and its trust."""
    return (ON_HOLD if on_hold else ACTIVE) | TRUST_BITS[trust]


def is_held(state: int) -> bool:
    """Whether the flood guard holds the entry (it matches, but only for review)."""
    return state & HOLD_BITS == ON_HOLD


def trust_of(state: int) -> str:
    """The entry's trust (``EntryTrust`` value)."""
    return _TRUST_OF[state & ~HOLD_BITS]


def with_hold(state: int, on_hold: bool) -> int:
    """``state`` held or released, its trust kept."""
    return (state & ~HOLD_BITS) | (ON_HOLD if on_hold else ACTIVE)


class EntryStates:
    """entry id → (bank id, state) in two growable arrays; state 0: not indexed."""

    def __init__(self) -> None:
        self.bank = np.zeros(1024, np.int32)
        self.state = np.zeros(1024, np.int8)

    def set(self, entry_id: int, bank_id: int, state: int) -> None:
        if entry_id >= len(self.bank):
            size = max(entry_id + 1, 2 * len(self.bank))
            self.bank = np.resize(self.bank, size)
            self.state = np.concatenate([self.state, np.zeros(size - len(self.state), np.int8)])
        self.bank[entry_id] = bank_id
        self.state[entry_id] = state

    def get(self, entry_id: int) -> tuple[int, int]:
        if entry_id >= len(self.bank):
            return 0, 0
        return int(self.bank[entry_id]), int(self.state[entry_id])
