"""Ed25519 keys and the signature of a MANIFEST (``MANIFEST.sig``, base64).

A private key is a PEM (PKCS#8) file; when it is encrypted, its password comes from
``SCV_SIGNING_KEY_PASSWORD``. A public key is a PEM (SubjectPublicKeyInfo) file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conformance.core.errors import UsageError
from conformance.core.inputs import read_input

PASSWORD_VARIABLE = "SCV_SIGNING_KEY_PASSWORD"


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: how people tell keys apart."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def generate_keys(prefix: str) -> tuple[Path, Path]:
    """Write ``PREFIX.key`` (private, mode 600) and ``PREFIX.pub``; never overwrites."""
    private_path, public_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    for path in (private_path, public_path):
        if path.exists():
            raise UsageError(f"--keygen: {path} exists; not overwriting a key")
        if not path.absolute().parent.is_dir():
            raise UsageError(f"--keygen: no folder {path.parent}")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file; UsageError when it is not one."""
    data = read_input(path, "--sign")
    password = os.environ.get(PASSWORD_VARIABLE)
    try:
        key = serialization.load_pem_private_key(
            data, password=password.encode() if password else None
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise UsageError(f"--sign: {path} is not a usable PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"--sign: {path} is not an Ed25519 key")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file; UsageError when it is not one."""
    data = read_input(path, "--key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise UsageError(f"--key: {path} is not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"--key: {path} is not an Ed25519 public key")
    return key


def sign(manifest: Path, key: Ed25519PrivateKey) -> Path:
    """Write ``MANIFEST.sig`` beside ``manifest``; returns its path."""
    signature = key.sign(manifest.read_bytes())
    path = manifest.with_name(manifest.name + ".sig")
    path.write_text(base64.b64encode(signature).decode("ascii") + "\n", encoding="ascii")
    return path


def signature_holds(manifest: Path, signature: Path, key: Ed25519PublicKey) -> bool:
    """Whether ``signature`` is ``key``'s signature of exactly ``manifest``."""
    try:
        raw = base64.b64decode(signature.read_bytes().strip(), validate=True)
        key.verify(raw, manifest.read_bytes())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
