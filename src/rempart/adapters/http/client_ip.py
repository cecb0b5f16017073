"""The client address of a request, behind the configured trusted proxies
(``http.trusted_proxies``; see :mod:`rempart.core.client_address`).

Example::

    client_ip(request)       # '198.51.100.7'
"""

from __future__ import annotations

from functools import lru_cache

from starlette.requests import HTTPConnection

from rempart.core.client_address import TrustedProxies, client_address


@lru_cache(maxsize=16)
def _trusted(values: tuple[str, ...]) -> TrustedProxies:
    return TrustedProxies.parse(values)


def client_ip(request: HTTPConnection) -> str:
    """The address rate limits key this request by."""
    backend = request.app.state.backend
    trusted = _trusted(tuple(backend.settings.http.trusted_proxies))
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)
