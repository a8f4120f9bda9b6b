"""scv-conformance: contract tests and conformance runs for the SCV REST API."""

__version__ = "0.1.0"
