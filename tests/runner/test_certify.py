"""`certify`: the bundle, its certificate and MANIFEST, signing, and catching tampering."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from conformance import __version__
from conformance.certify.manifest import MANIFEST, SIGNATURE, write_manifest
from conformance.cli import main
from tests.runner.conftest import use_fakes
from tests.runner.emulators import emulator

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def signed_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A signed bundle of a run of the stand-in suites 'known' (two known failures)."""
    monkeypatch = pytest.MonkeyPatch()
    try:
        use_fakes(monkeypatch, "known")
        base = tmp_path_factory.mktemp("certify")
        assert main(["certify", "--keygen", str(base / "lab")]) == 0
        bundle = base / "bundle"
        code = main(
            [
                "certify",
                "--out",
                str(bundle),
                "--sign",
                str(base / "lab.key"),
                "--seed",
                "11",
                "--report-dir",
                str(base / "unused"),
            ]
        )
    finally:
        monkeypatch.undo()
    assert code == 1  # the run had conformance failures; the bundle says so
    return bundle, base / "lab.pub", base


def test_certificate_names_the_appliance_as_it_reports_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    use_fakes(monkeypatch, "clean")
    certs = tmp_path / "certs"
    with emulator("--cert-dir", str(certs), "--appliance-version", "5.0", tls=True) as lab:
        code = main(
            [
                "certify",
                "--out",
                str(tmp_path / "bundle"),
                "--target",
                lab.base_url,
                "--username",
                lab.username,
                "--password",
                lab.password,
                "--tls-verify",
                str(certs / "ca.pem"),
            ]
        )
    assert code == 0
    console = capsys.readouterr()
    summary = json.loads((tmp_path / "bundle" / "summary.json").read_text())
    # the replay line repeats the run against the certified target, not the emulator
    assert summary["replay"].startswith("scv-conformance run --profile full ")
    assert f"--target {lab.base_url}" in summary["replay"]
    assert f"--tls-verify {certs / 'ca.pem'}" in summary["replay"]
    assert lab.password not in summary["replay"]
    assert summary["replay"] in console.out
    # every folder the console names is the bundle (nothing names a scratch folder)
    assert ".certify-" not in console.out + console.err
    assert str(tmp_path / "bundle") in console.err
    # the HTML report it names is made from a copy: the bundle still verifies after it
    (printed,) = [
        line.removeprefix("HTML report: ").split("   #")[0]
        for line in (console.out + console.err).splitlines()
        if line.startswith("HTML report: ")
    ]
    assert printed.startswith(f"cp -r {tmp_path / 'bundle'} ")
    report = printed.replace("scv-conformance", f"{shlex.quote(sys.executable)} -m conformance.cli")
    subprocess.run(report, shell=True, check=True, capture_output=True, timeout=120)
    assert (tmp_path / "bundle-report" / "allure-report" / "index.html").exists()
    assert main(["certify", "--verify", str(tmp_path / "bundle")]) == 0
    certificate = json.loads((tmp_path / "bundle" / "certificate.json").read_text())
    server = x509.load_pem_x509_certificate((certs / "server.pem").read_bytes())
    assert certificate["appliance"] == {
        "target": lab.base_url,
        "embeddedEmulator": False,
        "reportedVersion": "5.0",
        "reportedTitle": certificate["appliance"]["reportedTitle"],
        "openapiVersion": "5.0",
        "tlsCertificateSha256": server.fingerprint(hashes.SHA256()).hex(),
    }
    assert certificate["appliance"]["reportedTitle"]
    assert certificate["result"] == "conformant" and certificate["allowDestructive"] is False
    assert lab.password not in (tmp_path / "bundle" / "certificate.json").read_text()


def copy_of(bundle: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(bundle, target)
    return target


def test_bundle_holds_the_reports_certificate_and_manifest(
    signed_bundle: tuple[Path, Path, Path],
) -> None:
    bundle, _, base = signed_bundle
    for name in ("summary.json", "summary.md", "junit.xml", "certificate.json", MANIFEST):
        assert (bundle / name).is_file(), name
    assert list((bundle / "allure-results").glob("*-result.json"))
    assert not (base / "unused").exists() or not any((base / "unused").iterdir())
    assert not list(base.glob(".certify-*")), "the scratch folder is removed"
    certificate = json.loads((bundle / "certificate.json").read_text())
    summary = json.loads((bundle / "summary.json").read_text())
    assert certificate["profile"] == "full" and certificate["seed"] == 11
    assert certificate["harness"] == {"name": "scv-conformance", "version": __version__}
    assert certificate["contract"]["sha256"] == summary["contract"]["sha256"]
    assert len(certificate["contract"]["sha256"]) == 64
    assert certificate["appliance"]["reportedVersion"] == summary["applianceVersion"]
    assert certificate["appliance"]["embeddedEmulator"] is True
    assert certificate["result"] == "failures" and certificate["exitCode"] == 1
    assert certificate["startTime"] == summary["startTime"] and certificate["endTime"]
    assert certificate["endTime"] >= certificate["startTime"]
    assert certificate["verdicts"]["operations"]["createResourceGroup"] == {
        "status_code_conformance": "failed"
    }
    assert certificate["verdicts"]["workflows"]["restoreVm"]["failedStep"] == "waitForRestore"
    listed = [line.split("  ", 1)[1] for line in (bundle / MANIFEST).read_text().splitlines()]
    files = sorted(
        p.relative_to(bundle).as_posix()
        for p in bundle.rglob("*")
        if p.is_file() and p.name not in (MANIFEST, SIGNATURE)
    )
    assert listed == files and "certificate.json" in listed


def test_manifest_is_checked_by_sha256sum_too(signed_bundle: tuple[Path, Path, Path]) -> None:
    bundle, _, _ = signed_bundle
    sha256sum = shutil.which("sha256sum")
    assert sha256sum, "coreutils sha256sum is needed for this test"
    done = subprocess.run(
        [sha256sum, "--quiet", "-c", MANIFEST], cwd=bundle, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_untouched_bundle_verifies_with_the_key_and_not_without_it(
    signed_bundle: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, public, _ = signed_bundle
    assert main(["certify", "--verify", str(bundle), "--key", str(public)]) == 0
    out = capsys.readouterr().out
    assert "files match MANIFEST" in out and "is signed by key" in out
    # a signed bundle checked without its key proves nothing: a script must not read 0
    assert main(["certify", "--verify", str(bundle)]) == 2
    err = capsys.readouterr().err
    assert "is signed; give --key PUB" in err and len(err.strip().splitlines()) == 1
    unsigned = copy_of(bundle, tmp_path)
    (unsigned / SIGNATURE).unlink()
    assert main(["certify", "--verify", str(unsigned)]) == 0
    assert "unsigned bundle" in capsys.readouterr().out


def test_changing_any_file_fails_verification_naming_it(
    signed_bundle: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, public, _ = signed_bundle
    copy = copy_of(bundle, tmp_path)
    names = [line.split("  ", 1)[1] for line in (copy / MANIFEST).read_text().splitlines()]
    assert len(names) >= 6
    for name in names:
        path = copy / name
        original = path.read_bytes()
        path.write_bytes(original + b" ")
        assert main(["certify", "--verify", str(copy), "--key", str(public)]) == 1, name
        err = capsys.readouterr().err
        assert f"tampered: {name}: changed" in err
        path.write_bytes(original)
    assert main(["certify", "--verify", str(copy), "--key", str(public)]) == 0


def test_removed_added_and_rehashed_files_fail(
    signed_bundle: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, public, _ = signed_bundle
    removed = copy_of(bundle, tmp_path / "removed")
    (removed / "summary.md").unlink()
    assert main(["certify", "--verify", str(removed), "--key", str(public)]) == 1
    assert "tampered: summary.md: missing" in capsys.readouterr().err

    added = copy_of(bundle, tmp_path / "added")
    (added / "allure-results" / "extra-result.json").write_text("{}")
    assert main(["certify", "--verify", str(added), "--key", str(public)]) == 1
    assert "allure-results/extra-result.json: not in the MANIFEST" in capsys.readouterr().err

    # someone edits the certificate and recomputes the MANIFEST: only the signature tells
    forged = copy_of(bundle, tmp_path / "forged")
    certificate = json.loads((forged / "certificate.json").read_text())
    certificate["result"] = "conformant"
    (forged / "certificate.json").write_text(json.dumps(certificate))
    write_manifest(forged)
    assert main(["certify", "--verify", str(forged)]) == 2
    capsys.readouterr()
    assert main(["certify", "--verify", str(forged), "--key", str(public)]) == 1
    assert "bad signature" in capsys.readouterr().err


def test_bad_signature_wrong_key_or_missing_signature_fail(
    signed_bundle: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, public, _ = signed_bundle
    copy = copy_of(bundle, tmp_path / "sig")
    signature = copy / SIGNATURE
    original = signature.read_text()
    flipped = ("A" if original[0] != "A" else "B") + original[1:]
    signature.write_text(flipped)
    assert main(["certify", "--verify", str(copy), "--key", str(public)]) == 1
    assert "bad signature: MANIFEST.sig" in capsys.readouterr().err
    signature.write_text("not base64 at all!\n")
    assert main(["certify", "--verify", str(copy), "--key", str(public)]) == 1
    signature.write_text(original)

    assert main(["certify", "--keygen", str(tmp_path / "other")]) == 0
    assert main(["certify", "--verify", str(copy), "--key", str(tmp_path / "other.pub")]) == 1
    assert "bad signature" in capsys.readouterr().err

    signature.unlink()
    assert main(["certify", "--verify", str(copy), "--key", str(public)]) == 1
    assert "unsigned: MANIFEST.sig is missing" in capsys.readouterr().err


def test_bad_input_exits_2_with_one_line(
    signed_bundle: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, public, base = signed_bundle
    (tmp_path / "junk.pem").write_text("not a key")
    (tmp_path / "occupied").mkdir()
    (tmp_path / "occupied" / "file").write_text("x")
    for argv in (
        ["certify", "--verify", str(tmp_path)],
        ["certify", "--verify", str(bundle), "--key", str(tmp_path / "junk.pem")],
        ["certify", "--verify", str(bundle), "--key", str(base / "lab.key")],
        ["certify", "--verify", str(bundle), "--key", str(tmp_path / "none.pub")],
        ["certify", "--out", str(tmp_path / "occupied")],
        ["certify", "--out", str(tmp_path / "b"), "--sign", str(public)],
        ["certify", "--out", str(tmp_path / "b"), "--sign", str(tmp_path / "junk.pem")],
        ["certify", "--keygen", str(base / "lab")],
        ["certify"],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("scv-conformance: error:") and err.count("\n") == 1, err
    assert not (tmp_path / "b").exists()
