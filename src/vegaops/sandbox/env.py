"""The built-in ``sandbox`` environment: settings that point every client at the running sandbox."""

from __future__ import annotations

from typing import Any

from vegaops.errors import ConfigError
from vegaops.sandbox import estate
from vegaops.sandbox.state import SandboxState, load


def exports(state: SandboxState) -> dict[str, str]:
    """What other tools (aws cli, boto3 scripts) need to talk to the sandbox."""
    return {
        "AWS_ENDPOINT_URL": state.endpoint,
        "AWS_ACCESS_KEY_ID": estate.CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": estate.CREDENTIALS["aws_secret_access_key"],
        "AWS_REGION": state.region,
        "AWS_DEFAULT_REGION": state.region,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def running() -> SandboxState:
    state = load()
    if state is None:
        raise ConfigError("the sandbox is not running (--env sandbox needs it)", hint="run: vegaops sandbox up")
    return state


def provider() -> dict[str, Any]:
    from vegaops.config import ServiceConfig

    state = running()
    services = {
        s.key: ServiceConfig(
            name=s.key, ecs_service=s.ecs_service, container=s.container, ecr_repo=s.repo,
            health_url=f"{state.endpoint}/_sandbox/health/{s.key}" if s.port else None,
        )
        for s in estate.SERVICES
    }
    return {
        "cluster": estate.CLUSTER,
        "region": state.region,
        "endpoint_url": state.endpoint,
        "secrets_prefix": estate.SECRETS_PREFIX,
        "params_prefix": estate.PARAMS_PREFIX,
        "source_repo_prefix": estate.SOURCE_REPO_PREFIX,
        "_credentials": dict(estate.CREDENTIALS),
        "_services": services,
    }
