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

# Where a failed call went, written into its error response's ResponseMetadata (botocore raises ClientError with
# that dict as ``exc.response``), so an error can name the endpoint that failed without any module-level state.
ENDPOINT_KEY = "VegaopsEndpoint"

# Seconds after which a call to an AWS endpoint that does not answer gives up, retries included
# (config key ``aws_timeout``, environment variable ``VEGAOPS_AWS_TIMEOUT``).
DEFAULT_AWS_TIMEOUT = 30.0
TIMEOUT_ENV = "VEGAOPS_AWS_TIMEOUT"
# botocore's standard retry mode sleeps up to random() * 2**(attempt-1) seconds (capped at 20) between attempts.
_MAX_BACKOFF = 20.0


def _backoff_budget(attempts: int) -> float:
    return sum(min(_MAX_BACKOFF, 2.0 ** (n - 1)) for n in range(1, attempts))


def timeout_budget(total: float, max_attempts: int) -> tuple[int, float, float]:
    """Split a total give-up time into (attempts, connect timeout, read timeout) per attempt.

    The worst case, every attempt timing out plus the longest backoff sleeps between them, stays
    within ``total``: fewer attempts when the budget is small, never fewer than one; at least one
    second per attempt.
    """
    attempts = max(1, max_attempts)
    while attempts > 1 and (total - _backoff_budget(attempts)) / attempts < 2.0:
        attempts -= 1
    per_attempt = max(1.0, (total - _backoff_budget(attempts)) / attempts)
    return attempts, min(per_attempt, 10.0), per_attempt


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


class _SearchPaths(list[str]):
    """A loader's search paths; boto3 appends its own data directory once per session, so ignore repeats."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@functools.cache
def data_loader(data_path: str | None) -> Any:
    """botocore's loader of service models, one per process: by default each session builds its own and parses the
    large JSON models again (in-process tests build a session per command they run; a real run builds one)."""
    from botocore.loaders import Loader

    paths = _SearchPaths(os.path.expanduser(p) for p in data_path.split(os.pathsep)) if data_path else _SearchPaths()
    return Loader(extra_search_paths=paths)


# Services whose API is answered in one region only (the AWS Price List API: us-east-1, and the Cost Explorer API).
HOME_REGIONS = {"pricing": "us-east-1", "ce": "us-east-1"}


class ClientFactory:
    """Builds (and caches) boto3 clients for one profile/region/endpoint.

    Retries use botocore's ``standard`` mode (throttling and 5xx); every attempt has a connect and a
    read timeout so that an endpoint that never answers gives up within ``timeout`` seconds, retries
    included (see ``timeout_budget``); the user agent carries ``vegaops/<version>``. When an endpoint
    override is active, ``inject_host_prefix`` is off so host-prefixed operations (e.g.
    ``StartLiveTail``) reach the override instead of ``stream-<host>``.
    """

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = 4,
        credentials: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> None:
        self.profile = profile
        self.region = region
        self.endpoint_url = endpoint_url
        self.max_attempts = max_attempts
        self.timeout = timeout if timeout is not None else env_timeout()
        self.credentials = credentials
        self._session: boto3.Session | None = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def derive(self, region: str | None = None, max_attempts: int | None = None) -> ClientFactory:
        """A factory for the same profile, credentials, endpoint and timeout with another region and/or
        number of attempts (None keeps this one's)."""
        return ClientFactory(
            profile=self.profile,
            region=region or self.region,
            endpoint_url=self.endpoint_url,
            max_attempts=max_attempts if max_attempts is not None else self.max_attempts,
            credentials=self.credentials,
            timeout=self.timeout,
        )

    def session(self) -> boto3.Session:
        if self._session is None:
            import boto3
            import botocore.session

            core = botocore.session.Session()
            core.register_component("data_loader", data_loader(core.get_config_variable("data_path")))
            creds = self.credentials or {}
            self._session = boto3.Session(
                botocore_session=core,
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

        attempts, connect, read = timeout_budget(self.timeout, self.max_attempts)
        config = Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=connect,
            read_timeout=read,
            user_agent_extra=f"vegaops/{__version__}",
            inject_host_prefix=not endpoint_override_active(service, self.endpoint_url),
            max_pool_connections=20,
        )
        session = self.session()
        kwargs: dict[str, Any] = {"config": config}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        elif service in HOME_REGIONS:  # answered in one region only, whatever region the estate is in
            kwargs["region_name"] = HOME_REGIONS[service]
        client = session.client(service, **kwargs)  # type: ignore[call-overload]
        url = str(client.meta.endpoint_url)

        def remember(http_response: Any = None, parsed: Any = None, **_: Any) -> None:
            failed = http_response is not None and getattr(http_response, "status_code", 200) >= 300
            if failed and isinstance(parsed, dict):
                metadata = parsed.setdefault("ResponseMetadata", {})
                if isinstance(metadata, dict):
                    metadata[ENDPOINT_KEY] = url

        client.meta.events.register("after-call", remember)
        return client

    def resolved_region(self) -> str | None:
        name: str | None = self.session().region_name
        return name


def has_credentials(profile: str | None, region: str | None) -> bool:
    """Whether boto3 finds credentials for ``profile`` (an unknown profile raises botocore's error)."""
    import boto3

    credentials = boto3.Session(profile_name=profile, region_name=region).get_credentials()
    return credentials is not None


def env_timeout() -> float:
    """``VEGAOPS_AWS_TIMEOUT`` (seconds or a duration like 45s, 2m), else the default."""
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_AWS_TIMEOUT
    from vegaops.inputs import parse_duration

    return parse_duration(raw, f"environment variable {TIMEOUT_ENV}")
