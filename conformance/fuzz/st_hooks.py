"""``SCHEMATHESIS_HOOKS=conformance.fuzz.st_hooks st run ...``: the SCV checks in a plain run."""

from conformance.fuzz import checks, stateful_checks

REGISTERED = (checks.RESPONSE_CHECKS, stateful_checks.LINKED_RESOURCE)
