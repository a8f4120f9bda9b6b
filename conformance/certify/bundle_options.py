"""The options every sealed bundle takes (``certify``, ``certify-client``), declared once."""

from __future__ import annotations

import argparse


def add_bundle_arguments(parser: argparse.ArgumentParser) -> None:
    """``--out``, ``--sign``, ``--verify`` and ``--key``."""
    parser.add_argument("--out", default=None, metavar="DIR", help="where to write the bundle")
    parser.add_argument("--sign", default=None, metavar="KEY", help="Ed25519 private key (PEM)")
    parser.add_argument(
        "--verify", default=None, metavar="DIR", help="check a bundle instead of making one"
    )
    parser.add_argument(
        "--key", default=None, metavar="PUB", help="with --verify: the signer's public key"
    )
