"""Without --allow-destructive, a run sends nothing but GETs and logins, in every profile,
and no failed login as the configured user.

The emulator is started as an external target (as if it were a real appliance) behind a
middleware that notes every request it receives: the log of a whole run, fuzzing (every
phase schemathesis has, coverage's undocumented methods included) and workflows, holds
only GETs, the SCV login and vCenter's session calls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.http.guard import changes_state
from tests.safety import harness_cli
from tests.safety.appliances import RecordingEmulator
from tests.safety.test_interruption import config_file

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("profile", ["smoke", "full"])
def test_a_read_only_run_sends_only_gets_and_logins(profile: str, tmp_path: Path) -> None:
    with RecordingEmulator() as emulator:
        config = config_file(emulator, tmp_path, "svm-readonly01")
        config.write_text(config.read_text().replace("allow_destructive = true\n", ""))
        before = emulator.inventory()
        env = harness_cli.environment(
            tmp_path / "reports",
            SCV_CONFIG=str(config),
            SCV_PASSWORD=emulator.config.password,
            SCV_MAX_EXAMPLES="3",
        )
        finished = harness_cli.run(["run", "--profile", profile], env)
        after = emulator.inventory()
        log = list(emulator.requests)
        logins = list(emulator.logins)
    changing = sorted({f"{m} {p}" for m, p in log if changes_state(m, p)})
    assert changing == []
    assert {m for m, _ in log} <= {"GET", "POST", "DELETE"}
    assert sum(1 for m, _ in log if m == "GET") > 100  # the run did run
    assert after == before
    # no failed login as the configured user: vCenter's single sign-on would lock it out
    user = emulator.config.username.casefold()
    refused = [
        status for name, status in logins if (name or "").casefold() == user and status != 200
    ]
    assert refused == []
    assert any(status != 200 for _, status in logins)  # logins were fuzzed, under other names
    summary = finished.summary
    assert summary["totals"]["passed"] > 0
    # nothing was refused either: the suites did not even try
    assert "refused" not in (finished.run_dir / "pytest.log").read_text()
    assert finished.code == 0, finished.output
