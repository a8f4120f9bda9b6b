"""Secrets stay out of every output: an appliance that echoes every credential it knows.

The echo appliance logs in normally, then answers every call 400 with the whole request
(headers, Basic auth, token, JSON body) and every credential of the run in every encoding
(plain, JSON-escaped, URL-encoded, shell-quoted, base64 of ``user:password``) in its error
message. After a destructive run (so the storage system's password is sent too), no file
of the run folder and no console text holds any of them in any of those encodings.
"""

from __future__ import annotations

import base64
import json
import shlex
from pathlib import Path
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

import pytest

from tests.safety import harness_cli
from tests.safety.appliances import TOKEN_PREFIX, VCENTER_SESSION, Hostile, Secrets

pytestmark = pytest.mark.integration

#: Quotes, a backslash, a space, an ampersand and a dollar: every encoding differs.
PASSWORD = "pa\"ss w\\rd&'$1"
STORAGE_PASSWORD = 'st0rage"pass/+%'
USERNAME = "administrator@vsphere.local"


def encodings(value: str) -> set[str]:
    """``value`` as text in every encoding, and each of those inside JSON strings."""
    texts = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        shlex.quote(value),
        escape(value, {'"': "&quot;", "'": "&apos;"}),
        escape(value, {'"': "&#34;", "'": "&#39;"}),
    }
    escaped = {json.dumps(text)[1:-1] for text in texts}
    return texts | escaped | {json.dumps(text)[1:-1] for text in escaped}


def forbidden() -> set[str]:
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    values = encodings(PASSWORD) | encodings(STORAGE_PASSWORD) | {basic}
    return {v for v in values if len(v) >= 4}


def test_no_output_holds_a_credential_in_any_encoding(tmp_path: Path) -> None:
    secrets = Secrets(USERNAME, PASSWORD, STORAGE_PASSWORD)
    with Hostile("echo", secrets=secrets) as app:
        config = tmp_path / "target.toml"
        config.write_text(
            f'target = "{app.base_url}"\nvcenter = "{app.vcenter_url}"\n'
            f'username = "{USERNAME}"\ntls_verify = false\nallow_destructive = true\n'
            '[inventory]\nstorage_system = "svm-echo01"\nesx_host = "esx01.lab.local"\n'
        )
        config.chmod(0o600)
        env = harness_cli.environment(
            tmp_path / "reports",
            SCV_CONFIG=str(config),
            SCV_PASSWORD=PASSWORD,
            SCV_STORAGE_PASSWORD=STORAGE_PASSWORD,
            SCV_MAX_EXAMPLES="1",
            SCV_REQUEST_TIMEOUT="5",
        )
        finished = harness_cli.run(["run", "--profile", "smoke"], env)
        logins = app.logins
    assert finished.code in (1, 3), finished.output
    files = [p for p in finished.run_dir.rglob("*") if p.is_file()]
    assert any(p.name == "summary.json" for p in files)
    # the appliance's echo reached the reports (redacted): the test is not vacuous
    assert "bad request:" in (finished.run_dir / "summary.json").read_text()
    issued = [f"{TOKEN_PREFIX}{n}-Zq8xVw" for n in range(1, logins + 1)]
    issued += [f"{VCENTER_SESSION}{n}-Hk2pLm" for n in range(0, logins + 1)]
    leaks = set()
    for text, where in [
        *((p.read_bytes().decode("utf-8", "replace"), _kind(p)) for p in files),
        (finished.output, "console"),
    ]:
        for value in forbidden() | set(issued):
            if value in text:
                leaks.add(f"{where}: {value!r}")
    assert not leaks, "\n".join(sorted(leaks))


def _kind(path: Path) -> str:
    """The file's name, an Allure file by its suffix only."""
    name = path.name
    return f"allure-results/*{name[36:]}" if path.parent.name == "allure-results" else name
