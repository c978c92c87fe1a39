"""Revision gates and the reading of wire messages into orders (both pure)."""

from __future__ import annotations

from uuid import uuid4

from acm_participant._core.adapters.wire import read_deploy, read_migration, read_prime
from acm_participant._core.engine.gates import ParkingLot, missing_for
from acm_participant._core.state.cache import CompositionEntry, InstanceEntry, ParticipantCache
from acm_participant.protocol import (
    CompositionElementDto,
    DeployOrder,
    ElementDto,
    ElementState,
    InstanceElementDto,
    MigrationState,
    ParticipantDto,
)

from .builders import OTHER_PARTICIPANT, PARTICIPANT_ID, Element, World


def cache_with(world: World, *, instance_revision=None) -> ParticipantCache:
    cache = ParticipantCache()
    cache.compositions[world.composition_id] = CompositionEntry(
        composition_id=world.composition_id, revision_id=world.revision_composition
    )
    if instance_revision is not None:
        cache.instances[world.instance_id] = InstanceEntry(
            instance_id=world.instance_id,
            composition_id=world.composition_id,
            revision_id=instance_revision,
        )
    return cache


def test_gate_passes_when_the_message_has_no_revisions():
    world = World()
    order = read_deploy(world.deploy(), PARTICIPANT_ID)
    assert not missing_for(ParticipantCache(), order)


def test_gate_names_only_the_composition_when_its_revision_differs():
    world = World(revision_composition=uuid4(), revision_instance=uuid4())
    cache = cache_with(world)
    world.revision_composition = uuid4()
    missing = missing_for(cache, read_deploy(world.deploy(), PARTICIPANT_ID))
    assert (missing.composition_id, missing.instance_id, missing.composition_target_id) == (
        world.composition_id,
        None,
        None,
    )


def test_gate_skips_the_instance_revision_when_deleting():
    from acm_participant._core.adapters.wire import read_state_change

    world = World(revision_composition=uuid4(), revision_instance=uuid4())
    cache = cache_with(world, instance_revision=uuid4())
    delete = read_state_change(world.state_change(deploy=DeployOrder.DELETE), PARTICIPANT_ID)
    undeploy = read_state_change(world.state_change(deploy=DeployOrder.UNDEPLOY), PARTICIPANT_ID)
    assert not missing_for(cache, delete)
    assert missing_for(cache, undeploy).instance_id == world.instance_id


def test_gate_requires_the_migration_target_even_without_revisions():
    world = World()
    order = read_migration(world.migration(uuid4()), PARTICIPANT_ID)
    assert (
        missing_for(cache_with(world), order).composition_target_id == order.composition_target_id
    )


def test_parking_releases_only_messages_whose_gates_pass():
    world = World(revision_composition=uuid4())
    lot = ParkingLot()
    cache = ParticipantCache()
    order = read_deploy(world.deploy(), PARTICIPANT_ID)
    lot.park(order)
    assert lot.take_ready(cache) == []
    cache.compositions[world.composition_id] = CompositionEntry(
        composition_id=world.composition_id, revision_id=world.revision_composition
    )
    assert lot.take_ready(cache) == [order]
    assert len(lot) == 0


def test_read_deploy_keeps_my_elements_and_prefers_dto_properties():
    world = World(elements=[Element(properties={"legacy": 1})])
    element = world.elements[0]
    dto = ParticipantDto(
        participant_id=PARTICIPANT_ID,
        element_dtos=[
            ElementDto(
                composition_element=CompositionElementDto(
                    element_definition_id=element.definition, in_properties={"c": 1}
                ),
                instance_element_target=InstanceElementDto(
                    element_id=element.element_id, in_properties={"dto": 2}
                ),
            )
        ],
    )
    others = World(participant_id=OTHER_PARTICIPANT).updates(DeployOrder.DEPLOY)
    message = world.deploy(
        participant_updates_list=world.updates(DeployOrder.DEPLOY) + others,
        participant_dto_list=[dto],
    )
    order = read_deploy(message, PARTICIPANT_ID)
    (read,) = order.elements
    assert (read.element_id, read.properties, read.composition_properties) == (
        element.element_id,
        {"dto": 2},
        {"c": 1},
    )


def test_read_migration_takes_new_elements_from_dtos_when_legacy_lists_are_absent():
    world = World()
    new_id = uuid4()
    dto = ParticipantDto(
        participant_id=PARTICIPANT_ID,
        element_dtos=[
            ElementDto(
                composition_element_target=CompositionElementDto(
                    element_definition_id=world.elements[0].definition, in_properties={"t": 1}
                ),
                instance_element=InstanceElementDto(state=ElementState.NOT_PRESENT),
                instance_element_target=InstanceElementDto(
                    element_id=new_id, in_properties={"p": 1}, state=ElementState.NEW
                ),
            )
        ],
    )
    message = world.migration(uuid4(), participant_updates_list=[], participant_dto_list=[dto])
    (read,) = read_migration(message, PARTICIPANT_ID).elements
    assert (read.element_id, read.migration_state, read.target_composition_properties) == (
        new_id,
        MigrationState.NEW,
        {"t": 1},
    )
    assert read.previous_properties is None


def test_read_prime_tells_prime_from_deprime_without_prime_order():
    world = World()
    assert read_prime(world.prime(prime_order=None), PARTICIPANT_ID).prime
    deprime = read_prime(world.deprime(prime_order=None), PARTICIPANT_ID)
    assert not deprime.prime
    assert deprime.names_me
    foreign = read_prime(
        world.prime(
            participant_definition_updates=world.definitions(participant_id=OTHER_PARTICIPANT)
        ),
        PARTICIPANT_ID,
    )
    assert not foreign.names_me
