"""``vegaops secret``: Secrets Manager, names relative to the environment's secrets prefix.

Values are masked everywhere (length + fingerprint) unless ``--reveal``; ``export`` and ``vegaops exec``
are the only other places a value leaves the store.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, KeysOpt, RedeployOpt, WatchOpt, app_ctx, emit, parse_pairs, run_result
from vegaops.cmdline import prog
from vegaops.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result

app = typer.Typer(
    rich_markup_mode=None,
    help="Secrets in Secrets Manager (set, get, list, delete, restore, history, rollback, refs, export, diff, import).",
    no_args_is_help=True,
)


def read_secret_value(a: AppContext, name: str, value: str | None, value_arg: bool, from_file: Path | None) -> str:
    """stdin (piped or '-'), --from-file, a hidden prompt with confirmation; argv only with --value-arg."""
    from vegaops.inputs import check_value, read_value

    if value is not None and value != "-":
        if not value_arg:
            raise UsageError(
                f"secret set {name}: refusing a value on the command line (it would land in shell history "
                "and the process list)",
                hint=f"pipe it: ... | {prog()} secret set {name}, use --from-file PATH, or pass --value-arg",
            )
        a.output.warn("the value was given on the command line; it may be in your shell history")
        return check_value(value, f"secret set {name}")
    if from_file is not None:
        return read_value(from_file, f"secret set {name}")
    if value == "-" or not sys.stdin.isatty():
        return read_value("-", f"secret set {name}")
    return check_value(
        a.ask().secret(f"Value for secret {name}:", option="the value on stdin or --from-file", confirm=True),
        f"secret set {name}",
        "the prompt",
    )


def _catalog(a: AppContext) -> Any:
    from vegaops.aws.secrets import SecretsCatalog

    return SecretsCatalog(a.client("secretsmanager"))


def _full(a: AppContext, name: str) -> str:
    from vegaops.naming import secret_name

    return secret_name(a.settings.secrets_prefix, name)


def redeploy_services(a: AppContext, matcher: Any) -> list[str]:
    """The services whose task definitions reference what ``matcher`` matches."""
    from vegaops.refs import references

    return sorted({r.service for r in references(a, a.settings.require_cluster(), matcher, None)})


def redeploy_then(a: AppContext, what: str, services: list[str], watch: bool) -> list[str]:
    """The redeploy, as shown with the plan of the change it follows (one plan, one question)."""
    if not services:
        return [f"no service reads {what}: nothing to redeploy"]
    return [
        f"force a new deployment of {', '.join(services)} (they read {what})"
        + (" and watch it to a verdict" if watch else "")
    ]


def redeploy(
    a: AppContext,
    matcher: Any,
    after: str,
    what: str,
    watch: bool = True,
    services: list[str] | None = None,
    confirmed: bool = False,
) -> dict[str, Any]:
    """Force a new deployment of exactly the services whose task definitions reference ``what``; with
    ``watch``, follow those deployments to the deploy verdicts (a rolled-back redeploy exits 5).
    ``confirmed``: the redeploy was shown with the change's plan and that plan was confirmed."""
    from vegaops.runbook import engine
    from vegaops.steps.redeploy import ForceRedeploy, RedeployParams

    cluster = a.settings.require_cluster()
    if services is None:
        services = redeploy_services(a, matcher)
    if not services:
        a.output.info(f"no service in cluster {cluster} references {what}; nothing to redeploy")
        return {"services": [], "deployments": {}}
    calls = [engine.single(ForceRedeploy, RedeployParams(services, after, cluster), call_id="redeploy")]
    if watch and not a.options.dry_run:
        from vegaops.runbook.model import StepCall

        calls.append(
            StepCall("watch", "ecs.watch", {"services": services, "deployments": "${steps.redeploy.deployments}"})
        )
    report = engine.run(a, "redeploy", calls, confirmed=confirmed)
    deployments = report.steps[0].outputs.get("deployments", {}) if not report.dry_run else {}
    if not a.output.json:
        for service in services:
            dep = deployments.get(service)
            a.output.info(f"redeploy {service}: " + (f"deployment {dep}" if dep else "planned (dry run)"))
        a.output.info("the tasks pick up the new value as they are replaced (ECS reads secrets at task start)")
    result: dict[str, Any] = {"services": services, "deployments": deployments}
    if len(report.steps) > 1:
        result["outcomes"] = report.steps[1].outputs.get("outcomes", {})
    return result


def now_iso(a: AppContext) -> str:
    return a.clock.now().isoformat()


@app.command("set")
def set_(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Secret name, relative to the secrets prefix unless it starts with /.",
            autocompletion=completion.secret_names,
        ),
    ],
    value: Annotated[
        str | None, typer.Argument(help="Refused unless --value-arg; '-' or omitted reads stdin.", show_default=False)
    ] = None,
    from_file: Annotated[Path | None, typer.Option("--from-file", help="Read the value from this file.")] = None,
    key: Annotated[
        str | None, typer.Option("--key", help="Set one field of a JSON secret, keeping the others.")
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="Secret description.")] = None,
    kms_key: Annotated[str | None, typer.Option("--kms-key", help="KMS key id/ARN (on create).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="KEY=VALUE tag (repeatable).")] = None,
    value_arg: Annotated[bool, typer.Option("--value-arg", help="Allow the value on the command line.")] = False,
    redeploy_: RedeployOpt = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Create or update a secret; an unchanged value writes no new version."""
    from vegaops.refs import secret_matcher
    from vegaops.runbook import engine
    from vegaops.steps.secrets import PutSecret, PutSecretParams

    a = app_ctx(ctx, dry_run)
    tags = parse_pairs(tag, "--tag")
    text = read_secret_value(a, name, value, value_arg, from_file)
    after = now_iso(a)
    params = PutSecretParams(name=name, value=text, key=key, description=description, kms_key=kms_key, tags=tags)
    full = _full(a, name)
    matcher: Any = None
    readers: list[str] | None = None
    then: list[str] = []
    if redeploy_:  # the redeploy belongs to this command's one plan and one question
        meta = _catalog(a).describe(full)
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
        meta = _catalog(a).describe(full)
        if meta is not None:  # created by this run: match its ARN now
            matcher = secret_matcher(meta.arn, full)
        extra["redeploy"] = redeploy(a, matcher, after, full, watch, services=readers, confirmed=True)
    elif redeploy_:
        a.output.info("value unchanged; no redeploy needed")
    elif report.changed:
        meta = _catalog(a).describe(_full(a, name))
        if meta is not None:
            extra["needs_redeploy"] = needs_redeploy(a, secret_matcher(meta.arn, meta.name))
    emit(a, run_result(a, report, data=extra))


def needs_redeploy(a: AppContext, matcher: Any) -> list[str] | None:
    """After a change without --redeploy: name the services whose running tasks still hold the old value."""
    from vegaops.errors import VegaopsError
    from vegaops.refs import references

    cluster = a.settings.cluster
    if not cluster:
        return None
    try:
        services = sorted({r.service for r in references(a, cluster, matcher, None)})
    except VegaopsError:
        return None
    except Exception as exc:
        from vegaops.aws.errors import is_botocore_error

        if not is_botocore_error(exc):
            raise
        return None
    if services:
        a.output.warn(
            f"{', '.join(services)} read this value; their running tasks keep the old one until they "
            "are replaced (add --redeploy to start a new deployment)"
        )
    return services


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


@app.command("get")
def get(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
    key: Annotated[str | None, typer.Option("--key", help="One field of a JSON secret.")] = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the value alone on stdout.")] = False,
    version_id: Annotated[str | None, typer.Option("--version-id", help="A specific version.")] = None,
) -> None:
    """Show a secret masked (length, fingerprint, version, last changed); --reveal prints the value."""
    from vegaops.output.result import Fields, Reveal, View
    from vegaops.sensitive import Sensitive

    a = app_ctx(ctx)
    full = _full(a, name)
    store = _catalog(a)
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
    data = {
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
    emit(a, _result(a, data, views))


def _result(a: AppContext, data: Any, views: Any, message: str | None = None) -> Result:
    from vegaops.output.result import Result

    return Result(a.command, data=data, views=views, message=message)


def _service_refs_by_secret(a: AppContext) -> dict[str, set[str]] | None:
    """Secret ARN -> services whose task definitions reference it (None when no cluster is reachable)."""
    from vegaops.errors import VegaopsError
    from vegaops.refs import TaskDefinitions, cluster_services, parse_value_from, variables

    cluster = a.settings.cluster
    if not cluster:
        return None
    try:
        services = cluster_services(a, cluster)
        tds = TaskDefinitions(a)
        out: dict[str, set[str]] = {}
        for name, svc in services.items():
            arns = {svc.get("taskDefinition", "")} | {d.get("taskDefinition", "") for d in svc.get("deployments", [])}
            for arn in (x for x in arns if x):
                for v in variables(tds.get(arn)):
                    if v.value_from:
                        ref = parse_value_from(v.value_from)
                        if ref.kind == "secretsmanager":
                            out.setdefault(ref.store_id, set()).add(name)
        return out
    except VegaopsError as exc:
        a.output.warn(f"service references not shown: {exc.message}")
        return None
    except Exception as exc:
        from vegaops.aws.errors import is_botocore_error, translate

        if not is_botocore_error(exc):
            raise
        a.output.warn(f"service references not shown: {translate(exc).message}")
        return None


@app.command("list")
def list_(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Argument(help="Name prefix, relative to the secrets prefix.")] = None,
    deleted: Annotated[bool, typer.Option("--deleted", help="Include secrets scheduled for deletion.")] = False,
    refs: Annotated[bool, typer.Option("--refs/--no-refs", help="Show the services that reference each.")] = True,
) -> None:
    """List secrets (paginated): name, last changed, version count, referencing services."""
    from vegaops.naming import relative
    from vegaops.output.result import Table
    from vegaops.refs import secret_matches

    a = app_ctx(ctx)
    base = a.settings.secrets_prefix
    full_prefix = (prefix or "")[1:] if (prefix or "").startswith("/") else base + (prefix or "")
    items = _catalog(a).listing(full_prefix, include_deleted=deleted)
    by_arn = _service_refs_by_secret(a) if refs and items else None
    rows: list[list[object]] = []
    data = []
    for s in items:
        services: list[str] | None = None
        if by_arn is not None:
            services = sorted(
                {svc for arn, names in by_arn.items() if secret_matches(arn, s.arn, s.name) for svc in names}
            )
        rows.append(
            [
                relative(base, s.name),
                s.last_changed,
                s.versions,
                ", ".join(services) if services else ("-" if services is not None else "?"),
            ]
            + (["scheduled " + f"{s.deleted:%Y-%m-%d}" if s.deleted else ""] if deleted else [])
        )
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
    emit(
        a,
        _result(
            a,
            {"prefix": full_prefix, "secrets": data},
            [Table(columns, rows)] if rows else [],
            None if rows else f"no secrets under {full_prefix or '(all)'}",
        ),
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
    recovery_days: Annotated[
        int | None, typer.Option("--recovery-days", min=7, max=30, help="Recovery window (default 30).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Delete at once, without a recovery window.")] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Delete a secret (asks first; recoverable for 30 days unless --force)."""
    from vegaops.runbook import engine
    from vegaops.steps.secrets import DeleteSecret, DeleteSecretParams

    if force and recovery_days is not None:
        raise UsageError("--force and --recovery-days exclude each other", hint="pass one of them")
    a = app_ctx(ctx, dry_run)
    report = engine.run(
        a, a.command, [engine.single(DeleteSecret, DeleteSecretParams(name, recovery_days, force))], always_confirm=True
    )
    emit(a, run_result(a, report))


@app.command("restore")
def restore(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
    dry_run: DryRunOpt = False,
) -> None:
    """Cancel the scheduled deletion of a secret."""
    from vegaops.runbook import engine
    from vegaops.steps.secrets import RestoreSecret, RestoreSecretParams

    a = app_ctx(ctx, dry_run)
    report = engine.run(a, a.command, [engine.single(RestoreSecret, RestoreSecretParams(name))])
    emit(a, run_result(a, report))


@app.command("history")
def history(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
) -> None:
    """The secret's versions with their stages and dates (never values)."""
    from vegaops.output.result import Table

    a = app_ctx(ctx)
    full = _full(a, name)
    store = _catalog(a)
    if store.describe(full) is None:
        raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
    versions = store.versions(full)
    rows = [[v.version_id, ", ".join(v.stages) or "-", v.created] for v in versions]
    data = [{"version": v.version_id, "stages": list(v.stages), "created": v.created} for v in versions]
    emit(a, _result(a, {"name": full, "versions": data}, [Table(["VERSION", "STAGES", "CREATED"], rows)]))


@app.command("rollback")
def rollback(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
    to: Annotated[
        str | None,
        typer.Option("--to", help="Version id to make current (default: the version before the newest one)."),
    ] = None,
    redeploy_: RedeployOpt = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Make the version before the newest one current again (no new version); twice is the same as once."""
    from vegaops.refs import secret_matcher
    from vegaops.runbook import engine
    from vegaops.steps.secrets import RollbackSecret, RollbackSecretParams

    a = app_ctx(ctx, dry_run)
    after = now_iso(a)
    report = engine.run(a, a.command, [engine.single(RollbackSecret, RollbackSecretParams(name, to))])
    extra: dict[str, Any] = {}
    full = _full(a, name)
    if redeploy_ and (report.changed or report.dry_run):
        meta = _catalog(a).describe(full)
        if meta is not None:
            extra["redeploy"] = redeploy(a, secret_matcher(meta.arn, full), after, full, watch)
    elif report.changed:
        meta = _catalog(a).describe(full)
        if meta is not None:
            extra["needs_redeploy"] = needs_redeploy(a, secret_matcher(meta.arn, full))
    emit(a, run_result(a, report, data=extra))


@app.command("refs")
def refs_(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(help="Secret name (or parameter name with --param).", autocompletion=completion.secret_names),
    ],
    param: Annotated[bool, typer.Option("--param", help="NAME is an SSM parameter.")] = False,
    repoint: Annotated[
        bool,
        typer.Option(
            "--repoint",
            help="Re-register task definitions that name the secret by an old ARN (deleted and recreated) "
            "with valueFrom pointing at its current ARN, and deploy them.",
        ),
    ] = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Task definitions and services that reference the secret (secrets and log drivers' secretOptions, by
    ARN, partial ARN or name), running tasks that predate its last change, and references by an old ARN."""
    from vegaops.output.result import Table
    from vegaops.refs import param_matcher, references, secret_matcher

    a = app_ctx(ctx, dry_run)
    cluster = a.settings.require_cluster()
    if param:
        from vegaops.aws.ssm import Ssm
        from vegaops.naming import param_name

        if repoint:
            raise UsageError("--repoint is for secrets (SSM parameter ARNs do not change)", hint="drop --param")
        full = param_name(a.settings.params_prefix, name)
        p = Ssm(a.client("ssm")).get(full, decrypt=False)
        if p is None:
            raise NotFoundError(f"parameter {full} not found", hint=f"list what exists: {prog()} config list")
        matcher, changed = param_matcher(full), p.last_modified
    else:
        full = _full(a, name)
        meta = _catalog(a).describe(full)
        if meta is None:
            raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
        matcher, changed = secret_matcher(meta.arn, full), meta.last_changed
    if repoint:
        emit(a, run_result(a, _repoint(a, name, cluster, watch)))
        return
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
    emit(
        a,
        _result(
            a,
            {"name": full, "last_changed": changed, "references": [r.to_dict() for r in found]},
            [Table(["SERVICE", "TASK DEFINITION", "VARIABLES", "TASKS BEFORE CHANGE"], rows)] if rows else [],
            message,
        ),
    )


def _repoint(a: AppContext, name: str, cluster: str, watch: bool) -> Any:
    """``secrets.repoint`` as a runbook (plan, --dry-run, confirmation, journal), then watch the deployments."""
    from vegaops.runbook import engine
    from vegaops.runbook.model import StepCall
    from vegaops.steps.repoint import RepointParams, RepointSecret

    calls = [engine.single(RepointSecret, RepointParams(name, cluster), call_id="repoint")]
    services = _stale_services(a, name, cluster)
    if watch and services and not a.options.dry_run:
        calls.append(
            StepCall("watch", "ecs.watch", {"services": services, "deployments": "${steps.repoint.deployments}"})
        )
    return engine.run(a, a.command, calls)


def _stale_services(a: AppContext, name: str, cluster: str) -> list[str]:
    from vegaops.refs import references, secret_matcher

    meta = _catalog(a).describe(_full(a, name))
    if meta is None:
        return []
    found = references(a, cluster, secret_matcher(meta.arn, meta.name), None, include_stale=True)
    return sorted({r.service for r in found if r.stale_refs})


@app.command("export")
def export(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Argument(help="Name prefix, relative to the secrets prefix.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="dotenv, json or env (export KEY=...).")] = "dotenv",
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Write to this file (created 0600, replaced atomically; never a symlink)."),
    ] = None,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Allow printing the values to a terminal (pipes and files need not).")
    ] = False,
    keys: KeysOpt = False,
) -> None:
    """Print secrets as environment variables (names upper-snake-cased from the key). Reveals values.
    A JSON secret becomes one variable per key with --keys, or when tagged vegaops:env-keys=true.

    On a terminal the values are printed only with --reveal; with -o json the output is the envelope
    (values under data.variables).
    """
    from vegaops import dotenv
    from vegaops.paths import check_private_target, write_private
    from vegaops.stores import as_env, secret_values

    renderers = {"dotenv": dotenv.render, "json": dotenv.render_json, "env": dotenv.render_env}
    if fmt not in renderers:
        raise UsageError(f"--format {fmt}: expected dotenv, json or env")
    if to is not None:
        from vegaops.inputs import check_output_file

        check_output_file(to, "--to")
    a = app_ctx(ctx)
    if to is not None:
        check_private_target(to, "--to")  # before any AWS call
    elif not reveal and a.output.stdout_isatty:
        raise UsageError(
            "secret export: refusing to print secret values to a terminal",
            hint="pass --reveal to print them, --to FILE to write a 0600 file, or pipe the output",
        )
    tagged: set[str] = set()
    found = secret_values(a, prefix, tagged)
    values = {k: v.value for k, v in as_env(found, True if keys else tagged).items()}
    if to is None:
        if a.output.json:
            emit(a, _result(a, {"format": fmt, "count": len(values), "variables": values}, []))
            return
        a.output.text(renderers[fmt](values))
        return
    write_private(to, renderers[fmt](values), "--to")
    emit(
        a,
        _result(
            a,
            {"file": str(to), "count": len(values), "names": sorted(values)},
            [],
            f"wrote {len(values)} variable{'s' if len(values) != 1 else ''} to {to} (mode 0600)",
        ),
    )


def fingerprint_diff(a_vals: dict[str, Any], b_vals: dict[str, Any]) -> dict[str, list[str]]:
    only_a = sorted(set(a_vals) - set(b_vals))
    only_b = sorted(set(b_vals) - set(a_vals))
    both = sorted(set(a_vals) & set(b_vals))
    return {
        "only_a": only_a,
        "only_b": only_b,
        "different": [k for k in both if a_vals[k].value != b_vals[k].value],
        "same": [k for k in both if a_vals[k].value == b_vals[k].value],
    }


def emit_diff(a: AppContext, env_a: str, env_b: str, a_vals: dict[str, Any], b_vals: dict[str, Any]) -> None:
    from vegaops.output.result import Table

    d = fingerprint_diff(a_vals, b_vals)
    labels = (
        ("only_a", f"only in {env_a}"),
        ("only_b", f"only in {env_b}"),
        ("different", "different"),
        ("same", "same"),
    )
    rows: list[list[object]] = []
    for key, label in labels:
        for name in d[key]:
            rows.append(
                [
                    name,
                    label,
                    a_vals[name].fingerprint if name in a_vals else "-",
                    b_vals[name].fingerprint if name in b_vals else "-",
                ]
            )
    prints = {
        n: {"a": a_vals[n].fingerprint if n in a_vals else None, "b": b_vals[n].fingerprint if n in b_vals else None}
        for n in sorted(set(a_vals) | set(b_vals))
    }
    counts = ", ".join(f"{len(d[k])} {lbl}" for k, lbl in labels)
    table = [Table(["NAME", "STATE", env_a.upper(), env_b.upper()], rows)] if rows else []
    emit(a, _result(a, {"a": env_a, "b": env_b, **d, "fingerprints": prints}, table, counts))


@app.command("diff")
def diff(
    ctx: typer.Context,
    env_a: Annotated[str, typer.Argument(help="First environment.")],
    env_b: Annotated[str, typer.Argument(help="Second environment.")],
    prefix: Annotated[str | None, typer.Option("--prefix", help="Only names under this prefix.")] = None,
) -> None:
    """Compare the secrets of two environments: key sets and value fingerprints, never values."""
    from vegaops.stores import for_env, secret_values

    a = app_ctx(ctx)
    emit_diff(a, env_a, env_b, secret_values(for_env(a, env_a), prefix), secret_values(for_env(a, env_b), prefix))


def import_file(a: AppContext, file: Path, keep_names: bool, make_call: Any, store: str) -> None:
    """Plan every key of the file, show the plan, confirm once, then apply only the differences."""
    from vegaops import dotenv
    from vegaops.inputs import read_text
    from vegaops.runbook import engine
    from vegaops.stores import name_from_env_key

    text = read_text(file, f"{store} import", hint="import a dotenv or JSON text file (UTF-8)")
    values = dotenv.parse_file_text(text, str(file))
    if not values:
        raise UsageError(f"{store} import: {file} holds no values")
    calls = [make_call(k if keep_names else name_from_env_key(k), v) for k, v in values.items()]
    wanted_dry = a.options.dry_run
    a.options.dry_run = True
    plan = engine.run(a, a.command, calls)
    if wanted_dry or not plan.changes:
        emit(a, run_result(a, plan, data={"file": str(file), "keys": len(values)}))
        return
    a.options.dry_run = False
    count = len(plan.changes)
    if not a.options.yes:
        if a.options.no_input:
            raise UsageError(
                f"{store} import asks for confirmation and --no-input is set", hint="pass --yes to apply without asking"
            )
        from vegaops.errors import Interrupted

        if not a.ask().confirm(
            f"Apply {count} change{'s' if count != 1 else ''} to {a.settings.env or 'the default environment'}?",
            default=False,
        ):
            raise Interrupted("declined at confirmation; nothing was changed")
    a.options.yes = True
    quiet, a.output.quiet = a.output.quiet, True
    try:
        report = engine.run(a, a.command, calls)
    finally:
        a.output.quiet = quiet
    emit(a, run_result(a, report, data={"file": str(file), "keys": len(values)}))


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A dotenv or JSON file of names to values.")],
    keep_names: Annotated[bool, typer.Option("--keep-names", help="Use keys as names (no DB_URL -> db-url).")] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Create or update secrets from a file; unchanged keys write nothing. UPPER_SNAKE keys become kebab names."""
    from vegaops.runbook import engine
    from vegaops.steps.secrets import PutSecret, PutSecretParams

    a = app_ctx(ctx, dry_run)
    import_file(
        a,
        file,
        keep_names,
        lambda n, v: engine.single(PutSecret, PutSecretParams(name=n, value=v), call_id=f"secret {n}"),
        "secret",
    )
