"""From one scanned message (or file) to the findings stored and printed for it.

The rule: a message yields findings only when it carries something —

- a media that matched a bank, or a media that could not be read or hashed (the exporter's
  placeholders such as "File not included", a missing file, a path refused because it leaves
  the export folder, a decoding error): one finding per such media. Thumbnails are hashed
  (a thumbnail can match a banked video) but a missing thumbnail is not a finding;
- a text (or caption) with a label, or links (invites, chats, mentions, other URLs): these go
  on the message's first finding, or on a finding of their own (``media`` then describes the
  message's first media, if any, else ``null``).

Every other message is only counted. A finding's key (input, chat, message, media path) is
unique within a scan, so processing a message twice stores it once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from rempart.core.items import Item, MediaRef
from rempart.core.text import TextVerdict
from rempart.core.verdict import Verdict
from rempart.store.scan_interface import FindingRow

EXCERPT_CHARS = 2000  # spans index the text from its start: keep the start


def media_record(ref: MediaRef, outcome: Verdict | None) -> dict[str, Any]:
    """The ``media`` object of a finding: path, kind and sha256, or why it was not read."""
    error: str | None
    if outcome is None:
        error = ref.problem or "unreadable"
        if ref.problem_detail:
            error += f": {ref.problem_detail}"
    else:
        error = outcome.error
    return {"path": ref.path, "kind": ref.kind, "mime_type": ref.mime_type,
            "sha256": None if outcome is None else outcome.sha256,
            "media_kind": None if outcome is None else outcome.kind,
            "problem": ref.problem, "error": error}


def finding_key(input_path: str, item: Item, media_path: str | None) -> str:
    """sha256 of (input, chat id, message id, media path): the finding's identity in a scan."""
    loc = item.location
    parts = (input_path, str(loc.chat_id), str(loc.message_id), loc.path or "",
             media_path or "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def message_findings(scan_id: str, input_path: str, item: Item,
                     outcomes: Sequence[Verdict | None],
                     verdict: TextVerdict | None) -> list[FindingRow]:
    """The findings of one item; ``outcomes[i]`` is ``item.media[i]``'s (``None``: unread)."""
    worth: list[tuple[MediaRef, Verdict | None]] = []
    for ref, outcome in zip(item.media, outcomes, strict=True):
        if outcome is not None and (outcome.matches or outcome.error):
            worth.append((ref, outcome))
        elif outcome is None and ref.kind != "thumbnail":
            worth.append((ref, None))
    message_level = bool(item.links) or (verdict is not None and verdict.harmful)
    if message_level and not worth:
        first = (item.media[0], outcomes[0]) if item.media else None
        return [_row(scan_id, input_path, item, first, with_message=True, verdict=verdict)]
    return [_row(scan_id, input_path, item, pair, with_message=n == 0, verdict=verdict)
            for n, pair in enumerate(worth)]


def _row(scan_id: str, input_path: str, item: Item,
         media: tuple[MediaRef, Verdict | None] | None, *, with_message: bool,
         verdict: TextVerdict | None) -> FindingRow:
    loc = item.location
    matches = () if media is None or media[1] is None else media[1].matches
    text = item.text if with_message and item.text else None
    finding: dict[str, Any] = {
        "scan_id": scan_id,
        "input": input_path,
        "source": loc.to_json(),
        "media": None if media is None else media_record(*media),
        "matches": [m.to_json() for m in matches],
        "text": verdict.to_json() if with_message and verdict is not None else None,
        "links": [x.to_json() for x in item.links] if with_message else [],
        "text_excerpt": None if text is None else text[:EXCERPT_CHARS],
        "raw_type": item.raw_type,
    }
    contents = tuple(m.item_key for m in matches)
    return FindingRow(
        key=finding_key(input_path, item, None if media is None else media[0].path),
        input=input_path, finding=finding, chat_id=loc.chat_id, message_id=loc.message_id,
        date_utc=loc.date_utc, contents=contents)
