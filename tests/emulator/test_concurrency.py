"""Parallel workflows keep the state consistent."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from conformance.emulator import EmbeddedEmulator, EmulatorConfig, ManualClock, create_app

pytestmark = pytest.mark.integration

#: The jobs of the seeded past backups (conformance.emulator.inventory).
SEEDED_JOBS = 6

LOGIN = {"username": "administrator@vsphere.local", "password": "scv-emulator"}


def test_parallel_creates_through_the_asgi_app() -> None:
    clock = ManualClock()
    app = create_app(EmulatorConfig(job_duration=0), clock)

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://scv.test/api") as client:
            token = (await client.post("/4.1/auth/login", json=LOGIN)).json()["response"]["token"]
            headers = {"Token": token}

            async def create(i: int) -> int:
                body = {
                    "name": f"P-{i}",
                    "frequency": "DAILY",
                    "retention": {"type": "COUNT", "value": 2},
                }
                answer = await client.post("/4.1/policies", json=body, headers=headers)
                assert answer.status_code == 200
                return int(answer.json()["response"]["id"])

            return await asyncio.gather(*(create(i) for i in range(40)))

    ids = asyncio.run(scenario())
    assert sorted(ids) == list(range(4, 44))


def test_parallel_workflows_over_real_sockets() -> None:
    config = EmulatorConfig(port=0, tls=False, job_duration=0.05)
    errors: list[str] = []
    with EmbeddedEmulator(config) as emulator:

        def workflow(worker: int) -> None:
            with httpx.Client(base_url=emulator.base_url, timeout=10) as client:
                token = client.post("/4.1/auth/login", json=LOGIN).json()["response"]["token"]
                headers = {"Token": token}
                for round_ in range(5):
                    name = f"RG-{worker}-{round_}"
                    body = {"name": name, "entities": ["vm-104"], "policies": [{"id": 3}]}
                    created = client.post("/4.1/resource-groups", json=body, headers=headers)
                    if created.status_code != 200:
                        errors.append(created.text)
                        continue
                    group_id = created.json()["response"]["id"]
                    started = client.post(
                        "/4.1/resource-groups/backupnow",
                        json={"resourceGroupId": group_id, "policyId": 3},
                        headers=headers,
                    )
                    if started.status_code != 200:
                        errors.append(started.text)
                    deleted = client.delete(f"/4.1/resource-groups/{group_id}", headers=headers)
                    if deleted.status_code != 200:
                        errors.append(deleted.text)

        threads = [threading.Thread(target=workflow, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with httpx.Client(base_url=emulator.base_url, timeout=10) as client:
            token = client.post("/4.1/auth/login", json=LOGIN).json()["response"]["token"]
            # the backups end on the emulator's clock: poll until each has (or time is up)
            deadline = time.monotonic() + 30
            while True:
                jobs = client.get(
                    "/4.1/jobs", params={"jobType": "backup"}, headers={"Token": token}
                )
                listed = jobs.json()["response"]["jobResponseList"]
                settled = {j["status"] for j in listed} == {"COMPLETED"}
                if settled or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            groups = client.get("/4.1/resource-groups", headers={"Token": token})
            remaining = groups.json()["response"]["resourceGroupResponseList"]
            backups = client.get("/4.1/vm/vm-104/backups", headers={"Token": token})
            hr_backups = backups.json()["response"]["backupResponseList"]
    assert errors == []
    assert len(listed) == SEEDED_JOBS + 40
    assert {j["status"] for j in listed} == {"COMPLETED"}
    assert len({j["id"] for j in listed}) == len(listed)
    assert [g["name"] for g in remaining] == ["RG-Finance", "RG-Web"]
    assert len(hr_backups) == 40 and len({b["backupId"] for b in hr_backups}) == 40
