"""Helpers of the scan tests: a banked database, findings compared across databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rempart.core.banks import BankKind, Provenance
from rempart.core.media_signals import hash_bytes
from rempart.services import banks as bank_service
from rempart.store.sql import open_store


def bank_db(url: str, image: bytes) -> None:
    """A database (migrated) with a bank ``victims`` holding ``image``."""
    store = open_store(url)
    try:
        bank_service.create_bank(store, "victims", BankKind.VICTIM)
        bank_service.add_media(store, "victims", [(Path("banked.jpg"), hash_bytes(image))],
                               Provenance(source="test", labels=("ncii",)))
    finally:
        store.close()


def without_ids(finding: dict[str, Any]) -> dict[str, Any]:
    """A finding without what differs between databases: the scan id, content groups."""
    out = {k: v for k, v in finding.items() if k != "scan_id"}
    out["matches"] = [{k: v for k, v in m.items() if k != "content_group"}
                      for m in finding["matches"]]
    return out
