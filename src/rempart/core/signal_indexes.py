"""Every active bank signal, indexed by type, in compact arrays (no Python object per entry).

The indexes follow bank changes incrementally (:meth:`SignalIndexes.apply`); each entry's
bank, hold and trust are one state byte (``core.entry_state``). The rules of matching over
them are :class:`rempart.core.matcher.Matcher`.

Example::

    >>> s = SignalIndexes()
    >>> s.apply([EntryChange(10, 1, "pdq", "f" * 64), EntryChange(11, 1, "md5", "0" * 32)])
    >>> len(s)
    2
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rempart.core.banks import EntryTrust
from rempart.core.entry_state import ACTIVE, EntryStates, entry_state, is_held, with_hold
from rempart.core.index import PdqIndex, hex_to_hashes
from rempart.core.orb_index import OrbIndex
from rempart.core.signals import vpdq
from rempart.core.signals.orb import OrbReference
from rempart.core.signals.pdq import MIN_QUALITY
from rempart.core.types import EXACT_SIGNALS, FrameHash, Signal


@dataclass(frozen=True, slots=True)
class BankInfo:
    """What matching needs to know of a bank."""

    id: int
    name: str
    kind: str
    policy: str
    pdq_threshold: int
    vpdq_threshold: int
    vpdq_query_percent: float
    vpdq_compared_percent: float
    enabled: bool


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One entry's new state, as the change feed gives it (see :meth:`SignalIndexes.apply`)."""

    entry_id: int
    bank_id: int
    signal_type: str
    value: str
    on_hold: bool = False
    removed: bool = False
    trust: str = EntryTrust.BANK.value


_PDQ_HEX = re.compile(r"[0-9a-fA-F]{64}")


def _is_pdq_hex(value: str) -> bool:
    return _PDQ_HEX.fullmatch(value) is not None



class SignalIndexes:
    """Indexes of every loaded bank signal. One writer at a time; queries may run concurrently."""

    def __init__(self) -> None:
        self._banks: dict[int, BankInfo] = {}
        self._status = EntryStates()
        self._pdq = PdqIndex()
        self._frames = PdqIndex()  # vPDQ frames, id = entry id
        self._videos: dict[int, tuple[FrameHash, ...]] = {}
        self._exact: dict[str, set[int]] = {}
        self._exact_of: dict[int, str] = {}
        self._orb = OrbIndex()
        self._lock = threading.Lock()
        self.seq = 0

    def set_bank(self, bank: BankInfo) -> None:
        """Add or update a bank's configuration."""
        self._banks[bank.id] = bank

    def drop_bank(self, bank_id: int) -> None:
        """Forget a bank (its entries stop matching at once)."""
        self._banks.pop(bank_id, None)

    def __len__(self) -> int:
        return len(self._pdq) + len(self._exact_of) + len(self._videos) + len(self._orb)

    @property
    def has_local_features(self) -> bool:
        """True when some entry holds ``orb`` features (a query then needs its probe)."""
        return len(self._orb) > 0

    @property
    def has_videos(self) -> bool:
        """True when some entry is a video (an image query then also tries its centre)."""
        return bool(self._videos)

    def add(
        self, entry_id: int, bank_id: int, signal_type: str, value: str, on_hold: bool = False,
        trust: str = EntryTrust.BANK.value,
    ) -> None:
        """Index one entry (replacing what was indexed under its id)."""
        with self._lock:
            self._remove(entry_id)
            self._add(entry_id, bank_id, signal_type, value, entry_state(on_hold, trust))

    def apply(self, changes: Iterable[EntryChange]) -> None:
        """Index, re-index or remove many entries at once (the change feed): their PDQ hashes
        go into the index in one call. For an entry listed twice, the last change counts; a
        malformed value is skipped (the entry stops matching).

        Example::

            >>> s = SignalIndexes()
            >>> s.apply([EntryChange(1, 1, "pdq", "f" * 64), EntryChange(2, 1, "md5", "0" * 32)])
        """
        last = {c.entry_id: c for c in changes}
        with self._lock:
            pdq: list[EntryChange] = []
            for c in last.values():
                self._remove(c.entry_id)
                if c.removed:
                    continue
                if c.signal_type == Signal.PDQ:
                    pdq.append(c)
                else:
                    with contextlib.suppress(ValueError):
                        self._add(c.entry_id, c.bank_id, c.signal_type, c.value,
                                  entry_state(c.on_hold, c.trust))
            if not pdq:
                return
            try:
                hashes = hex_to_hashes([c.value for c in pdq])
            except ValueError:
                pdq = [c for c in pdq if _is_pdq_hex(c.value)]
                hashes = hex_to_hashes([c.value for c in pdq]).reshape(-1, 32)
            self._pdq.add(np.array([c.entry_id for c in pdq], np.int64), hashes)
            for c in pdq:
                self._status.set(c.entry_id, c.bank_id, entry_state(c.on_hold, c.trust))

    def _add(self, entry_id: int, bank_id: int, signal_type: str, value: str, state: int) -> None:
        if signal_type == Signal.PDQ:
            self._pdq.add(np.array([entry_id]), hex_to_hashes([value]))
        elif signal_type in EXACT_SIGNALS:
            self._exact.setdefault(value, set()).add(entry_id)
            self._exact_of[entry_id] = value
        elif signal_type == Signal.VPDQ:
            frames = vpdq.parse(value)
            good = [f.hash for f in frames if f.quality >= MIN_QUALITY]
            self._videos[entry_id] = frames
            if good:
                self._frames.add(np.full(len(good), entry_id), hex_to_hashes(good))
        elif signal_type == Signal.ORB:
            self._orb.add(entry_id, OrbReference.parse(value))
        else:
            return  # a signal type these indexes do not know: stored, not matched
        self._status.set(entry_id, bank_id, state)

    def add_pdq_bulk(self, entry_ids: np.ndarray, bank_ids: np.ndarray, hexes: list[str]) -> None:
        """Index many PDQ entries at once (start-up)."""
        self.add_pdq_arrays(entry_ids, bank_ids, hex_to_hashes(hexes))

    def add_pdq_arrays(
        self, entry_ids: np.ndarray, bank_ids: np.ndarray, hashes: np.ndarray
    ) -> None:
        """Index many PDQ entries given as raw hashes (``uint8[k, 32]``) at once: all the
        hashes of a start-up in one call make one index segment (one probe per query)."""
        with self._lock:
            self._pdq.add(entry_ids, hashes)
            for e, b in zip(entry_ids.tolist(), bank_ids.tolist(), strict=True):
                self._status.set(e, b, ACTIVE)

    def remove(self, entry_id: int) -> None:
        """Stop matching an entry (removed, withdrawn, or its bank deleted)."""
        with self._lock:
            self._remove(entry_id)

    def _remove(self, entry_id: int) -> None:
        bank_id, state = self._status.get(entry_id)
        if not state:
            return
        self._pdq.remove([entry_id])
        if entry_id in self._videos:
            del self._videos[entry_id]
            self._frames.remove([entry_id])
        value = self._exact_of.pop(entry_id, None)
        if value is not None:
            ids = self._exact.get(value, set())
            ids.discard(entry_id)
            if not ids:
                self._exact.pop(value, None)
        self._orb.remove(entry_id)
        self._status.set(entry_id, bank_id, 0)

    def hold(self, entry_id: int, on_hold: bool = True) -> None:
        """Mark an indexed entry as held (it matches, but only for review) or release it."""
        bank_id, state = self._status.get(entry_id)
        if state:
            self._status.set(entry_id, bank_id, with_hold(state, on_hold))

    def set_trust(self, entry_id: int, trust: str) -> None:
        """Change an indexed entry's trust (a moderator confirmed it, say)."""
        bank_id, state = self._status.get(entry_id)
        if state:
            self._status.set(entry_id, bank_id, entry_state(is_held(state), trust))
