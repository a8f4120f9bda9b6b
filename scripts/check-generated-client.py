#!/usr/bin/env python3
"""A client generated from the contract with openapi-python-client keeps every error answer.

Generates a client from ``specs/scv.openapi.yaml`` (or the file given) into a temporary
folder, fails on any warning of the generator (it drops a schema it cannot read, and every
response that uses it, with a warning only), imports the generated package and, for every
operation and every status the contract documents for it, hands the generated response
parser an answer with that status: an error status must come back parsed as the contract's
error envelope, never dropped to ``None``. Run by tox's ``spec`` environment, which installs
openapi-python-client (from PyPI, in that environment only).

Usage: scripts/check-generated-client.py [CONTRACT]   (exit 0: kept, 1: lost, 2: no tool)
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "scv_generated_client"
ERROR_ENVELOPE = "ErrorEnvelope"
#: An error answer as the contract documents it (the emulator's own words).
ERROR_BODY = {
    "statusCode": 400,
    "statusMessage": "BAD_REQUEST",
    "responseMessage": ["Missing required field 'name'"],
    "response": None,
    "uri": None,
}


def snake(name: str) -> str:
    """``getSvmAll`` -> ``get_svm_all``, as the generator names modules."""
    out = ""
    for index, char in enumerate(name):
        if char.isupper() and index and not name[index - 1].isupper():
            out += "_"
        out += char.lower()
    return out


def tag_module(tag: str) -> str:
    return tag.replace("-", "_")


def documented_errors(contract: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(tag, operationId, status) for every documented error status of every operation."""
    found = []
    for item in contract["paths"].values():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            for status in operation.get("responses", {}):
                if status.isdigit() and int(status) >= 400:
                    found.append((operation["tags"][0], operation["operationId"], int(status)))
    return found


def generate(contract_path: Path, into: Path) -> None:
    tool = shutil.which("openapi-python-client")
    if tool is None:
        print("check-generated-client: openapi-python-client is not installed", file=sys.stderr)
        raise SystemExit(2)
    done = subprocess.run(
        [
            tool,
            "generate",
            "--path",
            str(contract_path),
            "--output-path",
            str(into / PACKAGE),
            "--meta",
            "none",
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        print(
            "check-generated-client: the generator warned or failed on the contract "
            "(a schema it cannot read is dropped with every response that uses it)",
            file=sys.stderr,
        )
        raise SystemExit(1)


def main(argv: list[str]) -> int:
    contract_path = Path(argv[1]) if len(argv) > 1 else ROOT / "specs" / "scv.openapi.yaml"
    contract = yaml.safe_load(contract_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        generate(contract_path, Path(folder))
        sys.path.insert(0, folder)
        client_module = importlib.import_module(PACKAGE)
        client = client_module.Client(base_url="http://127.0.0.1:9")
        lost = []
        checked = 0
        for tag, operation_id, status in documented_errors(contract):
            module = importlib.import_module(
                f"{PACKAGE}.api.{tag_module(tag)}.{snake(operation_id)}"
            )
            answer = httpx.Response(
                status,
                content=json.dumps({**ERROR_BODY, "statusCode": status}).encode(),
                headers={"Content-Type": "application/json"},
            )
            parsed = module._parse_response(client=client, response=answer)
            checked += 1
            if type(parsed).__name__ != ERROR_ENVELOPE:
                lost.append(f"{operation_id} {status}: parsed as {type(parsed).__name__}")
    if lost:
        print(f"check-generated-client: {len(lost)} of {checked} error answers lost:")
        for line in lost:
            print(f"  {line}")
        return 1
    print(f"check-generated-client: all {checked} documented error answers kept ({ERROR_ENVELOPE})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
