"""Asks the API server, with a SubjectAccessReview, what a ServiceAccount may do."""

from __future__ import annotations

from typing import Any

from lightkube import AsyncClient
from lightkube.models.authorization_v1 import ResourceAttributes, SubjectAccessReviewSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.authorization_v1 import SubjectAccessReview

from tests.integration.ops_support import eventually

INFERENCE_GROUP = "serving.kserve.io"


def service_account_user(namespace: str, account: str) -> tuple[str, list[str]]:
    return (
        f"system:serviceaccount:{namespace}:{account}",
        ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"],
    )


async def allowed(
    client: AsyncClient,
    home: str,
    *,
    verb: str,
    resource: str,
    namespace: str | None,
    group: str = "",
    subresource: str | None = None,
    account: str = "kserve-participant",
) -> bool:
    """Whether ServiceAccount ``home/account`` may ``verb`` the resource (None: all namespaces)."""
    user, groups = service_account_user(home, account)
    review = SubjectAccessReview(
        metadata=ObjectMeta(),
        spec=SubjectAccessReviewSpec(
            user=user,
            groups=groups,
            resourceAttributes=ResourceAttributes(
                namespace=namespace,
                verb=verb,
                group=group,
                resource=resource,
                subresource=subresource,
            ),
        ),
    )
    answer = await client.create(review)
    assert answer.status is not None
    return bool(answer.status.allowed)


async def granted_once_seen(
    client: AsyncClient, home: str, *, within: float = 30.0, **review: Any
) -> None:
    """Waits until the API server's RBAC authorizer grants ``review`` (the arguments of
    :func:`allowed`) to a Role or binding just created: it reads them from an informer cache, so
    a review sent right after the create can still be answered from before it."""

    async def granted() -> bool | None:
        return True if await allowed(client, home, **review) else None

    await eventually(granted, within=within, what=f"{review} granted to {home}")
