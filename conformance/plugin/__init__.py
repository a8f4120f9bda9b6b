"""The child process's pytest glue: the run context, progress events, scheduling and the
Allure labels of every item."""
