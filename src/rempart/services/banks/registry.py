"""Banks themselves: create, find, list with counts, remove.

Example::

    create_bank(store, "victims", BankKind.VICTIM)      # policy review by default
    [s.bank.name for s in list_banks(store)]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rempart.core.banks import (
    DEFAULT_PDQ_THRESHOLD,
    DEFAULT_VPDQ_THRESHOLD,
    Bank,
    BankKind,
    BankPolicy,
    EntryStatus,
    NewBank,
)
from rempart.services.errors import (
    BankExists,
    BankNotEmpty,
    BankNotFound,
    InvalidArgument,
    PersonRequired,
)
from rempart.store.interface import BankNameTaken, BankStore

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$")
_HASH_BITS = 256


@dataclass(frozen=True, slots=True)
class BankSummary:
    """A bank with its entry counts (the ``rempart bank list`` record)."""

    bank: Bank
    counts: Mapping[EntryStatus, int]

    def to_json(self) -> dict[str, Any]:
        b = self.bank
        return {
            "name": b.name, "kind": b.kind.value, "policy": b.policy.value,
            "pdq_threshold": b.pdq_threshold, "vpdq_threshold": b.vpdq_threshold,
            "vpdq_query_match_percent": b.vpdq_query_match_percent,
            "vpdq_index_match_percent": b.vpdq_index_match_percent, "enabled": b.enabled,
            "description": b.description, "created_at": b.created_at.isoformat(),
            "entries": {s.value: n for s, n in self.counts.items()},
        }


def create_bank(
    store: BankStore,
    name: str,
    kind: BankKind = BankKind.MODERATOR,
    policy: BankPolicy | None = None,
    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD,
    vpdq_threshold: int = DEFAULT_VPDQ_THRESHOLD,
    description: str = "",
) -> Bank:
    """Create a bank; a victim bank's policy is ``review`` unless ``policy`` says otherwise."""
    if not _NAME.match(name):
        raise InvalidArgument(
            f"invalid bank name {name!r}: letters, digits and _.:- only, starting alphanumeric"
        )
    for label, value in (("PDQ", pdq_threshold), ("vPDQ", vpdq_threshold)):
        if not 0 <= value <= _HASH_BITS:
            raise InvalidArgument(f"{label} threshold must be between 0 and {_HASH_BITS}")
    new = NewBank(name, kind, policy, pdq_threshold, vpdq_threshold, description=description)
    try:
        return store.create_bank(new)
    except BankNameTaken:
        raise BankExists(name) from None


def get_bank(store: BankStore, name: str) -> Bank:
    """The bank called ``name``; BankNotFound otherwise."""
    bank = store.get_bank(name)
    if bank is None:
        raise BankNotFound(name)
    return bank


def list_banks(store: BankStore) -> list[BankSummary]:
    """Every live bank with its entry counts, by name."""
    return [BankSummary(b, store.count_entries(b.id)) for b in store.list_banks()]


def remove_bank(store: BankStore, name: str, force: bool = False, *, person: bool = True) -> int:
    """Delete a bank: refused while it has live entries unless ``force`` (they get tombstoned;
    in a victims' bank, by a person only).

    Returns how many entries were tombstoned.
    """
    bank = get_bank(store, name)
    counts = store.count_entries(bank.id)
    live = counts[EntryStatus.ACTIVE] + counts[EntryStatus.ON_HOLD]
    if live and not force:
        raise BankNotEmpty(name, live)
    if live:
        check_person_may_remove(bank, person)
    return store.delete_bank(bank.id, reason="bank removed")


def check_person_may_remove(bank: Bank, person: bool) -> None:
    """PersonRequired when a token (``person=False``) would remove entries of a victims' bank:
    a victim's protection is withdrawn by her or by a moderator, never by an integrator."""
    if not person and bank.kind == BankKind.VICTIM:
        raise PersonRequired(f"entries of the victims' bank {bank.name!r} are withdrawn by a "
                             "moderator in the console or by the victim, never by an API token")
