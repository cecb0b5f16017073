"""The client address behind trusted proxies: a client cannot choose its own key."""

from __future__ import annotations

import pytest

from rempart.core.client_address import MAX_HOPS, TrustedProxies, client_address

PROXIES = TrustedProxies.parse(["10.0.0.0/8", "::1", "127.0.0.1"])


@pytest.mark.parametrize(("peer", "headers", "expected"), [
    ("198.51.100.7", [], "198.51.100.7"),  # no proxy
    ("198.51.100.7", ["1.2.3.4"], "198.51.100.7"),  # not from a proxy: the header is a lie
    ("10.0.0.2", ["198.51.100.7"], "198.51.100.7"),  # one proxy
    ("10.0.0.2", ["1.2.3.4, 198.51.100.7"], "198.51.100.7"),  # spoofed hop left of the real
    ("10.0.0.2", ["1.2.3.4", "198.51.100.7, 10.0.0.3"], "198.51.100.7"),  # two proxies, 2 lines
    ("10.0.0.2", ["10.9.9.9, 198.51.100.7"], "198.51.100.7"),  # a trusted-looking spoof
    ("10.0.0.2", ["198.51.100.7:5123"], "198.51.100.7"),  # a port
    ("10.0.0.2", ["[2001:db8::7]:443"], "2001:db8::7"),
    ("10.0.0.2", ["not-an-ip"], "not-an-ip"),  # garbage ends the walk, as itself
    ("10.0.0.2", [""], "10.0.0.2"),
    ("::ffff:10.0.0.2", ["198.51.100.7"], "198.51.100.7"),  # IPv4-mapped proxy
    (None, ["198.51.100.7"], "unknown"),
])
def test_client_address(peer: str | None, headers: list[str], expected: str) -> None:
    assert client_address(peer, headers, PROXIES) == expected


def test_nobody_trusted_means_the_peer() -> None:
    assert client_address("127.0.0.1", ["1.2.3.4"], TrustedProxies.parse([])) == "127.0.0.1"


def test_long_chains_are_bounded() -> None:
    chain = ", ".join(f"10.0.{n // 250}.{n % 250}" for n in range(10_000))
    found = client_address("10.0.0.2", ["198.51.100.7, " + chain], PROXIES)
    assert found.startswith("10.")  # only the last MAX_HOPS hops were read
    assert MAX_HOPS < 10_000


def test_bad_configuration_is_an_error() -> None:
    with pytest.raises(ValueError):
        TrustedProxies.parse(["10.0.0.0/33"])
