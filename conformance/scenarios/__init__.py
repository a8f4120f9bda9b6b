"""Arazzo scenarios: loading, evaluating and running the documented workflows."""
