"""``scv-conformance proxy``: a validating, recording reverse proxy for a client of SCV.

An integration talks to the proxy as it would to the appliance; every request is judged
(:mod:`conformance.client`) and forwarded to a real appliance or to the embedded emulator,
and the session ends in a run folder like every command's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.proxy.server import ClientProxy, ProxyVerdict
    from conformance.proxy.upstream import Upstream

__all__ = ["ClientProxy", "ProxyVerdict", "Upstream"]


def __getattr__(name: str) -> Any:
    """The public names, imported on first use: the command line reads only the options
    module of this package, and must not pay for uvicorn and the judgement to do so."""
    if name in ("ClientProxy", "ProxyVerdict"):
        from conformance.proxy import server

        return getattr(server, name)
    if name == "Upstream":
        from conformance.proxy.upstream import Upstream

        return Upstream
    raise AttributeError(name)
