"""Bank services: create, list, remove banks; add, remove, import and export their signals.

Modules: ``registry`` (banks), ``signals`` (one by one), ``hash_import``, ``hash_export``.

Files exchanged are hash lists compatible with python-threatexchange:

- CSV with a header naming ``signal_type`` and ``signal_value`` (or threatexchange's
  ``signal_str``; ``dataset --csv`` output reads as is), plus optional metadata columns;
- headerless lines ``signal_type signal_value`` (threatexchange's local file exchange) or
  ``signal_type,signal_value``;
- JSONL: one object per entry, tombstones carrying ``"removed": true``.

Example::

    store = open_store(url)
    create_bank(store, "victims", BankKind.VICTIM)
    with open("hashes.csv") as f:
        import_entries(store, "victims", f, "csv")
"""

from rempart.services.banks.hash_export import (
    CSV_COLUMNS,
    PROVENANCE_FIELDS,
    VICTIM_PORTAL_SOURCE,
    entry_record,
    export_entries,
    export_record,
    without_provenance,
)
from rempart.services.banks.hash_import import FORMATS, import_entries, import_records
from rempart.services.banks.registry import (
    BankSummary,
    create_bank,
    get_bank,
    list_banks,
    remove_bank,
)
from rempart.services.banks.signals import (
    AddedMedia,
    add_media,
    add_signal,
    list_entries,
    remove_entry,
)

__all__ = [
    "CSV_COLUMNS", "FORMATS", "PROVENANCE_FIELDS", "VICTIM_PORTAL_SOURCE", "AddedMedia",
    "BankSummary", "add_media", "add_signal", "create_bank", "entry_record", "export_entries",
    "export_record", "get_bank", "import_entries", "import_records", "list_banks",
    "list_entries", "remove_bank", "remove_entry", "without_provenance",
]
