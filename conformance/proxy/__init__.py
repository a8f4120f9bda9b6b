"""``scv-conformance proxy``: a validating, recording reverse proxy for a client of SCV.

An integration talks to the proxy as it would to the appliance; every request is judged
(:mod:`conformance.client`) and forwarded to a real appliance or to the embedded emulator,
and the session ends in a run folder like every command's. The programmatic entry point is
:class:`conformance.proxy.server.ClientProxy` with an
:class:`conformance.proxy.upstream.Upstream`; this package imports neither, so that the
command line, which reads only :mod:`conformance.proxy.options`, does not pay for them.
"""
