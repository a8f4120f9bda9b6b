"""The contract and its judging: the OpenAPI document with its overlays and evidence, what an
answer must be (the SCV rules), and how a check's result is graded (failure or deviation)."""
