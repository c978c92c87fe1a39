"""The participant's own identity on the dev stack: RBAC for user ``participant`` and a kubeconfig.

The stack's static-token user ``participant`` has no rights until granted (tests rely on that);
granted here in one namespace, it can do there what the participant's Helm chart grants
(InferenceServices: read, watch, write, delete; KServe's Deployments: read), so a participant run
as that user is audited apart from everyone else (``devstack.audit``).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from lightkube import Client
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.models.rbac_v1 import PolicyRule, RoleRef, Subject
from lightkube.resources.rbac_authorization_v1 import Role, RoleBinding

from kserve_participant.devstack.audit import AUDITED_USER
from kserve_participant.devstack.info import StackInfo

__all__ = ["grant_participant", "write_participant_kubeconfig"]

_ROLE = "ksp-dev-participant"
_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]


def grant_participant(admin: Client, namespace: str) -> None:
    """Let user ``participant`` manage InferenceServices in ``namespace`` (idempotent)."""
    admin.apply(
        Role(
            metadata=ObjectMeta(name=_ROLE, namespace=namespace),
            rules=[
                PolicyRule(
                    apiGroups=["serving.kserve.io"],
                    resources=["inferenceservices"],
                    verbs=_VERBS,
                ),
                PolicyRule(
                    apiGroups=["apps"], resources=["deployments"], verbs=["get", "list", "watch"]
                ),
            ],
        ),
        field_manager="ksp-dev",
    )
    admin.apply(
        RoleBinding(
            metadata=ObjectMeta(name=_ROLE, namespace=namespace),
            roleRef=RoleRef(apiGroup="rbac.authorization.k8s.io", kind="Role", name=_ROLE),
            subjects=[
                Subject(kind="User", name=AUDITED_USER, apiGroup="rbac.authorization.k8s.io")
            ],
        ),
        field_manager="ksp-dev",
    )


def write_participant_kubeconfig(path: Path, info: StackInfo) -> Path:
    """A kubeconfig that authenticates as user ``participant`` (its static token)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "ksp-dev",
                "cluster": {"server": info.api_server, "certificate-authority": str(info.ca_file)},
            }
        ],
        "users": [{"name": AUDITED_USER, "user": {"token": info.participant_token}}],
        "contexts": [
            {
                "name": "ksp-dev",
                "context": {"cluster": "ksp-dev", "user": AUDITED_USER, "namespace": "default"},
            }
        ],
        "current-context": "ksp-dev",
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path.resolve()
