"""The child process's pytest glue: :mod:`conformance.child.main` is the one plugin the
child loads; it reads the run manifest (:mod:`.context`) and registers progress events
(:mod:`.progress`), scheduling (:mod:`.scheduling`), the Allure labels (:mod:`.labels`) and
the suites' plugins."""
