"""Redaction in every encoding, without mangling words; large files; the config file mode."""

from __future__ import annotations

import argparse
import base64
import json
import shlex
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from conformance.core.settings import resolve
from conformance.http.redaction import REDACTED, redact_body, replace_secrets
from conformance.reporting import scrub

pytestmark = pytest.mark.unit

PASSWORD = "pa\"ss w\\rd&'$1"


@pytest.mark.parametrize(
    "written",
    [
        PASSWORD,
        json.dumps(PASSWORD)[1:-1],
        json.dumps(json.dumps(PASSWORD)[1:-1])[1:-1],
        quote(PASSWORD, safe=""),
        quote_plus(PASSWORD),
        shlex.quote(PASSWORD),
        "pa&quot;ss w\\rd&amp;&apos;$1",
        # a shell-quoted or URL-encoded secret inside a JSON report, and as repr() shows it
        json.dumps(shlex.quote(PASSWORD))[1:-1],
        json.dumps(json.dumps(shlex.quote(PASSWORD))[1:-1])[1:-1],
        json.dumps(quote(PASSWORD))[1:-1],
        repr(PASSWORD)[1:-1],
    ],
)
def test_a_secret_is_replaced_in_every_form(written: str) -> None:
    text = f"before {written} after"
    assert replace_secrets(text, [PASSWORD]) == f"before {REDACTED} after"


def test_a_secret_inside_a_shell_quoted_json_body_is_replaced() -> None:
    body = json.dumps({"password": PASSWORD, "other": 1})
    curl = shlex.quote(body)
    assert PASSWORD not in replace_secrets(curl, [PASSWORD])
    assert json.dumps(PASSWORD)[1:-1] not in replace_secrets(curl, [PASSWORD])


def test_basic_auth_of_user_and_password_is_a_secret_too() -> None:
    basic = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    assert basic not in replace_secrets(f"Authorization: Basic {basic}", [basic])


def test_a_one_letter_password_does_not_mangle_words() -> None:
    # shorter than the minimum: kept out only as the value of a secret field
    assert replace_secrets("unreachable", ["b"]) == "unreachable"
    rendered = redact_body(json.dumps({"password": "b", "message": "unreachable"}), ["b"])
    assert '"unreachable"' in rendered and '"b"' not in rendered


def test_large_files_are_scrubbed_in_chunks_across_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scrub, "CHUNK_BYTES", 1000)
    secret = "s3cret-value-that-crosses"
    filler = "x" * 990
    path = tmp_path / "pytest.log"
    path.write_text(filler + secret + filler * 20 + json.dumps(secret) + "tail\n")
    assert scrub.scrub(tmp_path, [secret]) == 1
    text = path.read_text()
    assert secret not in text and text.count(REDACTED) == 2
    assert text.startswith(filler + REDACTED) and text.endswith("tail\n")


def test_a_config_file_readable_by_others_draws_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "lab.toml"
    config.write_text('password = "p4ssword"\n')
    config.chmod(0o644)
    resolve(argparse.Namespace(config=str(config)), {})
    assert "readable by other users (mode 644)" in capsys.readouterr().err
    config.chmod(0o600)
    resolve(argparse.Namespace(config=str(config)), {})
    assert capsys.readouterr().err == ""
