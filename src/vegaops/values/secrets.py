"""What the ``secret`` commands do with Secrets Manager: show one secret, the secrets under a prefix, a secret's
versions and the task definitions that reference it; set one and roll one back (through the engine), then
redeploy or name the services that read it. Values stay masked (length and fingerprint) unless revealed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vegaops.cmdline import prog
from vegaops.errors import NotFoundError, UsageError
from vegaops.runbook.result import run_result

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result
    from vegaops.steps.secrets import PutSecretParams


def secret_get(a: AppContext, name: str, key: str | None, reveal: bool, version_id: str | None) -> Result:
    """A secret masked (length, fingerprint, version, last changed; a JSON secret key by key), or revealed."""
    from vegaops.naming import secret_name
    from vegaops.output.result import Fields, Result, Reveal, View
    from vegaops.sensitive import Sensitive

    full = secret_name(a.settings.secrets_prefix, name)
    store = a.aws.secrets
    meta = store.describe(full)
    if meta is None:
        raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
    if meta.deleted is not None:
        raise NotFoundError(
            f"secret {full} is scheduled for deletion on {meta.deleted:%Y-%m-%d}",
            hint=f"restore it: {prog()} secret restore {name}",
        )
    got = store.get(full, version_id=version_id)
    if got is None:
        raise NotFoundError(
            f"secret {full} has no version {version_id}", hint=f"see its versions: {prog()} secret history {name}"
        )
    value = Sensitive(_select(full, got.value.value, key))
    data: dict[str, object] = {
        "name": full,
        "key": key,
        "version": got.version_id,
        "stages": list(got.stages),
        "last_changed": meta.last_changed,
        "length": len(value.value),
        "fingerprint": value.fingerprint,
        "value": value.value if reveal else value,
    }
    from vegaops.stores import json_fields

    fields = json_fields(value.value) if key is None else None
    shown: dict[str, Sensitive] = {}
    if fields is not None:  # a JSON secret: its keys, each masked (length and fingerprint), in the stored order
        shown = {k: Sensitive(v) for k, v in fields.items()}
        data["keys"] = {
            k: {"length": len(v.value), "fingerprint": v.fingerprint, "value": v.value if reveal else v}
            for k, v in shown.items()
        }
    views: list[View]
    if reveal:
        views = [Reveal(value.value)]
    else:
        views = [
            Fields(
                [
                    ("name", full + (f" (field {key})" if key else "")),
                    ("version", got.version_id),
                    ("stages", ", ".join(got.stages)),
                    ("last changed", meta.last_changed),
                    ("length", len(value.value)),
                    ("fingerprint", value.fingerprint),
                    ("value", "<masked: use --reveal to print it>"),
                    *(
                        (f"key {k}", f"<masked> {len(v.value)} chars, fingerprint {v.fingerprint}")
                        for k, v in shown.items()
                    ),
                ]
            )
        ]
    return Result(a.command, data=data, views=views)


def _select(name: str, raw: str, key: str | None) -> str:
    if key is None:
        return raw
    import json

    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise UsageError(f"secret {name} is not a JSON object, so it has no field {key}")
    if key not in doc:
        raise NotFoundError(f"secret {name} has no field {key}", hint=f"fields: {', '.join(sorted(doc)) or 'none'}")
    got = doc[key]
    return got if isinstance(got, str) else json.dumps(got)


def secret_list(a: AppContext, prefix: str | None, deleted: bool, refs: bool) -> Result:
    """The secrets under a prefix: name, last changed, version count, referencing services."""
    from vegaops.naming import relative
    from vegaops.output.result import Result, Table
    from vegaops.refs import secret_matches
    from vegaops.values.readers import services_by_secret

    base = a.settings.secrets_prefix
    full_prefix = (prefix or "")[1:] if (prefix or "").startswith("/") else base + (prefix or "")
    items = a.aws.secrets.listing(full_prefix, include_deleted=deleted)
    by_arn = services_by_secret(a) if refs and items else None
    rows: list[list[object]] = []
    data = []
    for s in items:
        services: list[str] | None = None
        if by_arn is not None:
            services = sorted(
                {svc for arn, names in by_arn.items() if secret_matches(arn, s.arn, s.name) for svc in names}
            )
        row: list[object] = [
            relative(base, s.name),
            s.last_changed,
            s.versions,
            ", ".join(services) if services else ("-" if services is not None else "?"),
        ]
        rows.append(row + (["scheduled " + f"{s.deleted:%Y-%m-%d}" if s.deleted else ""] if deleted else []))
        data.append(
            {
                "name": s.name,
                "arn": s.arn,
                "last_changed": s.last_changed,
                "versions": s.versions,
                "services": services,
                "deleted": s.deleted,
            }
        )
    columns = ["NAME", "LAST CHANGED", "VERSIONS", "SERVICES"] + (["DELETION"] if deleted else [])
    return Result(
        a.command,
        data={"prefix": full_prefix, "secrets": data},
        views=[Table(columns, rows)] if rows else [],
        message=None if rows else f"no secrets under {full_prefix or '(all)'}",
    )


def secret_history(a: AppContext, name: str) -> Result:
    """A secret's versions with their stages and dates (never values)."""
    from vegaops.naming import secret_name
    from vegaops.output.result import Result, Table

    full = secret_name(a.settings.secrets_prefix, name)
    store = a.aws.secrets
    if store.describe(full) is None:
        raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
    versions = store.versions(full)
    rows = [[v.version_id, ", ".join(v.stages) or "-", v.created] for v in versions]
    data = [{"version": v.version_id, "stages": list(v.stages), "created": v.created} for v in versions]
    return Result(
        a.command, data={"name": full, "versions": data}, views=[Table(["VERSION", "STAGES", "CREATED"], rows)]
    )


def secret_rollback(a: AppContext, name: str, to: str | None, redeploy_: bool, watch: bool) -> Result:
    """Make an earlier version current again, then redeploy its readers (``redeploy_``) or name them."""
    from vegaops.naming import secret_name
    from vegaops.refs import secret_matcher
    from vegaops.runbook import engine
    from vegaops.steps.secrets import RollbackSecret, RollbackSecretParams
    from vegaops.values.redeploy import needs_redeploy, redeploy

    after = a.clock.now().isoformat()
    report = engine.run(a, a.command, [engine.single(RollbackSecret, RollbackSecretParams(name, to))])
    extra: dict[str, Any] = {}
    full = secret_name(a.settings.secrets_prefix, name)
    if redeploy_ and (report.changed or report.dry_run):
        meta = a.aws.secrets.describe(full)
        if meta is not None:
            extra["redeploy"] = redeploy(a, secret_matcher(meta.arn, full), after, full, watch)
    elif report.changed:
        meta = a.aws.secrets.describe(full)
        if meta is not None:
            extra["needs_redeploy"] = needs_redeploy(a, secret_matcher(meta.arn, full))
    return run_result(a, report, data=extra)


def secret_refs(a: AppContext, name: str, param: bool, repoint: bool, watch: bool) -> Result:
    """The task definitions and services that reference a secret (or a parameter), the tasks started before
    its last change and references by an old ARN; with ``repoint``, the repoint run."""
    from vegaops.naming import secret_name
    from vegaops.output.result import Result, Table
    from vegaops.refs import param_matcher, references, secret_matcher
    from vegaops.values.repoint import repoint as repoint_secret

    cluster = a.settings.require_cluster()
    if param:
        from vegaops.naming import param_name

        if repoint:
            raise UsageError("--repoint is for secrets (SSM parameter ARNs do not change)", hint="drop --param")
        full = param_name(a.settings.params_prefix, name)
        p = a.aws.ssm.get(full, decrypt=False)
        if p is None:
            raise NotFoundError(f"parameter {full} not found", hint=f"list what exists: {prog()} config list")
        matcher, changed = param_matcher(full), p.last_modified
    else:
        full = secret_name(a.settings.secrets_prefix, name)
        meta = a.aws.secrets.describe(full)
        if meta is None:
            raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
        matcher, changed = secret_matcher(meta.arn, full), meta.last_changed
    if repoint:
        return run_result(a, repoint_secret(a, name, cluster, watch))
    found = references(a, cluster, matcher, changed, include_stale=True)
    rows = [
        [
            r.service,
            r.task_definition.rsplit("/", 1)[-1],
            ", ".join(r.variables + [f"{s['name']} (OLD ARN)" for s in r.stale_refs]),
            len(r.stale_tasks),
        ]
        for r in found
    ]
    stale = sum(len(r.stale_tasks) for r in found)
    old_arn = sorted({r.service for r in found if r.stale_refs})
    message = (
        f"{len(found)} reference{'s' if len(found) != 1 else ''}"
        + (
            f"; {stale} running task{'s' if stale != 1 else ''} started before the last change "
            f"still hold the old value ({prog()} secret set ... --redeploy)"
            if stale
            else ""
        )
        + (
            f"; {', '.join(old_arn)} name{'s' if len(old_arn) == 1 else ''} it by an old ARN (the secret was "
            f"deleted and recreated; its tasks cannot start): {prog()} secret refs {name} --repoint"
            if old_arn
            else ""
        )
        if found
        else f"no task definition in cluster {cluster} references {full}"
    )
    if old_arn:
        a.output.warn(
            f"{', '.join(old_arn)}: valueFrom names an old ARN of {full}; fix: {prog()} secret refs {name} --repoint"
        )
    return Result(
        a.command,
        data={"name": full, "last_changed": changed, "references": [r.to_dict() for r in found]},
        views=[Table(["SERVICE", "TASK DEFINITION", "VARIABLES", "TASKS BEFORE CHANGE"], rows)] if rows else [],
        message=message,
    )


def secret_set(a: AppContext, params: PutSecretParams, redeploy_: bool, watch: bool) -> Result:
    """Create or update a secret (one plan, one question; with ``redeploy_`` the redeploy of its readers is part
    of that plan); without ``redeploy_``, name the services whose running tasks keep the old value."""
    from vegaops.naming import secret_name
    from vegaops.refs import secret_matcher
    from vegaops.runbook import engine
    from vegaops.steps.secrets import PutSecret
    from vegaops.values.redeploy import needs_redeploy, redeploy, redeploy_services, redeploy_then

    after = a.clock.now().isoformat()
    full = secret_name(a.settings.secrets_prefix, params.name)
    matcher: Any = None
    readers: list[str] | None = None
    then: list[str] = []
    if redeploy_:  # the redeploy belongs to this command's one plan and one question
        meta = a.aws.secrets.describe(full)
        matcher = (
            secret_matcher(meta.arn, full)
            if meta is not None
            else lambda ref: ref.kind == "secretsmanager" and ref.store_id.rsplit(":", 1)[-1] == full
        )
        readers = redeploy_services(a, matcher)
        then = redeploy_then(a, full, readers, watch)
    report = engine.run(a, a.command, [engine.single(PutSecret, params)], then=then)
    extra: dict[str, Any] = {}
    if redeploy_ and (report.changed or report.dry_run):
        meta = a.aws.secrets.describe(full)
        if meta is not None:  # created by this run: match its ARN now
            matcher = secret_matcher(meta.arn, full)
        extra["redeploy"] = redeploy(a, matcher, after, full, watch, services=readers, confirmed=True)
    elif redeploy_:
        a.output.info("value unchanged; no redeploy needed")
    elif report.changed:
        meta = a.aws.secrets.describe(full)
        if meta is not None:
            extra["needs_redeploy"] = needs_redeploy(a, secret_matcher(meta.arn, meta.name))
    return run_result(a, report, data=extra)
