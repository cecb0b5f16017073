"""The address of the client behind trusted proxies: what rate limits are keyed by.

``X-Forwarded-For`` is read from right to left, and only while each hop is a trusted proxy: the
peer of the TCP connection must be one, then every address a trusted proxy appended is taken
as the next hop, until the first address that is not a trusted proxy — the client. Anything
left of it was written by the client and is ignored, so a client cannot choose its own key.
Values that are not IP addresses end the walk (they are not trusted proxies).

Example::

    >>> trusted = TrustedProxies.parse(["10.0.0.0/8"])
    >>> client_address("10.0.0.2", ["1.2.3.4, 198.51.100.7"], trusted)
    '198.51.100.7'
    >>> client_address("198.51.100.7", ["1.2.3.4"], trusted)   # not from a proxy: ignored
    '198.51.100.7'
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HOPS = 32  # a longer chain is not a real one: stop walking (bounded work per request)


@dataclass(frozen=True)
class TrustedProxies:
    """Networks whose connections may say who the client is (``[]``: nobody)."""

    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, values: Iterable[str]) -> TrustedProxies:
        """Addresses or networks (``10.0.0.2``, ``10.0.0.0/8``, ``::1``); ValueError if not."""
        return cls(tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values))

    def __contains__(self, address: str) -> bool:
        return _trusted(self, address)


@lru_cache(maxsize=4096)
def _trusted(proxies: TrustedProxies, address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in proxies.networks)


def _host(hop: str) -> str:
    """An address without the port or brackets a proxy may have added."""
    hop = hop.strip()
    if hop.startswith("["):
        return hop[1:hop.find("]")] if "]" in hop else hop
    if hop.count(":") == 1:  # IPv4 with a port
        return hop.split(":", 1)[0]
    return hop


def client_address(peer: str | None, forwarded_for: Sequence[str],
                   trusted: TrustedProxies) -> str:
    """The client's address given the TCP peer and the ``X-Forwarded-For`` header values."""
    client = peer or "unknown"
    if not trusted.networks or client not in trusted:
        return client
    hops = [h for value in forwarded_for for h in value.split(",")][-MAX_HOPS:]
    for hop in reversed(hops):
        host = _host(hop)
        if not host:
            continue
        client = host[:64]
        if client not in trusted:
            break
    return client
