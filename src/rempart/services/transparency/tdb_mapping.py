"""Rempart's decisions as Transparency Database statements (DSA art. 17 and 24(5)), the
schema in force since 1 July 2025: one place that says which field comes from where.

- The fields come from the decision's stored ``StatementOfReasons`` (validated when decided
  against the database's enumerations: ``decision_visibility``, ``category``,
  ``content_type``, ``source_type``, ``automated_decision``, ``territorial_scope``…) and
  ``StatementOfReasons.to_tdb`` writes them as the API takes them (``"Yes"``/``"No"``, ISO
  dates, empty fields left out).
- The action of the decision must agree: a removal states ``CONTENT_REMOVED``, an account
  suspension ``decision_account``.
- ``puid`` is a keyed digest of the decision's id (:func:`puid_for`): unique, stable,
  revealing neither the case number nor how many notices came.
- No personal data leaves: ``source_identity`` (the notifier) is never sent, and a free-text
  field quoting the notice's contact, links or place, an e-mail address, a phone number or a
  Telegram link refuses the statement here, before it is sent (:class:`PrivateData`).
  Nothing about media (hashes, files) is in a statement.

Example::

    >>> puid_for(b"key", 12)
    'rmp-e491247a027b01b201f02f68df7560d21a1323ba'
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rempart.core.workflow import Action, StatementOfReasons, WorkflowError
from rempart.services.errors import RempartError

FREE_TEXT = ("decision_facts", "illegal_content_legal_ground", "illegal_content_explanation",
             "incompatible_content_ground", "incompatible_content_explanation",
             "decision_visibility_other", "content_type_other", "category_specification_other")
NEVER_SENT = frozenset({"source_identity"})
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?:\+|\b0)\d(?:[ .-]?\d){7,13}\b")
_TELEGRAM = re.compile(r"(?i)\b(?:t\.me|telegram\.me|telegram\.dog)/")


class InvalidTdbStatement(RempartError):
    """The stored statement does not fit the database's schema or its decision."""


class PrivateData(InvalidTdbStatement):
    """A statement's free text carries personal data; it is not sent."""


def puid_for(key: bytes, decision_id: int) -> str:
    """The platform unique id of a decision's statement: ``rmp-`` and 40 hex digits."""
    digest = hmac.new(key, f"tdb-statement:{decision_id}".encode(), hashlib.sha256)
    return "rmp-" + digest.hexdigest()[:40]


def check_private(values: Mapping[str, Any], private: Sequence[str]) -> None:
    """PrivateData when a free-text field holds personal data (fixed patterns; the notice's
    own values compared as plain text, never as patterns)."""
    for name in FREE_TEXT:
        text = values.get(name)
        if not isinstance(text, str) or not text:
            continue
        folded = text.casefold()
        if any(len(p.strip()) >= 3 and p.strip().casefold() in folded for p in private):
            raise PrivateData(f"{name} quotes the notice's contact, link or place")
        for what, pattern in (("an e-mail address", _EMAIL), ("a phone number", _PHONE),
                              ("a Telegram link", _TELEGRAM)):
            if pattern.search(text):
                raise PrivateData(f"{name} holds {what}")


def tdb_statement(statement: Mapping[str, Any], action: Action, puid: str,
                  private: Sequence[str] = ()) -> dict[str, Any]:
    """The JSON object the Transparency Database takes for one decision."""
    try:
        sor = StatementOfReasons.from_json(
            {k: v for k, v in statement.items() if k not in NEVER_SENT})
        sor.fits(action)
        body = sor.to_tdb(puid)
    except WorkflowError as e:
        raise InvalidTdbStatement(str(e)) from None
    check_private(body, private)
    return body
