"""Evidence packages as JSON: what every package has (reference, registered items, the legal
part), the moderators' timeline, and HTML-inert bytes.

Example::

    data = inert_json_bytes(moderator_json(package))
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from rempart.core.evidence import (
    SCHEMA,
    ModeratorEvidence,
    RegisteredItem,
    SuggestedOffence,
    TimelineEntry,
)
from rempart.core.evidence_law import (
    ADVICE,
    CONSTAT,
    DISCLAIMER,
    VERIFY,
    WHERE_TO_FILE,
    Language,
    localized,
)


def entry_json(e: TimelineEntry) -> dict[str, Any]:
    """A timeline entry of the moderators' package as JSON."""
    return {
        "ref": e.ref, "origin": e.origin, "finding_id": e.finding_id,
        "review_item_id": e.review_id, "review": e.review, "scan_id": e.scan_id,
        "platform": e.platform,
        "chat": {"name": e.chat_name, "type": e.chat_type, "id": e.chat_id},
        "message_id": e.message_id, "link": e.link,
        "date": e.date_json(),
        "sender": {"name": e.sender_name, "id": e.sender_id},
        "forwarded_from": e.forwarded_from,
        "text": e.text,
        "neighbours": None if e.neighbours is None else [
            {"message_id": n.message_id, "date_utc": n.date_utc,
             "sender": {"name": n.sender_name, "id": n.sender_id}, "text": n.text}
            for n in e.neighbours],
        "media": None if e.media_kind is None and e.media_sha256 is None else {
            "kind": e.media_kind, "path_in_export": e.media_path, "sha256": e.media_sha256,
            "problem": e.media_problem},
        "matches": [{"bank": m.bank, "signal": m.signal, "distance": m.distance,
                     "content_group": m.content_group, "labels": list(m.labels)}
                    for m in e.matches],
        "text_labels": list(e.text_labels),
        "links": list(e.links),
    }


def registered_json(items: Iterable[RegisteredItem]) -> list[dict[str, Any]]:
    """The victim's registered items (her own signals) as JSON."""
    return [{"number": r.number, "registered_at": r.registered_at.isoformat(),
             "withdrawn_at": r.withdrawn_at.isoformat() if r.withdrawn_at else None,
             "sha256": r.sha256, "md5": r.md5, "pdq": r.pdq} for r in items]


def law_json(offences: Iterable[SuggestedOffence], lang: Language) -> dict[str, Any]:
    """The legal part both packages share: offences, where to file, constat, how to verify."""
    return {
        "offences": [{"article": f"Code pénal {s.offence.article}",
                      "title": localized(s.offence.title, lang),
                      "summary": localized(s.offence.summary, lang),
                      "maximum_penalties": localized(s.offence.penalties, lang),
                      "suggested": s.suggested, "because": list(s.reasons)}
                     for s in offences],
        "legal_notice": localized(DISCLAIMER, lang),
        "where_to_file": [{"where": localized(w, lang), "how": localized(h, lang)}
                          for w, h in WHERE_TO_FILE],
        "advice": localized(ADVICE, lang),
        "constat_checklist": [localized(c, lang) for c in CONSTAT],
        "how_to_verify": [{"what": localized(w, lang), "how": localized(h, lang)}
                          for w, h in VERIFY],
    }


def stamp(moment: datetime) -> str:
    """An instant as ``YYYY-MM-DDTHH:MM:SS…Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class PackageFacts(Protocol):
    """What every evidence package has, whoever it is for."""

    @property
    def reference(self) -> str: ...
    @property
    def language(self) -> Language: ...
    @property
    def generated_at(self) -> datetime: ...
    @property
    def tool(self) -> str: ...
    @property
    def registered(self) -> tuple[RegisteredItem, ...]: ...
    @property
    def offences(self) -> tuple[SuggestedOffence, ...]: ...


def package_fields(schema: str, pkg: PackageFacts, audience: Mapping[str, Any],
                 body: Mapping[str, Any]) -> dict[str, Any]:
    """A package as a JSON-ready dict: what every package has, around its own ``body``."""
    return {
        "schema": schema,
        "reference": pkg.reference,
        "language": pkg.language,
        "generated_at": stamp(pkg.generated_at),
        "tool": pkg.tool,
        "audience": dict(audience),
        "contains_media": False,
        "registered_items": registered_json(pkg.registered),
        **body,
        **law_json(pkg.offences, pkg.language),
    }


def moderator_json(pkg: ModeratorEvidence) -> dict[str, Any]:
    """The moderators' package as a JSON-ready dict (schema ``rempart.evidence/1``)."""
    audience = {"kind": pkg.audience.kind, "case_number": pkg.audience.case_number,
                "requested_by": pkg.audience.requested_by}
    return package_fields(SCHEMA, pkg, audience,
                        {"timeline": [entry_json(e) for e in pkg.entries]})


def inert_json_bytes(data: Mapping[str, Any]) -> bytes:
    """Deterministic, HTML-inert UTF-8 JSON (``<``, ``>``, ``&`` as ``\\u003c``…)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return (text + "\n").encode()
