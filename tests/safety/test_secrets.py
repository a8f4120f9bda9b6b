"""Secrets stay out of every output: an appliance that echoes every credential it knows.

The echo appliance logs in normally (issuing tokens of 32 hex characters, as SCV does),
then answers every call with an error that holds the whole request (headers, Basic auth,
token, JSON body) and every credential of the run in every form an appliance or anything
between may write it: plain, JSON-escaped (Gson's ``\\u0027`` too), Python's repr, URL-
encoded, shell-quoted, HTML, every character ``\\uXXXX``-escaped, upper-case, base64, hex
and cut across a line. One answer in three is an HTML error page with the token at
character 172, one in three a JSON body that is not the envelope with the token at the
same place: the two places where a message is quoted and cut at 200 characters.

After a destructive run with ``--record`` (fuzzing every operation, and the workflow that
adds a storage system, so that its password is sent too), no output of the run holds any
of them in any of those forms, nor 12 characters in a row of a token: not the console,
not any file of the run folder (summary.json, summary.md, junit.xml, the Allure results
and attachments, exchanges/*.jsonl), not the HAR.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shlex
from pathlib import Path
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

import ahocorasick
import pytest

from tests.safety import harness_cli
from tests.safety.appliances import VCENTER_SESSION, Hostile, Secrets

pytestmark = pytest.mark.integration

#: Quotes, a backslash, a space, an ampersand, a dollar and a letter outside ASCII.
PASSWORD = "pa\"ss w\\rd&'$1é"
STORAGE_PASSWORD = 'st0rage"pass/+%'
USERNAME = "administrator@vsphere.local"
#: A run of this many characters of a token is a leak (a token cut short is one too).
WINDOW = 12


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
        html.escape(value),
        repr(value)[1:-1],
        repr(value + '"')[1:-2],  # Python escapes the single quote when both are in a string
        "".join(f"\\u{ord(c):04x}" for c in value),
        base64.b64encode(value.encode()).decode(),
        value.encode().hex(),
    }
    escaped = {json.dumps(text, ensure_ascii=a)[1:-1] for text in texts for a in (True, False)}
    escaped |= {t.replace("'", "\\u0027").replace("&", "\\u0026") for t in escaped}
    return texts | escaped | {json.dumps(text)[1:-1] for text in escaped}


def forbidden() -> set[str]:
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    values = encodings(PASSWORD) | encodings(STORAGE_PASSWORD) | {basic}
    return {v.lower() for v in values if len(v) >= 4}


def readings(text: str) -> list[str]:
    """``text`` as written, and with its line breaks (real or escaped) taken out, lower-case:
    a secret cut across a line, or upper-cased, is still a secret."""
    lowered = text.lower()
    joined = re.sub(r"(\\+r)?\\+n[ \t]*|\r?\n[ \t]*|&#10;", "", lowered)
    return [lowered, joined]


def token_pieces(token: str) -> set[str]:
    """Every run of WINDOW characters of ``token``, and of its hex and base64."""
    pieces = {token[i : i + WINDOW] for i in range(len(token) - WINDOW + 1)}
    hexed = token.encode().hex()
    pieces |= {hexed[i : i + 2 * WINDOW] for i in range(0, len(hexed) - 2 * WINDOW + 1, 2)}
    encoded = base64.b64encode(token.encode()).decode()
    pieces |= {encoded[i : i + WINDOW] for i in range(0, len(encoded) - WINDOW - 4, 4)}
    return {piece.lower() for piece in pieces}


def test_no_output_holds_a_credential_in_any_form(tmp_path: Path) -> None:
    secrets = Secrets(USERNAME, PASSWORD, STORAGE_PASSWORD)
    har = tmp_path / "run.har"
    with Hostile("echo", secrets=secrets, hex_tokens=True) as app:
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
        selection = ["--only", "fuzz", "--only", "addStorageVm"]
        command = ["run", "--profile", "smoke", *selection, "--record", str(har)]
        finished = harness_cli.run(command, env)
        tokens = list(app.tokens)
        logins = app.logins
    assert finished.code in (1, 3), finished.output
    files = [p for p in finished.run_dir.rglob("*") if p.is_file()]
    assert {"summary.json", "summary.md", "junit.xml"} <= {p.name for p in files}
    assert any(p.parent.name == "exchanges" for p in files) and har.exists()
    # the appliance's echoes and error pages reached the reports, redacted: not vacuous
    summary = (finished.run_dir / "summary.json").read_text()
    assert "bad request:" in summary and "500 Internal Server Error" in summary
    assert "lacks" in summary and "[REDACTED]" in summary
    assert tokens and all(len(t) == 32 for t in tokens)
    sessions = [f"{VCENTER_SESSION}{n}-Hk2pLm" for n in range(0, logins + 1)]
    wanted = {form: "a credential" for form in forbidden()}
    wanted |= {s.lower(): "a vCenter session" for s in sessions}
    wanted |= {piece: "a token" for token in tokens for piece in token_pieces(token)}
    # thousands of forms in hundreds of files: one literal multi-pattern search per text
    hunt = ahocorasick.Automaton()
    for form, what in wanted.items():
        hunt.add_word(form, f"{what} {form!r}")
    hunt.make_automaton()
    outputs = [(p.read_bytes().decode("utf-8", "replace"), _kind(p)) for p in [*files, har]]
    outputs.append((finished.output, "console"))
    leaks = {
        f"{where}: {found}"
        for text, where in outputs
        for reading in readings(text)
        for _, found in hunt.iter(reading)
    }
    assert not leaks, "\n".join(sorted(leaks))


def _kind(path: Path) -> str:
    """The file's name, an Allure file by its suffix only."""
    name = path.name
    return f"allure-results/*{name[36:]}" if path.parent.name == "allure-results" else name
