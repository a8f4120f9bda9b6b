"""``python -m conformance.emulator``: the same as ``scv-conformance emulate``."""

import sys

from conformance.emulator.cli import main

sys.exit(main())
