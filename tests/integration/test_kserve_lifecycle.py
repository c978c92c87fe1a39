"""Undeploy with KServe's finalizer, update/migrate, live status, restart and scale."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from lightkube import AsyncClient
from lightkube.models.apps_v1 import DeploymentSpec
from lightkube.models.core_v1 import Container, PodSpec, PodTemplateSpec
from lightkube.models.meta_v1 import LabelSelector, ObjectMeta
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace

from acm_participant import ElementFailure
from acm_participant.protocol.enums import DeployState, LockState
from acm_participant.testing import element_context
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.watch import InferenceServiceWatch
from kserve_participant.kserve.views import ISVC_LABEL
from tests.integration.kserve_support import (
    InfoReport,
    deployment_of,
    element,
    entity,
    harness,
    load_sample,
    wait_created,
    wait_until_deleting,
    with_entities,
)

pytestmark = pytest.mark.integration


def states_of(report: InfoReport) -> dict[str, str]:
    props = report.out_properties or {}
    return {s["name"]: s["state"] for s in props.get("inferenceServices", [])}


async def test_undeploy_waits_for_finalizer_then_acks_when_deletion_is_slow(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("slow-delete", namespace), timeout=60)
        await h.handler.deploy(element_context(composition, instance))
        finalizers = (await h.client.get(namespace, "slow-delete"))["metadata"]["finalizers"]
        assert "inferenceservice.finalizers" in finalizers

        stack.pause_kserve()  # KServe's finalizer stays until its manager runs again
        try:
            undeploy = asyncio.create_task(
                h.handler.undeploy(element_context(composition, instance))
            )
            deleting = await wait_until_deleting(h.client, namespace, "slow-delete", within=30)
            assert "inferenceservice.finalizers" in deleting["metadata"]["finalizers"]
            assert not undeploy.done()
        finally:
            stack.resume_kserve()
        outcome = await asyncio.wait_for(undeploy, 60)
        assert outcome is not None
        assert await h.names(namespace) == []


async def test_undeploy_fails_naming_the_finalizer_when_deletion_is_stuck(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("stuck-delete", namespace))
        await h.handler.deploy(element_context(composition, instance))
        impatient = with_entities(
            instance,
            *instance.properties["kserveInferenceEntities"],
            uninitializedToPassiveTimeout=2,
            statusCheckInterval=1,
        )
        stack.pause_kserve()
        try:
            with pytest.raises(ElementFailure) as failed:
                await h.handler.undeploy(element_context(composition, impatient))
        finally:
            stack.resume_kserve()
        assert str(failed.value) == (
            f"not deleted within 2s: {namespace}/stuck-delete "
            "(finalizer inferenceservice.finalizers, foregroundDeletion still present)"
        )


async def test_update_applies_changed_payload_and_waits_for_new_generation(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("evolving", namespace, ready_delay="300ms"))
        await h.handler.deploy(element_context(composition, instance))
        before = await h.client.get(namespace, "evolving")

        changed = load_sample("docs__samples__istio-dex__sklearn.yaml")
        changed["spec"]["predictor"]["model"]["storageUri"] = "gs://models/sklearn/2.0/model"
        updated = with_entities(
            instance, entity("evolving", namespace, changed, ready_delay="300ms")
        )
        outcome = await h.handler.update(element_context(composition, instance, updated=updated))
        assert outcome is not None
        assert "updated" in (outcome.message or "")

        after = await h.client.get(namespace, "evolving")
        assert after["metadata"]["uid"] == before["metadata"]["uid"]
        assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
        assert after["spec"]["predictor"]["model"]["storageUri"].endswith("2.0/model")
        predictor = await deployment_of(h, namespace, "evolving")
        assert predictor["status"]["updatedReplicas"] == predictor["spec"]["replicas"]
        assert predictor["status"].get("availableReplicas") == predictor["spec"]["replicas"]


async def test_update_says_what_it_created_updated_left_unchanged_and_deleted(
    stack: Any, namespace: str
) -> None:
    changed = load_sample("docs__samples__istio-dex__sklearn.yaml")
    changed["spec"]["predictor"]["model"]["storageUri"] = "gs://models/sklearn/2.0/model"
    async with harness(stack.info) as h:
        composition, instance = element(
            entity("stays", namespace), entity("changes", namespace), entity("leaves", namespace)
        )
        await h.handler.deploy(element_context(composition, instance))
        updated = with_entities(
            instance,
            entity("stays", namespace),
            entity("changes", namespace, changed),
            entity("arrives", namespace),
        )
        outcome = await h.handler.update(element_context(composition, instance, updated=updated))
        assert outcome is not None
        assert outcome.message == (
            "updated: 3 InferenceService(s) Ready "
            "(created: arrives; updated: changes; unchanged: stays; deleted: leaves)"
        )
        assert await h.names(namespace) == ["arrives", "changes", "stays"]


async def test_migrate_precheck_refuses_with_api_message_without_creating_anything(
    stack: Any, namespace: str
) -> None:
    broken = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "spec": {"predictor": {"minReplicas": "many"}},
    }
    async with harness(stack.info) as h:
        composition, instance = element(entity("current", namespace))
        _, migrated = element(entity("target", namespace, broken))
        with pytest.raises(ElementFailure, match=r"target\): refused: 500: .*expected numeric"):
            await h.handler.migrate_precheck(
                element_context(composition, instance, target=composition, updated=migrated)
            )
        _, fine = element(entity("target", namespace))
        assert await h.handler.migrate_precheck(
            element_context(composition, instance, target=composition, updated=fine)
        )
        assert await h.names(namespace) == []


async def test_live_status_reports_when_model_stops_and_when_deleted_behind_our_back(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("watched", namespace))
        await h.handler.deploy(element_context(composition, instance))

        stopped_body = {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {
                "name": "watched",
                "namespace": namespace,
                "annotations": {"serving.kserve.io/stop": "true"},
            },
        }
        other = K8sClient.from_kubeconfig(
            stack.info.kubeconfig, h.client.resource, field_manager="someone-else"
        )
        await other.apply(stopped_body)
        await other.close()
        report = await h.reporter.info_matching(lambda r: states_of(r).get("watched") == "Stopped")
        assert report.operational_state == "NOT_READY"

        await h.client.delete(namespace, "watched")
        report = await h.reporter.info_matching(lambda r: states_of(r).get("watched") == "Gone")
        assert report.instance_id == instance.instance_id


async def test_restarted_participant_readopts_by_labels_without_duplicates(
    stack: Any, namespace: str
) -> None:
    composition, instance = element(entity("survivor", namespace))
    async with harness(stack.info) as first:
        await first.handler.deploy(element_context(composition, instance))
        participant = first.participant_id
        uid = (await first.client.get(namespace, "survivor"))["metadata"]["uid"]

    async with harness(stack.info, participant_id=participant) as second:
        await second.handler.restore(
            element_context(
                composition,
                instance,
                reporter=second.reporter,
                deploy_state=DeployState.DEPLOYED,
                lock_state=LockState.LOCKED,
            )
        )
        report = await second.reporter.info_matching(
            lambda r: states_of(r).get("survivor") == "Ready"
        )
        assert report.operational_state == "READY"
        outcome = await second.handler.deploy(element_context(composition, instance))
        assert outcome is not None
        assert "(unchanged: survivor)" in (outcome.message or "")
        assert await second.names(namespace) == ["survivor"]
        assert (await second.client.get(namespace, "survivor"))["metadata"]["uid"] == uid


async def test_restarted_participant_reattaches_to_deploy_in_flight_without_writing_again(
    stack: Any, namespace: str
) -> None:
    composition, instance = element(entity("late", namespace, ready_delay="1500ms"))
    async with harness(stack.info) as first:
        deploying = asyncio.create_task(
            first.handler.deploy(element_context(composition, instance))
        )
        await wait_created(first.client, namespace, "late", within=20)
        uid = (await first.client.get(namespace, "late"))["metadata"]["uid"]
        deploying.cancel()
        with pytest.raises(asyncio.CancelledError):
            await deploying

    async with harness(stack.info, participant_id=first.participant_id) as second:
        second.requests.clear()
        await second.handler.restore(
            element_context(
                composition,
                instance,
                reporter=second.reporter,
                deploy_state=DeployState.DEPLOYING,
                lock_state=LockState.NONE,
            )
        )
        assert second.requests["apply"] == 0  # re-attached, not re-deployed
        ready = await second.reporter.info_matching(lambda r: states_of(r).get("late") == "Ready")
        assert ready.operational_state == "READY"
        assert second.reporter.states == []  # the redelivered DEPLOY acks it, not the restore
        # ... which adopts the object the killed process created
        outcome = await second.handler.deploy(element_context(composition, instance))
        assert outcome is not None
        assert (await second.client.get(namespace, "late"))["metadata"]["uid"] == uid


async def test_fifty_instances_cost_one_apply_and_one_delete_each_over_their_life(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        await h.handler._watch.ensure_watching(namespace)
        h.requests.clear()
        # statusCheckInterval as long as the timeout: a re-read would show as a GET.
        elements = [
            element(entity(f"isvc-{i:02d}", namespace), timeout=300, interval=300)
            for i in range(50)
        ]
        outcomes = await asyncio.gather(
            *(h.handler.deploy(element_context(c, i)) for c, i in elements)
        )
        assert all(o is not None for o in outcomes)
        # One create-only apply per InferenceService (ownership comes from the watch, no GET);
        # readiness is watched, never polled: one list and one watch of KServe's Deployments
        # for the namespace.
        assert h.requests == {"apply": 50, "list": 1, "watch": 1}
        await asyncio.gather(*(h.handler.undeploy(element_context(c, i)) for c, i in elements))
        await asyncio.gather(*(h.handler.delete(element_context(c, i)) for c, i in elements))
        # The element's objects come from the watch too: one DELETE each, no list.
        assert h.requests == {"apply": 50, "delete": 50, "list": 1, "watch": 1}
        assert await h.names(namespace) == []


@contextlib.asynccontextmanager
async def _chatter(
    admin: AsyncClient, namespace: str, heard_by: InferenceServiceWatch
) -> AsyncIterator[None]:
    """A Deployment with KServe's label, changed twice a second, each change once ``heard_by``
    (the participant's Deployments watch) has heard the last: the participant hears from the API
    server all along (as during a mass deletion elsewhere)."""
    chatter = Deployment(
        metadata=ObjectMeta(name="chatter", namespace=namespace, labels={ISVC_LABEL: "chatter"}),
        spec=DeploymentSpec(
            replicas=0,
            selector=LabelSelector(matchLabels={"app": "chatter"}),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels={"app": "chatter"}),
                spec=PodSpec(containers=[Container(name="c", image="chatter")]),
            ),
        ),
    )
    heard = asyncio.Event()
    unsubscribe = heard_by.subscribe(
        lambda key, seen: heard.set() if key == (namespace, "chatter") else None
    )
    await heard_by.ensure_watching(namespace)
    await admin.create(chatter)

    done = asyncio.Event()

    async def talk() -> None:
        for turn in itertools.count():
            async with asyncio.timeout(30):
                await heard.wait()
            heard.clear()
            # Two changes a second are plenty against statusCheckIntervals of seconds; as fast
            # as the participant hears them would be a hundred and more.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.5):
                    await done.wait()
            if done.is_set():
                return
            patch = {"metadata": {"annotations": {"turn": str(turn)}}}
            await admin.patch(Deployment, "chatter", patch, namespace=namespace)

    talking = asyncio.create_task(talk())
    try:
        yield
    finally:
        done.set()
        heard.set()
        await talking
        unsubscribe()


async def test_a_deploy_slower_than_its_status_check_interval_costs_no_get_while_the_server_talks(
    stack: Any, namespace: str, kube_admin: AsyncClient
) -> None:
    async with harness(stack.info) as h:
        await h.handler._watch.ensure_watching(namespace)
        async with _chatter(kube_admin, namespace, h.handler._deployments):
            h.requests.clear()
            # Ready 12 s after its pod starts: the InferenceServices' stream is quiet for several
            # statusCheckIntervals of 4 s while nothing fails and other streams hear news.
            composition, instance = element(
                entity("patient", namespace, ready_delay="12s"), timeout=120, interval=4
            )
            assert await h.handler.deploy(element_context(composition, instance)) is not None
            await h.handler.undeploy(element_context(composition, instance))
            assert h.requests == {"apply": 1, "delete": 1}


async def test_deploy_acks_after_api_server_restart_when_ready_arrives_on_resumed_watch(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        resilient = entity("resilient", namespace, ready_delay="10s")  # not Ready before the hold
        composition, instance = element(resilient, timeout=120, interval=60)
        deploying = asyncio.create_task(h.handler.deploy(element_context(composition, instance)))
        await wait_created(h.client, namespace, "resilient", within=20)
        # Nothing becomes Ready until the API server has restarted. (KServe is held only once the
        # object exists: its admission webhooks, which the create goes through, would not answer.)
        stack.pause_kserve()
        try:
            await asyncio.to_thread(stack.stop_apiserver)
            await asyncio.to_thread(stack.start_apiserver)
            assert not deploying.done()
        finally:
            stack.resume_kserve()
        assert await asyncio.wait_for(deploying, 60) is not None
        report = await h.reporter.info_matching(lambda r: r.operational_state == "READY")
        (status,) = (report.out_properties or {})["inferenceServices"]
        assert status["url"] == f"http://resilient-{namespace}.example.com"
        assert h.requests["list"] >= 2  # the stream re-listed after the restart


async def test_migrate_moves_element_to_new_payload_and_rollback_restores_it(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("migrant", namespace))
        await h.handler.deploy(element_context(composition, instance))
        target, _ = element()
        changed = load_sample("docs__samples__istio-dex__sklearn.yaml")
        changed["spec"]["predictor"]["model"]["storageUri"] = "gs://models/sklearn/3.0/model"
        migrated = with_entities(instance, entity("migrant", namespace, changed))

        assert (
            await h.handler.migrate(
                element_context(composition, instance, target=target, updated=migrated, stage=0)
            )
            is not None
        )
        uri = (await h.client.get(namespace, "migrant"))["spec"]["predictor"]["model"]
        assert uri["storageUri"].endswith("3.0/model")

        assert (
            await h.handler.rollback(
                element_context(composition, instance, target=target, updated=migrated, stage=0)
            )
            is not None
        )
        uri = (await h.client.get(namespace, "migrant"))["spec"]["predictor"]["model"]
        assert uri["storageUri"] == "gs://kfserving-examples/models/sklearn/1.0/model"


async def test_cluster_wide_watch_serves_every_namespace_with_one_stream(
    stack: Any, namespace: str
) -> None:
    second = f"{namespace}-b"
    with stack.admin_client() as admin:
        admin.create(Namespace(metadata=ObjectMeta(name=second)))
    async with harness(stack.info, cluster_wide=True) as h:
        elements = [element(entity("east", namespace)), element(entity("west", second))]
        outcomes = await asyncio.gather(
            *(h.handler.deploy(element_context(c, i)) for c, i in elements)
        )
        assert all(o is not None for o in outcomes)
        # One cluster-wide stream of InferenceServices and one of KServe's Deployments.
        assert (h.requests["list"], h.requests["watch"]) == (2, 2)
        await asyncio.gather(*(h.handler.undeploy(element_context(c, i)) for c, i in elements))
        assert await h.names(namespace) == []
        assert await h.names(second) == []
