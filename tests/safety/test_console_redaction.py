"""The console's choke point: every print of a run passes through the one redaction."""

from __future__ import annotations

import io
import json
import shlex

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance.http.redaction import REDACTED
from conformance.run.console_redaction import ConsoleSecrets, redacted_consoles

pytestmark = pytest.mark.unit

PASSWORD = "pa\"ss w\\rd&'$1"


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=30, force_terminal=False, highlight=False), buffer


def test_every_kind_of_print_is_redacted_before_it_is_wrapped() -> None:
    console, buffer = _console()
    issued: list[str] = []
    shown = ConsoleSecrets([PASSWORD], issued=lambda: issued)
    table = Table("operationId", "message")
    table.add_row("getJob", f"echo {json.dumps(PASSWORD)}")
    with redacted_consoles([console, console], shown):
        # a long line: wrapped at the password's space unless redacted first
        console.print(Text("x" * 20 + f" curl -u admin:{shlex.quote(PASSWORD)} end"))
        console.print(f"plain string {PASSWORD!r}")
        console.print(table)
        console.rule(f"step {PASSWORD}")
        issued.append("issued-token-7-abcdef")  # learnt while the run goes
        console.print("token issued-token-7-abcdef")
    console.print(f"after the run {PASSWORD}")  # the hook is gone with the block
    output = buffer.getvalue()
    for form in (PASSWORD, shlex.quote(PASSWORD), json.dumps(PASSWORD)[1:-1], "issued-token-7"):
        assert form not in output.rsplit("after the run", 1)[0], output
    assert output.count(REDACTED) >= 5, output
    for fragment in ('pa"ss', "w\\rd&"):
        assert fragment not in output.rsplit("after the run", 1)[0], output
    assert output.rstrip().endswith(PASSWORD)


def test_text_without_secrets_keeps_its_style() -> None:
    console, buffer = _console()
    console = Console(file=buffer, width=60, force_terminal=True, color_system="standard")
    with redacted_consoles([console], ConsoleSecrets([PASSWORD])):
        console.print(Text("3 passed", style="green"))
    assert "\x1b[32m3 passed" in buffer.getvalue()
