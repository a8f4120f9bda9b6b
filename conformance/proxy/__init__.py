"""``scv-conformance proxy``: a validating, recording reverse proxy for a client of SCV.

An integration talks to the proxy as it would to the appliance; every request is judged
(:mod:`conformance.client`) and forwarded to a real appliance or to the embedded emulator,
and the session ends in a run folder like every command's.
"""

from conformance.proxy.server import ClientProxy, ProxyVerdict
from conformance.proxy.upstream import Upstream

__all__ = ["ClientProxy", "ProxyVerdict", "Upstream"]
