"""Write schemathesis.toml (the configuration a plain `st run` of the contract reads).

Run after changing the contract: ``python scripts/write-schemathesis-toml.py``; a unit test
fails while the shipped file and the contract disagree.
"""

from __future__ import annotations

from pathlib import Path

import tomli_w

from conformance.contract.spec import load_contract
from conformance.fuzz.st_config import plain_run_table

HEADER = """\
# schemathesis.toml: a plain `st run` of the SCV contract, without false positives.
# Written by scripts/write-schemathesis-toml.py from specs/scv.openapi.yaml; do not edit.
#
#   export SCV_TOKEN=$(scv-conformance token --target https://scv.example:8144 --username USER)
#   SCHEMATHESIS_HOOKS=conformance.fuzz.st_hooks \\
#     st run specs/scv.openapi.yaml --url https://scv.example:8144/api -H "Token: $SCV_TOKEN"
#
# Per operation: the statuses a schema-valid request may legitimately get (a documented
# business rule's 400, a 404 or 409 that depends on the appliance's state), so that
# positive_data_acceptance does not report them; the hooks add the SCV checks.
"""


def main() -> None:
    target = Path(__file__).resolve().parent.parent / "schemathesis.toml"
    table = plain_run_table(load_contract().operations)
    target.write_text(HEADER + "\n" + tomli_w.dumps(table), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
