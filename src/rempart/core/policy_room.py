"""Confirmed hashes shared as state events of a Matrix policy room, under Rempart's namespace.

One state event per signal: type :data:`POLICY_EVENT_TYPE`, state key :func:`state_key` (the
signal type and a digest of the value: stable, and revealing nothing but the hash), content
``{"signal_type", "value", "labels", "recommendation"}``. A withdrawal replaces the content
with ``{}``, as Matrix policy lists do; a redacted event (content stripped) reads the same.

Example::

    >>> key = state_key("pdq", "ab" * 32)
    >>> key.startswith("pdq:"), len(key)
    (True, 44)
    >>> read_policy(key, {}).signal is None      # a withdrawal
    True
    >>> room_url("https://hs.example/", "#policies:hs.example")
    'https://hs.example/_matrix/client/v3/rooms/%23policies%3Ahs.example'
    >>> split_room_url(room_url("https://hs.example", "!abc:hs.example"))
    ('https://hs.example', '!abc:hs.example')
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from rempart.core.banks import canonical_signal_type, normalize_signal

POLICY_EVENT_TYPE = "org.rempart.policy.hash.v1"
RECOMMENDATIONS = ("block", "review")
SIGNAL_TYPES = ("pdq", "vpdq", "md5", "sha256")  # what an item's primary signal can be
MAX_CONTENT_BYTES = 60_000  # a Matrix event is 65,536 bytes at most, envelope included
ROOMS_PATH = "/_matrix/client/v3/rooms/"
MAX_LABELS, _LABEL = 10, re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,31}$")
PRIVATE_LABELS = frozenset({"victim", "escalate"})
"""Labels that say how an entry came here (a person's own registration, a workflow step):
victim data, never published."""
_ROOM = re.compile(r"^[!#][^\s/]{1,254}$")


def state_key(signal_type: str, value: str) -> str:
    """The state key of a signal: its type and a digest of its normalised value."""
    digest = hashlib.sha256(f"{signal_type}\0{value}".encode()).hexdigest()[:40]
    return f"{signal_type}:{digest}"


def public_labels(labels: Iterable[str]) -> list[str]:
    """The labels that may leave this instance: short tags, no victim data.

    >>> public_labels(["victim", "minor", "ncii", "Jane Doe", "escalate"])
    ['minor', 'ncii']
    """
    out = [label for label in labels if _LABEL.match(label) and label not in PRIVATE_LABELS]
    return list(dict.fromkeys(out))[:MAX_LABELS]


def policy_content(signal_type: str, value: str, labels: Iterable[str],
                   recommendation: str) -> dict[str, Any]:
    """The content of a live policy event."""
    if recommendation not in RECOMMENDATIONS:
        raise ValueError(f"recommendation is one of {', '.join(RECOMMENDATIONS)}")
    return {"signal_type": signal_type, "value": value, "labels": public_labels(labels),
            "recommendation": recommendation}


@dataclass(frozen=True, slots=True)
class PolicySignal:
    """A live policy: the signal, its labels and what the publisher recommends."""

    signal_type: str
    value: str
    labels: tuple[str, ...]
    recommendation: str


@dataclass(frozen=True, slots=True)
class PolicyState:
    """A policy event's state: ``signal`` None for a withdrawal (empty content)."""

    state_key: str
    signal: PolicySignal | None


def read_policy(key: str, content: Any) -> PolicyState:
    """The policy stated by an event of state key ``key``; ValueError (one line) when the
    content is malformed or does not belong under this key."""
    if not isinstance(content, Mapping):
        raise ValueError("content is not an object")
    if not content:
        return PolicyState(key, None)
    kind, value = content.get("signal_type"), content.get("value")
    if not isinstance(kind, str) or not isinstance(value, str):
        raise ValueError("signal_type and value must be strings")
    kind = canonical_signal_type(kind)
    if kind not in SIGNAL_TYPES:
        raise ValueError(f"signal type {kind!r} is not shared here "
                         f"(only {', '.join(SIGNAL_TYPES)})")
    value = normalize_signal(kind, value)
    if state_key(kind, value) != key:
        raise ValueError("the state key does not match the signal")
    recommendation = content.get("recommendation")
    if recommendation not in RECOMMENDATIONS:
        raise ValueError(f"recommendation must be one of {', '.join(RECOMMENDATIONS)}")
    labels = content.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ValueError("labels must be a list of strings")
    return PolicyState(key, PolicySignal(kind, value, tuple(public_labels(labels)),
                                         str(recommendation)))


def check_room(room: str) -> str:
    """``room`` if it looks like a room id (``!id[:server]``) or alias (``#name:server``).

    >>> check_room("#policies:example.org")
    '#policies:example.org'
    """
    if not _ROOM.match(room) or (room.startswith("#") and ":" not in room):
        raise ValueError(f"invalid room {room!r}: expected !id:server or #alias:server")
    return room


def room_url(homeserver: str, room: str) -> str:
    """The address of ``room`` on ``homeserver`` (how a matrix_policy exchange stores it)."""
    return homeserver.rstrip("/") + ROOMS_PATH + quote(check_room(room), safe="")


def split_room_url(url: str) -> tuple[str, str]:
    """``(homeserver, room)`` of a :func:`room_url`; ValueError otherwise."""
    homeserver, sep, room = url.partition(ROOMS_PATH)
    if not sep or not homeserver or "/" in room:
        raise ValueError("a matrix_policy exchange's URL is HOMESERVER"
                         f"{ROOMS_PATH}ROOM (give --url HOMESERVER --room ROOM)")
    return homeserver, check_room(unquote(room))
