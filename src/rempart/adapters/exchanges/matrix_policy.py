"""A Matrix policy room followed as a bank (``--kind matrix_policy``): the room's
``org.rempart.policy.hash.v1`` state events, read with ``REMPART_MATRIX_TOKEN``.

The room's timeline is paged forwards (``/messages?dir=f``, only policy events, ``page_size``
events a page, at most ``max_pages`` pages a fetch), never its whole state at once: a room of
10^6 policies costs one page of memory, and a fetch stopped at a limit goes on from the
checkpoint (``{"room_id", "from"}``). The alias is resolved once, at the first fetch, and the
room id pinned: moving the alias later does not move the exchange to another room.

Trust: Synapse lets only members with the power to send the event type write policies; the
follower checks it again against the room's current power levels (a member since demoted is
no longer believed) and, when ``REMPART_MATRIX_POLICY_SENDERS`` is set (comma-separated Matrix
ids), believes those senders only. An event of anyone else is reported and ignored.

Example::

    source = MatrixPolicySource(exchange.url, token, allowed=frozenset())
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from rempart.adapters.matrix_bot.policy_room import PolicyRoomClient
from rempart.adapters.matrix_bot.powers import Powers
from rempart.core.exchanges import FetchedSignal, FetchLimits, SourcePage
from rempart.core.policy_room import POLICY_EVENT_TYPE, PolicyState, read_policy, split_room_url
from rempart.services.exchanges import ExchangeSourceError

SENDERS_ENV = "REMPART_MATRIX_POLICY_SENDERS"
REDACTION = "m.room.redaction"
MAX_PAGE_EVENTS = 1000  # what a homeserver gives in one /messages answer at most
_SHOWN = 80


def allowed_senders(environ: Mapping[str, str]) -> frozenset[str]:
    """The senders named in ``REMPART_MATRIX_POLICY_SENDERS`` (empty: no allowlist).

    >>> sorted(allowed_senders({SENDERS_ENV: "@a:hs, @b:hs,"}))
    ['@a:hs', '@b:hs']
    """
    return frozenset(s.strip() for s in environ.get(SENDERS_ENV, "").split(",") if s.strip())


class MatrixPolicySource:
    """An :class:`~rempart.services.exchanges.ExchangeSource` reading a policy room."""

    def __init__(self, url: str, token: str, allowed: frozenset[str] = frozenset(),
                 transport: httpx.BaseTransport | None = None) -> None:
        self.homeserver, self.room = split_room_url(url)
        self._token = token
        self.allowed = allowed
        self._transport = transport

    def __repr__(self) -> str:  # never the token
        return f"MatrixPolicySource({self.homeserver!r}, {self.room!r})"

    def pages(self, checkpoint: Mapping[str, Any] | None, limits: FetchLimits,
              deadline: float) -> Iterator[SourcePage]:
        checkpoint = checkpoint or {}
        with PolicyRoomClient(self.homeserver, self._token, limits, deadline,
                              self._transport) as client:
            room_id = checkpoint.get("room_id")
            if not isinstance(room_id, str):  # the first fetch: join (a no-op for a member;
                room_id = client.join(self.room)  # an invitation if private), pin the id
            powers = _powers(client, room_id)
            since = checkpoint.get("from")
            since = since if isinstance(since, str) else None
            limit = min(limits.page_size, MAX_PAGE_EVENTS)
            while True:
                data = client.messages(room_id, since, limit, [POLICY_EVENT_TYPE, REDACTION])
                chunk, end = data.get("chunk"), data.get("end")
                if not isinstance(chunk, list) or (end is not None and not isinstance(end, str)):
                    raise ExchangeSourceError("the homeserver sent a page without chunk")
                signals, withdrawn, errors = self._read(
                    [_current(client, room_id, e) for e in chunk], powers)
                more = end is not None and end != since
                yield SourcePage(signals, {"room_id": room_id, "from": end or since}, more,
                                 errors, withdrawn_ids=withdrawn)
                if not more:
                    return
                since = end

    def _read(self, chunk: list[Any], powers: Powers
              ) -> tuple[list[FetchedSignal], list[str], list[str]]:
        latest: dict[str, PolicyState] = {}  # the last word on each state key wins
        errors: list[str] = []
        needed = powers.event(POLICY_EVENT_TYPE, True)
        for event in chunk:
            if not isinstance(event, dict) or event.get("type") != POLICY_EVENT_TYPE:
                continue
            shown = str(event.get("event_id"))[:_SHOWN]
            key, sender = event.get("state_key"), event.get("sender")
            if not isinstance(key, str) or not isinstance(sender, str):
                errors.append(f"event {shown}: not a state event: ignored")
                continue
            if powers.user(sender) < needed or (self.allowed and sender not in self.allowed):
                errors.append(f"event {shown}: {sender[:_SHOWN]} may not publish policies "
                              "here: ignored")
                continue
            try:
                state = read_policy(key, event.get("content"))
            except ValueError as e:
                errors.append(f"event {shown}: {e}")
                continue
            latest.pop(key, None)
            latest[key] = state
        signals = [FetchedSignal(key, s.signal.signal_type, s.signal.value,
                                 labels=(*s.signal.labels,
                                         f"recommendation:{s.signal.recommendation}"))
                   for key, s in latest.items() if s.signal is not None]
        withdrawn = [key for key, s in latest.items() if s.signal is None]
        return signals, withdrawn, errors


def _current(client: PolicyRoomClient, room_id: str, event: Any) -> Any:
    """A policy event as is; for the redaction of a policy event, the policy's current state
    (its content stripped when the redacted event was the current one), judged by the trust
    of the redaction's sender."""
    if not isinstance(event, dict) or event.get("type") != REDACTION:
        return event
    content = event.get("content")
    target = (content.get("redacts") if isinstance(content, dict) else None) or event.get(
        "redacts")
    redacted = client.event(room_id, target) if isinstance(target, str) else None
    if redacted is None or redacted.get("type") != POLICY_EVENT_TYPE:
        return None  # not a policy's: nothing to do
    key = redacted.get("state_key")
    state = client.state_event(room_id, POLICY_EVENT_TYPE, key) if isinstance(
        key, str) else None
    return {"type": POLICY_EVENT_TYPE, "event_id": event.get("event_id"), "state_key": key,
            "sender": event.get("sender"), "content": (state or {}).get("content", {})}


def _powers(client: PolicyRoomClient, room_id: str) -> Powers:
    events = [e for e in (client.state_event(room_id, "m.room.power_levels"),
                          client.state_event(room_id, "m.room.create")) if e is not None]
    return Powers.of_state([{**e, "state_key": ""} for e in events])
