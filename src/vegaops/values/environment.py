"""What a service's live task definition gives its container as environment variables (``exec --service``):
its environment, SSM parameters and secrets, resolved the way ECS resolves them at task start."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vegaops.cmdline import prog
from vegaops.errors import UsageError

if TYPE_CHECKING:
    from vegaops.context import AppContext


def service_env(a: AppContext, service: str, keys: bool = False) -> dict[str, str]:
    """Exactly what the service's live task definition gives its container: environment, SSM and secrets.
    With ``keys``, a variable holding a whole JSON secret becomes one variable per key instead."""
    import json

    from vegaops.errors import NotFoundError
    from vegaops.refs import parse_value_from

    cluster = a.settings.require_cluster()
    ecs_name, container = service, None
    if service in a.settings.services or any(s.ecs_service == service for s in a.settings.services.values()):
        svc = a.settings.service(service)
        ecs_name, container = svc.ecs_service or service, svc.container
    ecs = a.aws.ecs
    described = ecs.require_services(cluster, [ecs_name], hint=f"{prog()} env vars", inactive=True)[ecs_name]
    td = ecs.describe_task_definition(described["taskDefinition"]).raw
    defs = td.get("containerDefinitions", [])
    from vegaops.images.containers import choose

    picked = choose(td, container).name  # the service's own container, not a log router or agent
    chosen = next((c for c in defs if c.get("name") == picked), defs[0] if defs else {})
    env = {e["name"]: e.get("value", "") for e in chosen.get("environment", []) or []}
    ssm, store = a.aws.ssm, a.aws.secrets
    for s in chosen.get("secrets", []) or []:
        ref = parse_value_from(s.get("valueFrom", ""))
        if ref.kind == "ssm":
            p = ssm.get(ref.store_id, decrypt=True)
            if p is None:
                raise NotFoundError(f"{s['name']}: parameter {ref.store_id} not found")
            env[s["name"]] = p.value or ""
            continue
        got = store.get(ref.store_id, version_id=ref.version_id, stage=ref.version_stage)
        if got is None:
            raise NotFoundError(f"{s['name']}: secret {ref.store_id.rsplit(':', 1)[-1]} not found")
        value = got.value.value
        if ref.json_key:
            try:
                doc = json.loads(value)
            except ValueError:
                doc = None
            field = doc.get(ref.json_key) if isinstance(doc, dict) else None
            if field is None:
                raise NotFoundError(f"{s['name']}: JSON key {ref.json_key} not in the secret")
            value = field if isinstance(field, str) else json.dumps(field)
        elif keys:
            from vegaops.naming import env_var_name
            from vegaops.stores import json_fields

            fields = json_fields(value)
            if fields is not None:
                env.update({env_var_name(k): v for k, v in fields.items()})
                continue
        env[s["name"]] = value
    return env


def prefix_env(a: AppContext, prefix: str | None, keys: bool = False) -> dict[str, str]:
    """Every secret and parameter under ``prefix`` as a variable (names upper-snake-cased; a secret wins over a
    same-named parameter); a JSON secret becomes one variable per key with ``keys`` or its env-keys tag."""
    from vegaops.stores import as_env, param_values, secret_values

    tagged: set[str] = set()
    secrets = secret_values(a, prefix, tagged)
    merged = {**param_values(a, prefix), **secrets}  # a secret wins over a same-named param
    expand = set(secrets) if keys else tagged  # JSON secrets only: parameters stay whole
    return {k: v.value for k, v in as_env(merged, expand).items()}


def run_with_env(a: AppContext, command: list[str], injected: dict[str, str], pristine: bool) -> int:
    """Run ``command`` with ``injected`` added to (or, ``pristine``, instead of) this environment; its exit code
    (128 + N when a signal N ended it). Nothing is written anywhere."""
    import os
    import shutil
    import subprocess

    program = shutil.which(command[0], path=os.environ.get("PATH")) or command[0]
    env = dict(injected) if pristine else {**os.environ, **injected}
    a.output.debug(f"exec: {len(injected)} variables injected: {', '.join(sorted(injected))}")
    try:
        rc = subprocess.call([program, *command[1:]], env=env)
    except FileNotFoundError:
        raise UsageError(f"exec: command not found: {command[0]}") from None
    return rc if rc >= 0 else 128 - rc
