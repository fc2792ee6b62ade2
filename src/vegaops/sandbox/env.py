"""The built-in environment ``sandbox`` and the variables that point other tools at the sandbox (light imports)."""

from __future__ import annotations

from typing import Any

from vegaops.sandbox.state import REGION, live_state

CLUSTER = "vega-sandbox"
SECRETS_PREFIX = "vega/sandbox/"
PARAMS_PREFIX = "/vega/sandbox/"
SOURCE_REPO_PREFIX = "staging/"
CREDENTIALS = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}

# service key -> (ECS service, container, ECR repository, behind the ALB)
DEMO_SERVICES: dict[str, tuple[str, str, str, bool]] = {
    "api": ("vega-api", "api", "vega-api", True),
    "worker": ("vega-worker", "worker", "vega-worker", False),
    "llm-proxy": ("vega-llm-proxy", "llm-proxy", "vega-llm-proxy", True),
    "checkout": ("vega-checkout", "checkout", "vega-checkout", True),
    "search": ("vega-search", "search", "vega-search", True),
}
# ECS service -> its deployment strategy (deploymentConfiguration keys; the others deploy ROLLING). Minutes run
# as the sandbox's ``minute`` (10 s by default: ``vegaops sandbox up`` says so).
DEMO_STRATEGIES: dict[str, dict[str, Any]] = {
    "vega-checkout": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1},
    "vega-search": {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 20.0, "canaryBakeTimeInMinutes": 1},
        "bakeTimeInMinutes": 1,
    },
}


def env_vars(endpoint: str) -> dict[str, str]:
    """What ``vegaops sandbox env`` exports: dummy credentials, the endpoint, the region."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def sandbox_env() -> dict[str, Any]:
    """Settings of ``--env sandbox``; a ConfigError (exit 2) when no sandbox is running.

    ``_services`` holds each service's ``ServiceConfig`` fields as a plain dict: ``vegaops.config`` builds the
    objects, so this module (which config calls) never imports config back."""
    from vegaops.errors import ConfigError

    state = live_state()
    if state is None:
        raise ConfigError("the sandbox is not running", hint="run: vegaops sandbox up")
    endpoint = state.endpoint
    services = {
        key: {
            "name": key,
            "ecs_service": svc,
            "container": container,
            "ecr_repo": repo,
            "health_url": f"{endpoint}/_sandbox/health/{key}" if alb else None,
        }
        for key, (svc, container, repo, alb) in DEMO_SERVICES.items()
    }
    # pushes go to the sandbox's docker-registry, which reaches ECR asynchronously (ecr.push waits for it)
    extra = {"ecr_registry": state.registry, "_registry_mirror": True} if state.registry else {}
    return {
        **extra,
        "cluster": CLUSTER,
        "region": state.region,
        "endpoint_url": endpoint,
        "secrets_prefix": SECRETS_PREFIX,
        "params_prefix": PARAMS_PREFIX,
        "tag_rule": "",
        "source_repo_prefix": SOURCE_REPO_PREFIX,
        "_credentials": dict(CREDENTIALS),
        "_services": services,
    }
