"""Fill a core :class:`~rempart.core.matcher.Matcher` from the bank store: every enabled
bank's configuration and every active or held signal, PDQ hashes decoded batch by batch into
compact arrays and indexed in one call.

Example::

    >>> from rempart.store.sql import open_store
    >>> load_matcher(Matcher(), open_store("sqlite://"))
    0
"""

from __future__ import annotations

import contextlib

import numpy as np

from rempart.core.banks import Bank, EntryStatus, EntryTrust
from rempart.core.index.hexcodec import hex_to_hashes
from rempart.core.matcher import Matcher
from rempart.core.signal_indexes import BankInfo
from rempart.core.types import Signal
from rempart.store.interface import BankStore

_LOAD_BATCH = 50_000  # PDQ rows decoded per batch (compact arrays, not millions of strings)

__all__ = ["bank_info", "load_matcher"]


def bank_info(bank: Bank) -> BankInfo:
    """What the matcher needs of a stored bank."""
    return BankInfo(
        bank.id,
        bank.name,
        bank.kind.value,
        bank.policy.value,
        bank.pdq_threshold,
        bank.vpdq_threshold,
        bank.vpdq_query_match_percent,
        bank.vpdq_index_match_percent,
        bank.enabled and bank.deleted_at is None,
    )


def load_matcher(matcher: Matcher, store: BankStore) -> int:
    """Load every bank and every active or held signal of ``store`` into ``matcher``; returns
    how many signals were indexed."""
    for bank in store.list_banks():
        matcher.set_bank(bank_info(bank))
    n = 0
    ids: list[int] = []
    bank_ids: list[int] = []
    hexes: list[str] = []
    marked: list[tuple[int, bool, str]] = []  # held or not of the bank's trust
    # PDQ hashes are decoded batch by batch (compact arrays, not millions of strings) and
    # indexed in one call at the end: one segment, so a lookup probes one set of tables.
    batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def flush() -> None:
        batches.append(_decode_pdq(ids, bank_ids, hexes))
        ids.clear()
        bank_ids.clear()
        hexes.clear()

    for row in store.iter_signals(statuses=(EntryStatus.ACTIVE, EntryStatus.ON_HOLD)):
        n += 1
        on_hold = row.status is EntryStatus.ON_HOLD
        if on_hold or row.trust is not EntryTrust.BANK:
            marked.append((row.entry_id, on_hold, row.trust.value))
        if row.signal_type == Signal.PDQ:
            ids.append(row.entry_id)
            bank_ids.append(row.bank_id)
            hexes.append(row.value)
            if len(ids) >= _LOAD_BATCH:
                flush()
        else:
            _add(matcher, row.entry_id, row.bank_id, row.signal_type, row.value, on_hold,
                 row.trust.value)
    if ids:
        flush()
    if batches:
        all_ids, all_banks, all_hashes = (np.concatenate(p) for p in zip(*batches, strict=True))
        batches.clear()
        matcher.add_pdq_arrays(all_ids, all_banks, all_hashes)
    for entry_id, on_hold, trust in marked:
        matcher.set_trust(entry_id, trust)
        matcher.hold(entry_id, on_hold)
    return n


def _add(matcher: Matcher, entry_id: int, bank_id: int, signal_type: str, value: str,
         on_hold: bool, trust: str) -> None:
    """Index one non-PDQ signal; a malformed stored value is left out, never fatal."""
    with contextlib.suppress(ValueError):
        matcher.add(entry_id, bank_id, signal_type, value, on_hold, trust)


def _decode_pdq(
    ids: list[int], bank_ids: list[int], hexes: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stored PDQ rows as arrays; a malformed stored value is left out, never fatal."""
    try:
        return np.array(ids, np.int64), np.array(bank_ids, np.int64), hex_to_hashes(hexes)
    except ValueError:
        good = []
        for i, value in enumerate(hexes):
            with contextlib.suppress(ValueError):
                hex_to_hashes([value])
                good.append(i)
        return (np.array([ids[i] for i in good], np.int64),
                np.array([bank_ids[i] for i in good], np.int64),
                hex_to_hashes([hexes[i] for i in good]).reshape(-1, 32))
