"""What the participant keeps in memory for an element goes when a SYNC says it is gone.

Another replica can undeploy or delete an element this replica deployed; this replica then only
hears ACM-R's instance SYNC (and the watch events of the objects the other replica deleted). Its
``tracked_entries`` gauge must come back to where it started, or it grows with every element a
replica ever deployed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from acm_participant import ElementFailure
from acm_participant.protocol import DeployState, LockState
from acm_participant.testing import element_context
from kserve_participant.devstack.faults import PodFault
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.errors import NotFound
from kserve_participant.k8s.resources import InferenceServiceResource
from tests.integration import ops_support as ops
from tests.integration.kserve_support import element, entity, harness

pytestmark = pytest.mark.integration

STRUCTURES = ("tracked elements", "tracked names", "cached objects")


async def _sizes(participant: ops.ParticipantProcess) -> dict[str, float | None]:
    name = "kserve_participant_tracked_entries"
    return {s: await participant.metric(name, {"structure": s}) for s in STRUCTURES}


async def _deleted_by_another_replica(stack: Any, namespace: str, name: str) -> None:
    client = K8sClient.from_kubeconfig(stack.info.kubeconfig, InferenceServiceResource())
    try:
        await client.delete(namespace, name)

        async def gone() -> bool | None:
            try:
                await client.get(namespace, name)
            except NotFound:
                return True
            return None

        await ops.eventually(gone, within=60, what=f"{name} deleted")
    finally:
        await client.close()


@pytest.mark.parametrize("how", ["undeployed", "deleted"])
async def test_tracked_entries_return_to_start_when_a_sync_says_another_replica_removed_it(
    stack: Any, namespace: str, tmp_path: Path, how: str
) -> None:
    topics = ops.Topics.fresh()
    participant_id = uuid4()
    config = ops.stack_config(stack.info, topics, participant_id=participant_id)
    async with (
        ops.runtime_driver(stack.info.kafka_bootstrap, topics) as driver,
        ops.participant_process(tmp_path, config) as participant,
    ):
        await participant.wait_ready()
        composition_id = await ops.prime_kserve(driver, participant_id)
        instance_id = ops.kserve_instance(driver, composition_id, [entity("elsewhere", namespace)])
        start = await _sizes(participant)

        acks = await driver.deploy(instance_id)
        assert ops.element_results(acks) == [("DEPLOYED", "NO_ERROR")]
        deployed = await _sizes(participant)
        assert deployed["tracked elements"] == (start["tracked elements"] or 0) + 1

        # Another replica undeploys it: it deletes the object, ACM-R broadcasts the instance.
        await _deleted_by_another_replica(stack, namespace, "elsewhere")
        instance = driver.model.instances[instance_id]
        for element in instance.elements.values():
            element.deploy_state, element.lock_state = DeployState.UNDEPLOYED, LockState.NONE
        instance.deploy_state, instance.lock_state = DeployState.UNDEPLOYED, LockState.NONE
        if how == "deleted":
            await driver.sync_instance(instance_id, delete=True)
        else:
            await driver.sync_instance(instance_id)

        async def back_at_start() -> dict[str, float | None] | None:
            now = await _sizes(participant)
            return now if now == start else None

        await ops.eventually(back_at_start, within=30, what=f"sizes back at {start}")


async def test_leftovers_of_a_failed_deploy_stop_being_followed_once_someone_deletes_them(
    stack: Any, namespace: str
) -> None:
    """A failed deploy is acked UNDEPLOYED and its leftovers are followed; if another replica
    then runs the UNDEPLOY, no SYNC tells this one anything new (the element was UNDEPLOYED
    already): the leftovers' deletion alone must end the following."""
    async with harness(stack.info) as h:
        start = h.handler.sizes()
        composition, instance = element(entity("leftover", namespace, fault=PodFault.LOAD_FAILURE))
        with pytest.raises(ElementFailure):
            await h.handler.deploy(element_context(composition, instance))
        assert h.handler.sizes()["tracked elements"] == start["tracked elements"] + 1

        await h.client.delete(namespace, "leftover")  # as the other replica's undeploy does
        report = await h.reporter.info_matching(
            lambda r: r.instance_id == instance.instance_id and r.operational_state == "REMOVED",
            within=60,
        )

        assert report.element_id == instance.element_id
        after = h.handler.sizes()
        assert (after["tracked elements"], after["tracked names"]) == (
            start["tracked elements"],
            start["tracked names"],
        )
