"""Errors of the scenario suite."""

from __future__ import annotations

from conformance.core.errors import ConfigError


class ScenarioDocumentError(ConfigError):
    """A scenario document that cannot be used: one line naming the file and the problem."""
