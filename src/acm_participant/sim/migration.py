"""How a migration changes an instance, as ACM-R computes it: NEW and REMOVED elements, stages.

Pure functions over the runtime model, used by the driver to build MIGRATION messages, to know
which elements answer at each stage and to adopt the target composition at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from acm_participant.protocol import DeployState, LockState, MigrationState
from acm_participant.sim.model import (
    CompositionModel,
    ElementSpec,
    InstanceElementModel,
    InstanceModel,
)

__all__ = ["adopt_migration", "migrated_instance", "migration_stages"]


def migrated_instance(
    instance: InstanceModel, target: CompositionModel, elements: Sequence[ElementSpec]
) -> InstanceModel:
    """The instance as it will be in ``target``: known ids stay, new ids are NEW, others REMOVED."""
    migrated = InstanceModel(
        instance.instance_id,
        target.composition_id,
        revision=instance.revision,
        deploy_state=instance.deploy_state,
        lock_state=instance.lock_state,
        composition_target_id=target.composition_id,
    )
    for spec in elements:
        old = instance.elements.get(spec.element_id)
        migrated.elements[spec.element_id] = InstanceElementModel(
            element_id=spec.element_id,
            definition=spec.definition,
            participant_id=target.element(spec.definition).participant_id,
            properties=dict(spec.properties),
            out_properties=dict(old.out_properties) if old else {},
            deploy_state=old.deploy_state if old else DeployState.UNDEPLOYED,
            lock_state=old.lock_state if old else LockState.NONE,
            migration_state=MigrationState.DEFAULT if old else MigrationState.NEW,
        )
    for element_id, old in instance.elements.items():
        if element_id not in migrated.elements:
            migrated.elements[element_id] = replace(old, migration_state=MigrationState.REMOVED)
    return migrated


def migration_stages(
    migrated: InstanceModel, target: CompositionModel, *, rollback: bool
) -> list[int]:
    stages: set[int] = set()
    for element in migrated.elements.values():
        if element.migration_state != MigrationState.REMOVED:
            stages.update(target.element(element.definition).stages("migrate"))
    ordered = sorted(stages or {0})
    return ordered[::-1] if rollback else ordered


def adopt_migration(
    instance: InstanceModel, migrated: InstanceModel, target: CompositionModel
) -> None:
    instance.composition_id = target.composition_id
    instance.composition_target_id = None
    instance.elements = {
        element_id: element
        for element_id, element in migrated.elements.items()
        if element.migration_state != MigrationState.REMOVED
    }
    for element in instance.elements.values():
        element.migration_state = MigrationState.DEFAULT
