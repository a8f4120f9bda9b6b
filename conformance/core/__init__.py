"""The run's state, shared by both processes: settings, the run manifest and context (the
target and what may run against it), selection, findings, skips, errors and interruptions."""
