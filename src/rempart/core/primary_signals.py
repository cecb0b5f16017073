"""Which signals of one media item are its own (primary) and which are derived from it.

A photo banked here yields its PDQ plus rotations, mirrors, region crops, an ORB descriptor
and its file hashes. A partner matching whole images against a region crop's PDQ gets false
matches, so exports send the primary signal of each item unless derived ones are asked for,
and then label them.

Primary, per content group: the PDQ without a ``variant`` and the vPDQ; failing those, the
md5; failing that, every other signal that is neither a variant nor an ORB descriptor.

Example::

    >>> derived_label("pdq", {"variant": "rot90"}, has_perceptual=True, has_md5=True)
    'rot90'
    >>> derived_label("md5", {}, has_perceptual=False, has_md5=True) is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rempart.core.banks import BankEntry

FILE_HASH = "file-hash"
"""Label of an exact hash (md5, sha256) of an item that has a perceptual hash."""
_EXACT = ("md5", "sha256")


def _variant(metadata: Mapping[str, Any]) -> str | None:
    variant = metadata.get("variant")
    return str(variant) if variant else None


def derived_label(signal_type: str, metadata: Mapping[str, Any], *, has_perceptual: bool,
                  has_md5: bool) -> str | None:
    """None for a primary signal, else why it is derived (the variant, ``orb``, ``file-hash``)."""
    variant = _variant(metadata)
    if variant is not None:
        return variant
    if signal_type == "orb":
        return "orb"
    if signal_type in ("pdq", "vpdq"):
        return None
    if has_perceptual:
        return FILE_HASH if signal_type in _EXACT else signal_type
    if has_md5 and signal_type != "md5":
        return FILE_HASH if signal_type in _EXACT else signal_type
    return None


def derived_labels(group: Sequence[BankEntry]) -> list[str | None]:
    """:func:`derived_label` of each entry of one content group, in order."""
    perceptual = any(e.signal_type in ("pdq", "vpdq") and _variant(e.provenance.metadata) is None
                     for e in group)
    md5 = any(e.signal_type == "md5" for e in group)
    return [derived_label(e.signal_type, e.provenance.metadata, has_perceptual=perceptual,
                          has_md5=md5) for e in group]
