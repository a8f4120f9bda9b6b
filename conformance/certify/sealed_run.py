"""`scv-conformance certify`: run the full profile and seal the result in a bundle.

``certify --out DIR`` runs both suites at full depth into a fresh folder, moves it to
``DIR`` and adds ``certificate.json`` and ``MANIFEST`` (``--sign KEY`` adds
``MANIFEST.sig``). ``certify --verify DIR [--key PUB]`` checks a bundle;
``certify --keygen PREFIX`` makes a key pair.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.certify.certificate import FILE_NAME, build_certificate
from conformance.certify.identity import appliance_identity
from conformance.certify.manifest import MANIFEST, SIGNATURE, check_manifest, write_manifest
from conformance.certify.signing import (
    fingerprint,
    generate_keys,
    load_private_key,
    load_public_key,
    sign,
    signature_holds,
)
from conformance.core.errors import ExitCode, UsageError
from conformance.core.settings import Settings
from conformance.reporting.atomic import write_json
from conformance.reporting.diff import load_summary
from conformance.run.plan_options import NOT_REPLAYED, option_words, shown_value
from conformance.run.runner import RunPlan, execute

#: certify's own options: they make the bundle, not the run it holds
CERTIFY_ONLY = frozenset({"out", "sign", "verify", "key", "keygen", "workers"})

PROFILE = "full"


def certify(
    settings: Settings,
    out: str,
    sign_with: str | None,
    workers: int | None,
    replay: Sequence[str] = (),
) -> int:
    """Run, bundle, hash and (optionally) sign; the run's exit code.

    The run writes straight into the bundle, so every path the console and the reports
    name is the bundle's. ``replay``: the ``run`` command line that repeats the run
    against the same target (without its seed, which the run adds).
    """
    bundle = fresh_bundle_path(out)
    key = load_private_key(sign_with) if sign_with else None
    bundle.mkdir(exist_ok=True)
    code = execute(
        settings,
        RunPlan(
            suites=("fuzz", "scenarios"),
            profile=PROFILE,
            workers=workers,
            replay=tuple(replay),
            into=bundle,
        ),
    )
    summary = load_summary(bundle)
    certificate = build_certificate(
        summary,
        appliance_identity(settings, summary),
        settings.allow_destructive,
        embedded=settings.target is None,
    )
    write_json(bundle / FILE_NAME, certificate)
    manifest = write_manifest(bundle)
    lines = [f"certificate bundle: {bundle} (result {certificate['result']})"]
    if key is not None:
        sign(manifest, key)
        lines.append(f"signed {MANIFEST} with key {fingerprint(key.public_key())[:16]}")
    print("\n".join(lines))
    return code


def verify(folder: str, key_path: str | None) -> int:
    """0 when every file matches the MANIFEST (and the signature holds), 1 otherwise."""
    bundle = Path(folder)
    if not (bundle / MANIFEST).is_file():
        raise UsageError(f"certify --verify: {folder} is not a bundle (no {MANIFEST} in it)")
    key = load_public_key(key_path) if key_path else None
    if key is None and (bundle / SIGNATURE).is_file():
        # anyone who edits a bundle can recompute its MANIFEST: only the signature says
        # who made it, so a signed bundle is verified with the signer's key or not at all
        raise UsageError(
            f"certify --verify: {folder} is signed; give --key PUB (the signer's public key) "
            "to check the signature"
        )
    listed, problems = check_manifest(bundle)
    messages = [f"tampered: {problem}" for problem in problems]
    signature = bundle / SIGNATURE
    if key is not None:
        if not signature.is_file():
            messages.append(f"unsigned: {SIGNATURE} is missing")
        elif not signature_holds(bundle / MANIFEST, signature, key):
            messages.append(
                f"bad signature: {SIGNATURE} is not key {fingerprint(key)[:16]}'s "
                f"signature of {MANIFEST}"
            )
    for message in messages:
        print(message, file=sys.stderr)
    if messages:
        return int(ExitCode.FAILURES)
    print(f"ok: {listed} files match {MANIFEST}")
    if key is not None:
        print(f"ok: {MANIFEST} is signed by key {fingerprint(key)[:16]}")
    else:
        print(
            f"note: unsigned bundle: the files are intact, but {MANIFEST} proves nothing "
            "about who made them"
        )
    return int(ExitCode.CONFORMANT)


def replay_of(args: argparse.Namespace) -> tuple[str, ...]:
    """The ``run`` command line that repeats a certification's run against the same target
    (``--config``, ``--target`` and every other option that changes what runs)."""
    words = ["scv-conformance", "run", "--profile", PROFILE]
    for flag, value in option_words(args, NOT_REPLAYED | CERTIFY_ONLY):
        words.append(flag)
        if value is not None:
            words.append(shlex.quote(shown_value(flag, value)))
    return tuple(words)


def keygen(prefix: str) -> int:
    """Make a key pair: PREFIX.key (keep it secret) and PREFIX.pub (give it away)."""
    private_path, public_path = generate_keys(prefix)
    print(f"private key: {private_path} (keep it secret)\npublic key:  {public_path}")
    print(f"fingerprint: {fingerprint(load_public_key(public_path))[:16]}")
    return int(ExitCode.CONFORMANT)


def fresh_bundle_path(out: str, command: str = "certify") -> Path:
    """Where a new bundle goes: ``out``, absent or an empty folder (its parent made)."""
    bundle = Path(out).absolute()
    if bundle.exists() and (not bundle.is_dir() or any(bundle.iterdir())):
        raise UsageError(f"{command}: --out {out} exists and is not an empty folder")
    try:
        bundle.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{command}: cannot create {bundle.parent}: {exc.strerror}") from None
    return bundle
