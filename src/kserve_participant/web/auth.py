"""HTTP basic authentication for every endpoint except the two Kubernetes probes.

No default password: without one configured, protected endpoints refuse every request (401), so
a forgotten secret fails closed. Comparison is constant-time; credentials are never logged.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging

from pydantic import SecretStr

__all__ = ["BasicAuth"]

log = logging.getLogger(__name__)


class BasicAuth:
    def __init__(self, user: str, password: SecretStr | None) -> None:
        self._user = user.encode()
        self._password = password.get_secret_value().encode() if password else None

    @property
    def configured(self) -> bool:
        return self._password is not None

    def explain_if_unconfigured(self) -> None:
        if not self.configured:
            log.warning(
                "no HTTP password configured (HTTP_PASSWORD / spring.security.user.password): "
                "health, metrics and prometheus endpoints refuse every request; "
                "the liveness and readiness probes stay open"
            )

    def allows(self, authorization: str | None) -> bool:
        """True when the ``Authorization`` header carries the configured user and password."""
        if self._password is None or not authorization:
            return False
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        user, separator, password = decoded.partition(b":")
        if not separator:
            return False
        user_ok = hmac.compare_digest(user, self._user)
        password_ok = hmac.compare_digest(password, self._password)
        return user_ok and password_ok
