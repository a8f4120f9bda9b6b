"""The options every sealed bundle takes (``certify``, ``certify-client``), declared once."""

from __future__ import annotations

import argparse
from typing import Any


def add_bundle_arguments(
    parser: argparse.ArgumentParser, making: Any = None, verifying: Any = None
) -> None:
    """``--out`` and ``--sign`` (into ``making``), ``--verify`` and ``--key`` (into
    ``verifying``): argument groups of ``parser``, or ``parser`` itself when not given."""
    making = making or parser
    verifying = verifying or parser
    making.add_argument("--out", default=None, metavar="DIR", help="where to write the bundle")
    making.add_argument(
        "--sign",
        default=None,
        metavar="KEY",
        help="sign its MANIFEST with this Ed25519 private key (PEM; --keygen makes one)",
    )
    verifying.add_argument(
        "--verify", default=None, metavar="DIR", help="check a bundle instead of making one"
    )
    verifying.add_argument(
        "--key", default=None, metavar="PUB", help="with --verify: the signer's public key"
    )
