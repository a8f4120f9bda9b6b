"""The parent process of a run: plan, start the embedded emulator, spawn the child pytest
process, show progress and hand its results to the reports."""
