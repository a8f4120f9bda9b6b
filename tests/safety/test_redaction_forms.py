"""Redaction in every encoding, without mangling words; large files; the config file mode."""

from __future__ import annotations

import argparse
import base64
import json
import re
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
    # the quotes of a shell-quoted form may stay around the replacement
    assert re.fullmatch(
        r"before (\\*')?\[REDACTED\](\\*')? after", replace_secrets(text, [PASSWORD])
    )


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
    # credentials in a URL count too; a file without any secret needs no warning
    config.chmod(0o644)
    for text in ('target = "https://root:pw@scv:8144/api"\n',):
        config.write_text(text)
        resolve(argparse.Namespace(config=str(config)), {})
        assert "readable by other users" in capsys.readouterr().err
    config.write_text('target = "https://scv:8144/api"\nusername = "u"\n')
    resolve(argparse.Namespace(config=str(config)), {})
    assert capsys.readouterr().err == ""


#: A password with a quote, a backslash, an ampersand and a letter outside ASCII.
TROUBADOR = "Tr0ub4dor'&3\\é"
#: A token as an appliance issues it: 32 hex characters.
HEX_TOKEN = "9f86d081884c7d659a2feaa0c55ad015"


def _gson(text: str) -> str:
    """What Gson (HTML-safe by default) writes: ``'``, ``&``, ``<``, ``>``, ``=`` as \\u."""
    return "".join(f"\\u{ord(c):04x}" if c in "'&<>=" else c for c in json.dumps(text)[1:-1])


def _wrapped(text: str, width: int = 10, indent: str = "") -> str:
    return f"\n{indent}".join(text[i : i + width] for i in range(0, len(text), width))


@pytest.mark.parametrize(
    "written",
    [
        # Python's repr of a string holding both quotes escapes the single one
        repr(TROUBADOR + '"')[1:-2],
        repr({"password": TROUBADOR}),
        json.dumps(TROUBADOR),  # \u00e9 for the é
        json.dumps(TROUBADOR, ensure_ascii=False),
        json.dumps(json.dumps(TROUBADOR)),
        _gson(TROUBADOR),
        "".join(f"\\u{ord(c):04x}" for c in TROUBADOR),  # every character escaped
        quote(TROUBADOR, safe=""),
        quote_plus(TROUBADOR),
        shlex.quote(json.dumps({"password": TROUBADOR})),
        "Tr0ub4dor&#39;&amp;3\\&#233;",
        base64.b64encode(TROUBADOR.encode()).decode(),
        TROUBADOR.encode().hex().upper(),
    ],
)
def test_a_password_with_quotes_a_backslash_and_non_ascii_is_replaced(written: str) -> None:
    redacted = replace_secrets(f"before {written} after", [TROUBADOR])
    assert REDACTED in redacted and redacted.startswith("before ") and redacted.endswith(" after")
    assert "Tr0ub4dor" not in redacted and "tr0ub4dor" not in redacted.lower()


@pytest.mark.parametrize(
    "written",
    [
        HEX_TOKEN.upper(),
        base64.b64encode(HEX_TOKEN.encode()).decode(),
        base64.urlsafe_b64encode(HEX_TOKEN.encode()).decode(),
        HEX_TOKEN.encode().hex(),
        HEX_TOKEN.encode().hex().upper(),
        "".join(f"\\u{ord(c):04X}" for c in HEX_TOKEN),
        "".join(f"\\\\u{ord(c):04x}" for c in HEX_TOKEN),  # \u-escaped inside JSON
        _wrapped(HEX_TOKEN),
        _wrapped(HEX_TOKEN, 7, "    "),
        _wrapped(HEX_TOKEN, 12).replace("\n", "\r\n"),
        json.dumps(_wrapped(HEX_TOKEN))[1:-1],  # a split line inside a JSON string
        json.dumps(json.dumps(_wrapped(HEX_TOKEN.upper())))[1:-1],
        "&#10;".join([HEX_TOKEN[:16], HEX_TOKEN[16:]]),  # a split line in XML
    ],
)
def test_a_token_is_replaced_in_upper_case_base64_hex_escaped_and_split(written: str) -> None:
    redacted = replace_secrets(f"token: {written} (sent)", [HEX_TOKEN])
    assert REDACTED in redacted, redacted
    assert redacted.startswith("token: ") and redacted.endswith(" (sent)")
    assert not any(HEX_TOKEN[i : i + 8] in redacted.lower() for i in range(len(HEX_TOKEN) - 7))


@pytest.mark.parametrize("offset", [0, 1, 2, 5])
def test_a_token_inside_a_longer_base64_text_is_replaced_at_any_alignment(offset: int) -> None:
    """A body of logs, base64-encoded: where the token starts in it decides its letters."""
    data = b"x" * offset + f"session {HEX_TOKEN} opened\n".encode() * 2
    encoded = base64.encodebytes(data).decode()  # wrapped at 76 characters, as MIME does
    redacted = replace_secrets(encoded, [HEX_TOKEN])
    assert redacted.count(REDACTED) == 2
    whole = base64.b64encode(HEX_TOKEN.encode()).decode()
    assert whole[4:-4] not in redacted.replace("\n", "")


def test_redaction_leaves_text_without_secrets_alone() -> None:
    text = (
        'GET /api/4.1/vms?name=a+b&x=%20 "quoted" \\path\\to it\'s 100% &amp; ok\n'
        + base64.b64encode(b"nothing secret here").decode()
        + "\n  indented\r\n"
    )
    assert replace_secrets(text, [HEX_TOKEN, TROUBADOR, PASSWORD]) == text


def test_a_message_cut_short_is_redacted_before_it_is_cut() -> None:
    """A token near the limit: cut first, its first characters would reach the reports."""
    from conformance.contract.scv_rules import contract_rules
    from conformance.http import redaction

    page = f"<html><body>{'x' * 160} session {HEX_TOKEN} expired</body></html>"
    rules = contract_rules()
    redaction.know([HEX_TOKEN])
    for message in (
        rules.error_envelope_problem(500, page, "text/html", None),
        rules.error_envelope_problem(400, "{}", "application/json", {"detail": page}),
        redaction.excerpt(page, 200, " …"),
    ):
        assert message is not None
        assert not any(HEX_TOKEN[i : i + 6] in message for i in range(len(HEX_TOKEN) - 5))
        assert REDACTED in message


def test_the_redactor_finds_every_secret_of_a_large_set_in_one_pass() -> None:
    from conformance.http.redactor import Redactor

    tokens = [f"{n:032x}" for n in range(1, 301)]
    redactor = Redactor([TROUBADOR])
    for token in tokens:  # issued one at a time, as a run's logins do
        redactor.add([token])
    text = " ".join(f"[{t.upper()}]" for t in tokens[::-1]) + f" {json.dumps(TROUBADOR)}"
    assert redactor.redact(text) == " ".join(f"[{REDACTED}]" for _ in tokens) + f' "{REDACTED}"'
    assert redactor.secrets == {TROUBADOR, *tokens}


def _cuts(limit: int) -> list[tuple[str, str]]:
    """(where, what it kept) of every place a message is cut, given the token near ``limit``."""
    from conformance.calibrate.explore import dumps_short
    from conformance.reporting import baseline, summary
    from conformance.reporting.allure_results import ResultRecord

    text = "x" * (limit - 12) + f" {HEX_TOKEN} and more"
    failure = ResultRecord("t::a", "a", "failed", "x" * (summary.MESSAGE_LIMIT - 12) + HEX_TOKEN)
    return [
        ("summary", summary._failure(failure)["message"]),
        ("baseline", baseline._one_line(text, limit)),
        ("learn", dumps_short(text, limit)),
    ]


def test_every_message_cut_short_is_redacted_before_it_is_cut(tmp_path: Path) -> None:
    from conformance.http import redaction
    from conformance.testbed.integration import OUTPUT_LIMIT_BYTES, Outcome, write_output

    redaction.know([HEX_TOKEN])
    output = b"x" * (OUTPUT_LIMIT_BYTES - 12) + f" {HEX_TOKEN}\n".encode() + b"y" * 100
    written = write_output(Outcome(0, False, 1.0, output, True), tmp_path, [HEX_TOKEN])
    kept = [*_cuts(200), ("certify-client's command.log", written.read_text()[-200:])]
    for where, message in kept:
        assert not any(HEX_TOKEN[i : i + 6] in message for i in range(len(HEX_TOKEN) - 5)), where
        assert REDACTED in message, where
