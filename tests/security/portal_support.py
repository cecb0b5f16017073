"""What an attacker's browser does on the victim portal: compute signals on the device and
register them (proof of work and CSRF solved), shared by the security tests.

Example::

    body = register(client, [device_signals(photo_bytes(1, (480, 360)))])
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import numpy as np
from PIL import Image
from web_support import WebClient

from rempart.core.signals.pdq import pdq_dihedral
from rempart.services.proof_of_work import solve


def device_signals(data: bytes) -> dict[str, Any]:
    """What the portal's page computes on the device: SHA-256, PDQ and its variants."""
    with Image.open(io.BytesIO(data)) as im:
        rgb = np.asarray(im.convert("RGB"), np.uint8)
    first, variants = pdq_dihedral(rgb)
    return {"sha256": hashlib.sha256(data).hexdigest(), "pdq": first.hash,
            "pdq_quality": first.quality, "variants": {v.variant: v.hash for v in variants}}


def register(client: WebClient, items: list[dict[str, Any]], minor: bool = False) -> Any:
    """POST /protect/register with a solved proof of work; the raw response."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/protect").text)
    assert token
    got = client.get("/protect/challenge").json()
    return client.post("/protect/register", json={
        "challenge": got["challenge"], "nonce": solve(got["challenge"], got["bits"]),
        "items": items, "minor": minor}, headers={"X-CSRF-Token": token.group(1)})
