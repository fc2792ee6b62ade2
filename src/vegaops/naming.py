"""One address space: how names relative to an environment map to SSM and Secrets Manager names,
how keys become environment-variable names, and the tag keys vegaops writes on ECS resources."""

from __future__ import annotations

import re

from vegaops.errors import UsageError

# tags vegaops writes on task definition revisions and services (deploy.core, images.running)
TAG_KEY = "vegaops:tag"
DEPLOYER_KEY = "vegaops:deployed-by"
OUTCOME_KEY = "vegaops:outcome"
DEPLOYMENT_KEY = "vegaops:deployment"
DEPLOYED_AT_KEY = "vegaops:deployed-at"
RESOLVED_KEY = "vegaops:outcome-from"  # set when the outcome was resolved from ECS after the fact


def param_name(prefix: str, name: str) -> str:
    """``log-level`` under ``/vega/prod/`` -> ``/vega/prod/log-level``; absolute names stay as given."""
    name = name.strip()
    if not name:
        raise UsageError("parameter name is empty", hint="give a name such as log-level")
    full = name if name.startswith("/") else "/" + (prefix.strip("/") + "/" + name).strip("/")
    full = re.sub(r"/+", "/", full)
    if full.endswith("/"):
        raise UsageError(
            f"invalid parameter name {full!r}: ends with /",
            hint="use letters, digits and . - _ /, e.g. log-level or /vega/prod/log-level",
        )
    from vegaops.inputs import check_param_name

    return check_param_name(full)


def param_path(prefix: str, path: str | None) -> str:
    if not path:
        full = "/" + prefix.strip("/")
    else:
        full = path if path.startswith("/") else "/" + (prefix.strip("/") + "/" + path).strip("/")
    return re.sub(r"/+", "/", full)


def secret_name(prefix: str, name: str) -> str:
    """``database-url`` under ``vega/prod/`` -> ``vega/prod/database-url``; a leading ``/`` means absolute."""
    name = name.strip()
    if not name:
        raise UsageError("secret name is empty", hint="give a name such as database-url")
    full = name[1:] if name.startswith("/") else prefix + name
    from vegaops.inputs import check_secret_name

    return check_secret_name(full)


def relative(prefix: str, full: str) -> str:
    """The name as the user would type it in this environment."""
    if prefix and full.startswith(prefix):
        return full[len(prefix) :]
    slashed = "/" + prefix.strip("/") + "/"
    if full.startswith(slashed) and slashed != "//":
        return full[len(slashed) :]
    return full if full.startswith("/") or not prefix else "/" + full


def env_var_name(key: str) -> str:
    """``db-password`` -> ``DB_PASSWORD``; ``api/openai.key`` -> ``API_OPENAI_KEY``."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key.strip("/"))
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()
    if not text:
        raise UsageError(f"cannot make an environment variable name from {key!r}")
    return "_" + text if text[0].isdigit() else text
