"""An evidence package is one of two typed views, rendered by the same ZIP, PDF and JSON code:
``VictimEvidence`` (a case holder's: confirmed sightings, complaint fields only) or
``ModeratorEvidence`` (moderators': every stored fact). Each view has its own JSON schema.

Example::

    data = package_json_bytes(package)   # HTML-inert JSON of either view
"""

from __future__ import annotations

from typing import Any

from rempart.core.evidence import SCHEMA, ModeratorEvidence
from rempart.core.evidence_json import inert_json_bytes, moderator_json
from rempart.core.evidence_victim import VICTIM_SCHEMA, VictimEvidence, victim_json

EvidencePackage = ModeratorEvidence | VictimEvidence

__all__ = ["EvidencePackage", "ModeratorEvidence", "VictimEvidence", "package_json",
           "package_json_bytes", "schema_of"]


def schema_of(pkg: EvidencePackage) -> str:
    """``rempart.evidence.victim/1`` for a victim's package, ``rempart.evidence/1`` otherwise."""
    return VICTIM_SCHEMA if isinstance(pkg, VictimEvidence) else SCHEMA


def package_json(pkg: EvidencePackage) -> dict[str, Any]:
    """The package as a JSON-ready dict, each view by its own function."""
    return victim_json(pkg) if isinstance(pkg, VictimEvidence) else moderator_json(pkg)


def package_json_bytes(pkg: EvidencePackage) -> bytes:
    """Deterministic, HTML-inert UTF-8 JSON of the package."""
    return inert_json_bytes(package_json(pkg))
