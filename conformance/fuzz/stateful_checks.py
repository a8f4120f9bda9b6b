"""SCV checks that need the walk along links: an id the API handed out must resolve."""

from __future__ import annotations

import schemathesis
from schemathesis import Case, CheckContext, Response

from conformance.fuzz.st_internals import resource_was_deleted

LINKED_RESOURCE = "scv_linked_resource_exists"


@schemathesis.check
def scv_linked_resource_exists(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A read that follows a link from a successful answer finds what that answer named.

    ``backupnow`` answers a ``jobId``; ``getJob`` with that id must not answer 404 (unless
    the resource was deleted in between). Only GET counts: a write may answer 404 for
    another id in its body.
    """
    if response.status_code != 404 or case.method.upper() != "GET":
        return True
    parent = ctx.internals.find_parent(case_id=case.id)
    if parent is None:
        return True
    parent_response = ctx.internals.find_response(case_id=parent.id)
    if parent_response is None or not 200 <= parent_response.status_code < 300:
        return True
    # Which parameters a link supplied: schemathesis 4 has no public accessor for it; its
    # own ensure_resource_availability check reads the same ``Case._override``.
    linked = case._override.path_parameters if case._override is not None else {}
    if not linked:
        return True  # the link's values were not applied: the id was generated, not handed out
    recorder = ctx.internals.recorder
    if recorder is not None and resource_was_deleted(recorder, case, created_by=parent.id):
        return True
    raise AssertionError(
        f"{parent.operation.label} answered {parent_response.status_code} and named "
        f"{dict(linked)}, but {case.operation.label} with it answered 404"
    )
