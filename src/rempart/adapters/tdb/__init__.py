"""The EU Transparency Database's API (DSA art. 24(5)): :class:`TdbClient`, a
:class:`~rempart.services.transparency.StatementSink`, and :func:`tdb_client_for`, which
reads its token from the environment (``REMPART_TDB_TOKEN``, never stored, never logged).

Example::

    client = tdb_client_for(os.environ, "https://transparency.dsa.ec.europa.eu")
"""

from __future__ import annotations

from collections.abc import Mapping

from rempart.adapters.tdb.client import PRODUCTION_URL, TOKEN_ENV, TdbClient
from rempart.services.transparency import TdbUnavailable

__all__ = ["PRODUCTION_URL", "TOKEN_ENV", "TdbClient", "tdb_client_for"]


def tdb_client_for(environ: Mapping[str, str], url: str) -> TdbClient:
    """A client of the database at ``url`` (production or the sandbox given at onboarding)
    with the token of ``environ``."""
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise TdbUnavailable(f"{TOKEN_ENV} is not set: the Transparency Database token comes "
                             "from it")
    return TdbClient(url, token)
