"""The proxy names each mistake of an integration, on the operation where it was made,
in front of an appliance that answers where a Spring appliance would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.proxy.server import ClientProxy, ProxyVerdict
from conformance.proxy.upstream import Upstream
from tests.client.integration import LOGIN_EVERY_CALL, MISTAKES, Integration
from tests.client.spring import serve_spring
from tests.lenient_appliance import RunningAppliance

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def appliance() -> Iterator[RunningAppliance]:
    with serve_spring() as running:
        yield running


def through_proxy(
    appliance: RunningAppliance, mistake: str | None, run_dir: Path | None = None
) -> ProxyVerdict:
    upstream = Upstream.of_url(appliance.base_url, appliance.vcenter_url)
    proxy = ClientProxy(upstream, run_dir=run_dir).start()
    integration = Integration(
        proxy.url, proxy.vcenter_url, appliance.username, appliance.password, mistake
    )
    try:
        integration.run()
    finally:
        integration.close()
    return proxy.stop()


def named(verdict: ProxyVerdict, kind: str = "failures") -> set[tuple[str, str]]:
    return {(f["operationId"], f["rule"]) for f in verdict.summary[kind]}


def test_the_documented_restore_conforms(appliance: RunningAppliance, tmp_path: Path) -> None:
    verdict = through_proxy(appliance, None, tmp_path)
    assert verdict.failures == [] and verdict.deviations == []
    assert verdict.exit_code == 0
    assert verdict.summary["requests"] >= 8
    assert {"restoreVm", "getJob", "getVmBackups"} <= set(verdict.summary["operations"])


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_mistake_is_named_on_its_operation(appliance: RunningAppliance, mistake: str) -> None:
    verdict = through_proxy(appliance, mistake)
    assert MISTAKES[mistake] in named(verdict), verdict.failures
    assert verdict.exit_code == 1


def test_a_misspelled_field_is_named_though_the_appliance_restored(
    appliance: RunningAppliance,
) -> None:
    verdict = through_proxy(appliance, "misspelled-field")
    failure = next(f for f in verdict.failures if f["rule"] == "client_misspelled_field")
    assert "'restartVm'" in failure["message"] and "'restartVM'" in failure["message"]
    # the appliance ignored the field and answered 200: the answer passed, the request did not
    assert verdict.summary["appliance"]["operations"]["restoreVm"]["status"] == "passed"


def test_a_login_before_every_call_is_a_deviation(appliance: RunningAppliance) -> None:
    verdict = through_proxy(appliance, LOGIN_EVERY_CALL)
    assert ("login", "client_token_reused") in named(verdict, "deviations")
    assert verdict.failures == []
    assert verdict.exit_code == 0
