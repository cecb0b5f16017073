"""The wire formats of hash exchanges, each turned into an
:class:`~rempart.services.exchanges.ExchangeSource` (``stopncii``, ``ncmec``,
``threatexchange``, ``rempart_feed``, ``matrix_policy``), and :func:`source_for`, which picks
one for an exchange with its credentials from the environment.

Example::

    report = service.fetch(name, source_for(service.get(name), os.environ))
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

from rempart.core.exchanges import FEEDBACK_ENV, Exchange, ExchangeKind
from rempart.services.exchanges import ExchangeSource, ExchangeSourceError, FeedbackSink

__all__ = ["feedback_sink_for", "source_for"]
_PYTX = (ExchangeKind.STOPNCII, ExchangeKind.NCMEC)  # kinds read by python-threatexchange


def source_for(exchange: Exchange, environ: Mapping[str, str]) -> ExchangeSource:
    """The source of ``exchange``, its credentials read from ``environ`` (never stored)."""
    variable = exchange.kind.credential_env
    credential = environ.get(variable, "")
    if not credential:
        raise ExchangeSourceError(f"{variable} is not set: the {exchange.kind.value} exchange "
                                  f"{exchange.name!r} takes its credentials from it")
    if exchange.kind in _PYTX and importlib.util.find_spec("threatexchange") is None:
        raise ExchangeSourceError(f"the {exchange.kind.value} client is python-threatexchange's: "
                                  "pip install 'rempart[exchanges]'")
    if exchange.kind is ExchangeKind.STOPNCII:
        from rempart.adapters.exchanges.stopncii import StopNCIIKeys, StopNCIISource

        return StopNCIISource(StopNCIIKeys.parse(credential), exchange.url)
    if exchange.kind is ExchangeKind.NCMEC:
        from rempart.adapters.exchanges.ncmec import NCMECCredentials, NCMECSource

        return NCMECSource(NCMECCredentials.parse(credential), exchange.url)
    if exchange.kind is ExchangeKind.FB_THREATEXCHANGE:
        from rempart.adapters.exchanges.threatexchange import ThreatExchangeSource

        if exchange.url is None:
            raise ExchangeSourceError("a fb_threatexchange exchange needs --url: the privacy "
                                      "group's address (https://graph.facebook.com/v26.0/ID)")
        return ThreatExchangeSource(exchange.url, credential)
    if exchange.kind is ExchangeKind.REMPART:
        from rempart.adapters.exchanges.rempart_feed import RempartFeedSource

        assert exchange.url is not None  # required when added
        return RempartFeedSource(exchange.url, credential)
    if exchange.kind is ExchangeKind.MATRIX_POLICY:
        from rempart.adapters.exchanges.matrix_policy import MatrixPolicySource, allowed_senders

        assert exchange.url is not None  # required when added
        return MatrixPolicySource(exchange.url, credential, allowed_senders(environ))
    raise ExchangeSourceError(f"unknown exchange kind {exchange.kind.value}")


def feedback_sink_for(exchange: Exchange, environ: Mapping[str, str]) -> FeedbackSink:
    """Where ``exchange``'s feedback goes, its keys read from ``environ`` (never stored)."""
    if exchange.kind is not ExchangeKind.STOPNCII:
        raise ExchangeSourceError(f"the {exchange.kind.value} exchange takes no feedback here")
    from rempart.adapters.exchanges.stopncii import StopNCIIFeedbackSink, StopNCIIKeys

    keys, key = environ.get(exchange.kind.credential_env, ""), environ.get(
        FEEDBACK_ENV[exchange.kind], "")
    if not keys or not key:
        raise ExchangeSourceError(f"{exchange.kind.credential_env} and "
                                  f"{FEEDBACK_ENV[exchange.kind]} must be set to send feedback")
    return StopNCIIFeedbackSink(StopNCIIKeys.parse(keys), key, exchange.url)
