"""The one place boto3 sessions and clients are built.

boto3 is imported inside functions only, so importing this module costs nothing at start-up.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import TYPE_CHECKING, Any

from vegaops import __version__

if TYPE_CHECKING:
    import boto3


@functools.cache
def _service_env_suffix(service: str) -> str:
    """botocore's per-service endpoint variable suffix: ``secretsmanager`` -> ``SECRETS_MANAGER``."""
    import botocore.session

    try:
        service_id = botocore.session.get_session().get_service_model(service).service_id
    except Exception:  # unknown to botocore: the client call will say so
        return service.upper().replace("-", "_")
    return str(service_id).replace(" ", "_").replace("-", "_").upper()


def endpoint_override_active(service: str, explicit: str | None = None) -> bool:
    """True when calls go somewhere other than real AWS (``AWS_ENDPOINT_URL[_SERVICE]`` or config)."""
    if explicit or os.environ.get("AWS_ENDPOINT_URL"):
        return True
    if not any(k.startswith("AWS_ENDPOINT_URL_") for k in os.environ):
        return False
    return bool(os.environ.get("AWS_ENDPOINT_URL_" + _service_env_suffix(service)))


class ClientFactory:
    """Builds (and caches) boto3 clients for one profile/region/endpoint.

    Retries use botocore's ``standard`` mode (throttling and 5xx); the user agent carries
    ``vegaops/<version>``. When an endpoint override is active, ``inject_host_prefix`` is off so
    host-prefixed operations (e.g. ``StartLiveTail``) reach the override instead of ``stream-<host>``.
    """

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
        credentials: dict[str, str] | None = None,
    ) -> None:
        self.profile = profile
        self.region = region
        self.endpoint_url = endpoint_url
        self.max_attempts = max_attempts
        self.credentials = credentials
        self._session: boto3.Session | None = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def session(self) -> boto3.Session:
        if self._session is None:
            import boto3

            creds = self.credentials or {}
            self._session = boto3.Session(
                profile_name=self.profile,
                region_name=self.region,
                aws_access_key_id=creds.get("aws_access_key_id"),
                aws_secret_access_key=creds.get("aws_secret_access_key"),
                aws_session_token=creds.get("aws_session_token"),
            )
        return self._session

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._build(service)
            return self._clients[service]

    def _build(self, service: str) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": self.max_attempts},
            user_agent_extra=f"vegaops/{__version__}",
            inject_host_prefix=not endpoint_override_active(service, self.endpoint_url),
            max_pool_connections=20,
        )
        session = self.session()
        kwargs: dict[str, Any] = {"config": config}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        return session.client(service, **kwargs)  # type: ignore[call-overload]

    def resolved_region(self) -> str | None:
        name: str | None = self.session().region_name
        return name
