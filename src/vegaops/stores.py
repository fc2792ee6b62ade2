"""Reading whole prefixes of both stores (SSM config and Secrets Manager secrets) for export, exec, diff
and import. Names are relative to the environment's prefixes (naming.relative); values stay Sensitive."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from vegaops.errors import UsageError
from vegaops.naming import env_var_name, param_path, relative
from vegaops.sensitive import Sensitive

if TYPE_CHECKING:
    from vegaops.context import AppContext


# A secret tagged ``vegaops:env-keys = true`` (a JSON object) always becomes one variable per key.
EXPAND_TAG = "vegaops:env-keys"


def secret_values(
    ctx: AppContext, prefix: str | None = None, tagged_for_keys: set[str] | None = None
) -> dict[str, Sensitive]:
    """Relative secret name -> current value, for every live secret under the prefix. ``tagged_for_keys``
    collects the names of the secrets that opted in to one variable per JSON key (tag vegaops:env-keys)."""

    base = ctx.settings.secrets_prefix
    full_prefix = base + (prefix or "").lstrip("/") if not (prefix or "").startswith("/") else (prefix or "")[1:]
    store = ctx.aws.secrets
    out: dict[str, Sensitive] = {}
    for item in store.listing(full_prefix):
        if item.deleted is not None:
            continue
        got = store.get(item.arn)
        if got is not None:
            out[relative(base, item.name)] = got.value
            if tagged_for_keys is not None and item.tags.get(EXPAND_TAG, "").lower() in ("true", "yes", "1"):
                tagged_for_keys.add(relative(base, item.name))
    return out


def param_values(ctx: AppContext, prefix: str | None = None) -> dict[str, Sensitive]:
    """Relative parameter name -> value (decrypted), recursively under the path."""

    base = ctx.settings.params_prefix
    path = param_path(base, prefix)
    return {relative(base, p.name): Sensitive(p.value or "") for p in ctx.aws.ssm.by_path(path, True, decrypt=True)}


def json_fields(value: str) -> dict[str, str] | None:
    """A JSON object's keys -> their values as text (what ECS gives for ``valueFrom ARN:KEY::``: strings as
    they are, anything else as JSON); None when the value is not a non-empty JSON object."""
    try:
        doc = json.loads(value)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not doc:
        return None
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in doc.items()}


def as_env(values: dict[str, Sensitive], keys: bool | Collection[str] = ()) -> dict[str, Sensitive]:
    """Relative names -> environment variable names (the one rule: naming.env_var_name).

    A name in ``keys`` (every name when ``keys`` is True) whose value is a JSON object becomes one variable
    per key, named by the same rule from the key (``MASTER_USER_PASSWORD``); other values stay whole. Two
    sources for one variable, where a key is involved, is a usage error naming both."""
    out: dict[str, Sensitive] = {}
    origin: dict[str, str] = {}
    expanded: set[str] = set()
    for name in sorted(values):
        fields = json_fields(values[name].value) if (keys is True or (keys and name in keys)) else None
        if fields is None:
            items = [(env_var_name(name), values[name], name)]
        else:
            items = [(env_var_name(k), Sensitive(v), f"key {k} of {name}") for k, v in fields.items()]
        for var, value, source in items:
            if var in out and (fields is not None or var in expanded):
                raise UsageError(
                    f"variable {var} would come from both {origin[var]} and {source}",
                    hint=f"narrow the prefix, or expand only one of them: tag it {EXPAND_TAG}=true instead of --keys",
                )
            out[var], origin[var] = value, source
            if fields is not None:
                expanded.add(var)
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
