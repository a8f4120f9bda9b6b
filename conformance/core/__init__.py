"""What both processes of a run use: settings, the contract, errors, redaction, the HTTP
clients and the run context (the target and what may run against it)."""
