"""An ACM participant that drives a REST service: each element is one resource of it.

On deploy it PUTs the element's ``payload`` to ``{endpoint}/{element id}``; on undeploy it
DELETEs that resource. A 5xx answer or an unreachable service is retried (the SDK backs off and
calls again); a 4xx answer fails the operation at once with the service's own reason.

Run it (every option also reads an environment variable, see ``--help``)::

    python -m acm_participant run http_participant:HttpHandler \\
        --participant-id 5d1c6c2a-7d0e-4c55-9d8e-2f6f3c1b0a11 \\
        --element-type org.example.HttpElement:1.0.0 --bootstrap kafka:9092

Written against ``acm_participant``'s public API only (``docs/sdk.md`` walks through it).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

import acm_participant as acm

PARTICIPANT_ID = UUID("5d1c6c2a-7d0e-4c55-9d8e-2f6f3c1b0a11")
HTTP_ELEMENT = acm.SupportedElementType(type_name="org.example.HttpElement", type_version="1.0.0")


class HttpElementProperties(BaseModel):
    """What an element of type HttpElement says (composition and instance properties merged)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    endpoint: HttpUrl
    payload: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float = Field(default=10.0, gt=0, alias="timeoutSeconds")


class HttpHandler(acm.ElementHandler):
    properties_model = HttpElementProperties

    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        self._client = client or httpx.AsyncClient()

    async def stop(self) -> None:
        await self._client.aclose()

    def log_fields(self, element: acm.ElementContext) -> dict[str, object]:
        return {"endpoint": element.properties.get("endpoint")}

    @staticmethod
    def _resource(element: acm.ElementContext, spec: HttpElementProperties) -> str:
        return f"{str(spec.endpoint).rstrip('/')}/{element.element_id}"

    async def _call(self, method: str, url: str, spec: HttpElementProperties, **kw: Any) -> int:
        try:
            response = await self._client.request(method, url, timeout=spec.timeout_s, **kw)
        except httpx.HTTPError as exc:
            raise acm.RetryableFailure(f"{method} {url}: {exc or type(exc).__name__}") from None
        if response.status_code >= 500:
            raise acm.RetryableFailure(f"{method} {url}: {response.status_code}")
        if response.status_code >= 400 and response.status_code != 404:
            reason = response.text.strip()[:200]
            raise acm.ElementFailure(f"{method} {url}: {response.status_code} {reason}")
        return response.status_code

    async def deploy(self, element: acm.ElementContext) -> acm.ElementOutcome:
        spec = element.parsed(HttpElementProperties)
        url = self._resource(element, spec)
        status = await self._call("PUT", url, spec, json=spec.payload)
        if status == 404:
            raise acm.ElementFailure(f"PUT {url}: 404, is the endpoint right?")
        element.log.info("PUT %s: %s", url, status)
        return acm.ElementOutcome(message=f"PUT {url}: {status}", out_properties={"url": url})

    async def undeploy(self, element: acm.ElementContext) -> acm.ElementOutcome:
        spec = element.parsed(HttpElementProperties)
        url = self._resource(element, spec)
        status = await self._call("DELETE", url, spec)
        return acm.ElementOutcome(message=f"DELETE {url}: {status}")

    async def update(self, element: acm.ElementContext) -> acm.ElementOutcome:
        return await self.deploy(element)  # PUT is idempotent: the new payload replaces the old

    async def delete(self, element: acm.ElementContext) -> None:
        return None  # nothing is left once undeployed
