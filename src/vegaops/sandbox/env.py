"""The built-in environment ``sandbox`` and the variables that point other tools at the sandbox (light imports).

Defined in :mod:`vegaops.builtin_env` (below vegaops.config, which resolves ``--env sandbox`` with it)."""

from __future__ import annotations

from vegaops.builtin_env import (
    CLUSTER,
    CREDENTIALS,
    DEMO_SERVICES,
    DEMO_STRATEGIES,
    PARAMS_PREFIX,
    SECRETS_PREFIX,
    SOURCE_REPO_PREFIX,
    env_vars,
    sandbox_env,
)

__all__ = [
    "CLUSTER",
    "CREDENTIALS",
    "DEMO_SERVICES",
    "DEMO_STRATEGIES",
    "PARAMS_PREFIX",
    "SECRETS_PREFIX",
    "SOURCE_REPO_PREFIX",
    "env_vars",
    "sandbox_env",
]
