"""The fuzzing suite: schemathesis over the contract, one pytest item per operation and check."""
