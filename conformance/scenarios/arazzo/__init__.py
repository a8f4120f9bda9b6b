"""A generic Arazzo 1.0.1 engine: documents, runtime expressions, criteria, the step runner.

Nothing here knows SCV or vCenter; the glue beside it (``conformance.scenarios``) gives it
HTTP clients per source description, job polling and the harness's extensions.
"""
