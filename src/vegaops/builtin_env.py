"""The built-in environment ``sandbox`` as the rest of vegaops sees it: its fixed names, the state file
(``state_dir()/sandbox.json``) that says where a running sandbox is and whether it lives, and the settings
``--env sandbox`` resolves to.

It sits below both ``vegaops.config`` (which offers ``sandbox`` as a built-in environment) and the
``vegaops.sandbox`` package (which runs it, and parses vegaops.toml to seed it), so neither imports the other
back; ``vegaops.sandbox.state`` and ``vegaops.sandbox.env`` re-export it for the sandbox's own modules. Light
imports only: config reads it on every ``--env sandbox`` run.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REGION = "eu-central-1"
ACCOUNT_ID = "123456789012"
STATE_FILENAME = "sandbox.json"


@dataclass(frozen=True)
class SandboxState:
    pid: int
    port: int
    endpoint: str
    region: str
    started_at: str
    speed: float
    registry: str | None = None  # host:port of the sandbox's docker-registry, when installed


def state_path(state_dir: Path | None = None) -> Path:
    if state_dir is None:
        from vegaops.paths import state_dir as default_state_dir

        state_dir = default_state_dir()
    return state_dir / STATE_FILENAME


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not alive.
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def read_state(path: Path) -> SandboxState | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return SandboxState(
            pid=int(raw["pid"]),
            port=int(raw["port"]),
            endpoint=str(raw["endpoint"]),
            region=str(raw.get("region", REGION)),
            started_at=str(raw.get("started_at", "")),
            speed=float(raw.get("speed", 1.0)),
            registry=raw.get("registry") or None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(path: Path, state: SandboxState) -> None:
    from vegaops.paths import replace_private

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    replace_private(path, json.dumps(asdict(state), indent=2) + "\n")  # 0600, like every state file


def live_state(state_dir: Path | None = None) -> SandboxState | None:
    """The running sandbox, or None; a state file whose process is gone is stale and removed."""
    path = state_path(state_dir)
    state = read_state(path)
    if state is None:
        if path.exists():
            path.unlink(missing_ok=True)
        return None
    if not pid_alive(state.pid):
        path.unlink(missing_ok=True)
        return None
    return state


def clear_state(path: Path, pid: int | None = None) -> None:
    """Remove the state file (only if it still describes ``pid``, when given)."""
    if pid is not None:
        state = read_state(path)
        if state is not None and state.pid != pid:
            return
    path.unlink(missing_ok=True)


def running_state() -> SandboxState:
    """The running sandbox's state; a ConfigError when it does not run."""
    from vegaops.errors import ConfigError

    state = live_state()
    if state is None:
        raise ConfigError("the sandbox is not running", hint="run: vegaops sandbox up")
    return state


def state_data(state: SandboxState) -> dict[str, object]:
    """The running sandbox as the ``sandbox`` commands report it."""
    return {
        "running": True,
        "pid": state.pid,
        "port": state.port,
        "endpoint": state.endpoint,
        "region": state.region,
        "started_at": state.started_at,
        "speed": state.speed,
    }


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
