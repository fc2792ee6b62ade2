"""Reading whole prefixes of both stores (SSM config and Secrets Manager secrets) for export, exec, diff
and import. Names are relative to the environment's prefixes (naming.relative); values stay Sensitive."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from vegaops.naming import env_var_name, param_path, relative
from vegaops.sensitive import Sensitive

if TYPE_CHECKING:
    from vegaops.context import AppContext


def secret_values(ctx: AppContext, prefix: str | None = None) -> dict[str, Sensitive]:
    """Relative secret name -> current value, for every live secret under the prefix."""
    from vegaops.aws.secrets import SecretsCatalog

    base = ctx.settings.secrets_prefix
    full_prefix = base + (prefix or "").lstrip("/") if not (prefix or "").startswith("/") else (prefix or "")[1:]
    store = SecretsCatalog(ctx.client("secretsmanager"))
    out: dict[str, Sensitive] = {}
    for item in store.listing(full_prefix):
        if item.deleted is not None:
            continue
        got = store.get(item.arn)
        if got is not None:
            out[relative(base, item.name)] = got.value
    return out


def param_values(ctx: AppContext, prefix: str | None = None) -> dict[str, Sensitive]:
    """Relative parameter name -> value (decrypted), recursively under the path."""
    from vegaops.aws.ssm import Ssm

    base = ctx.settings.params_prefix
    path = param_path(base, prefix)
    return {
        relative(base, p.name): Sensitive(p.value or "")
        for p in Ssm(ctx.client("ssm")).by_path(path, True, decrypt=True)
    }


def as_env(values: dict[str, Sensitive]) -> dict[str, Sensitive]:
    """Relative names -> environment variable names (the one rule: naming.env_var_name)."""
    out: dict[str, Sensitive] = {}
    for name in sorted(values):
        out[env_var_name(name)] = values[name]
    return out


def name_from_env_key(key: str) -> str:
    """``DB_PASSWORD`` -> ``db-password`` (the inverse of env_var_name for kebab-case names); other keys
    stay as written."""
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", key):
        return key.lower().replace("_", "-")
    return key


def for_env(ctx: AppContext, env: str) -> AppContext:
    """The same run's context, pointed at another environment (for diff)."""
    from vegaops.context import AppContext

    options = dataclasses.replace(ctx.options, env=env, env_source="argument")
    return AppContext(
        options=options,
        cwd=ctx.cwd,
        clock=ctx.clock,
        output=ctx.output,
        prompter=ctx.prompter,
        interactive_override=ctx.interactive_override,
    )
