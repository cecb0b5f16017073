"""Proof of work for anonymous forms (victim registrations, public reports): a signed
challenge ``id.bits.expires.mac`` the browser solves (``static/proof_of_work.js``) and the
server checks, then spends once (the store remembers spent ids).

Example::

    >>> pow_ = ProofOfWork(b"key", bits=4, ttl_seconds=60)
    >>> challenge = pow_.issue(now=1000.0)
    >>> pow_.check(challenge, solve(challenge, 4), now=1010.0)[1].isoformat()
    '1970-01-01T00:17:40+00:00'
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from rempart.services.errors import InvalidArgument

__all__ = ["ProofOfWork", "ProofRejected", "leading_zero_bits", "solve"]


class ProofRejected(Exception):
    """The proof-of-work is malformed, forged, expired, already used or not hard enough."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits ``digest`` starts with.

    >>> leading_zero_bits(bytes([0, 0b0001_0000]))
    11
    """
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


class ProofOfWork:
    """Signed challenges: ``id.bits.expires.mac``; a nonce proves work when
    ``sha256(challenge + nonce)`` starts with ``bits`` zero bits. One use each (the store)."""

    def __init__(self, key: bytes, bits: int, ttl_seconds: int) -> None:
        if not 0 <= bits <= 32:
            raise InvalidArgument("proof-of-work bits must be between 0 and 32")
        self.key = key
        self.bits = bits
        self.ttl = ttl_seconds

    def _mac(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, now: float) -> str:
        body = f"{secrets.token_hex(16)}.{self.bits}.{int(now) + self.ttl}"
        return f"{body}.{self._mac(body)}"

    def check(self, challenge: str, nonce: str, now: float) -> tuple[str, datetime]:
        """(challenge id, expiry) of a valid proof; ProofRejected otherwise (not yet spent)."""
        parts = challenge.split(".")
        if len(parts) != 4 or len(challenge) > 120 or not nonce or len(nonce) > 32 \
                or not nonce.isascii():
            raise ProofRejected("malformed")
        ident, bits, expires, mac = parts
        if not hmac.compare_digest(mac, self._mac(f"{ident}.{bits}.{expires}")):
            raise ProofRejected("forged")
        if not (bits.isdigit() and expires.isdigit()) or int(bits) < self.bits:
            raise ProofRejected("too easy")
        if int(expires) < now:
            raise ProofRejected("expired")
        digest = hashlib.sha256((challenge + nonce).encode()).digest()
        if leading_zero_bits(digest) < int(bits):
            raise ProofRejected("wrong nonce")
        return ident, datetime.fromtimestamp(int(expires), UTC)


def solve(challenge: str, bits: int) -> str:
    """A nonce for ``challenge`` (what the browser does; for tests and API clients)."""
    n = 0
    while True:
        nonce = str(n)
        if leading_zero_bits(hashlib.sha256((challenge + nonce).encode()).digest()) >= bits:
            return nonce
        n += 1
