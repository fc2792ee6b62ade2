"""Setup end to end: mode (AWS or sandbox), collect answers, summary, confirm, apply, write, check."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vegaops.cmdline import prog
from vegaops.config import BUILTIN_ENVS, CONFIG_FILENAME, ConfigFile, parse_config
from vegaops.errors import AuthError, UsageError
from vegaops.output.result import Lines, Result, Table, View
from vegaops.runbook.model import StepCall
from vegaops.sensitive import Sensitive
from vegaops.setup.plan import Answers, env_service_tables, env_table, service_tables
from vegaops.setup.tomlfile import set_tables, write_atomic
from vegaops.setup.wizard import Asker, Collected, SetupOptions, collect

if TYPE_CHECKING:
    from vegaops.context import AppContext


def _has_credentials(ctx: AppContext) -> bool:
    from vegaops.aws.clients import has_credentials

    try:
        return has_credentials(ctx.options.profile, ctx.options.region)
    except Exception as exc:
        from vegaops.aws.errors import is_botocore_error, translate

        if is_botocore_error(exc):
            raise translate(exc) from exc
        raise


def choose_mode(ctx: AppContext, opts: SetupOptions, ask: Asker) -> None:
    """Point the context's clients at AWS or at the sandbox."""
    if ctx.options.env == "sandbox" or opts.env == "sandbox":
        opts.sandbox = True
    if opts.sandbox and opts.env and opts.env != "sandbox":
        raise UsageError(
            f"--env {opts.env} with --sandbox: the sandbox is the built-in environment 'sandbox'; an "
            f"[env.{opts.env}] table cannot carry its dummy credentials, and its endpoint changes with every "
            "'vegaops sandbox up'",
            hint=f"run 'vegaops setup --sandbox' (environment sandbox), or set up {opts.env} against AWS "
            "without --sandbox",
        )
    if not opts.sandbox and not _has_credentials(ctx):
        if ask.interactive and ask.prompter.confirm(
            "No AWS credentials found. Set up the local sandbox instead (vegaops sandbox)?", default=True
        ):
            opts.sandbox = True
        else:
            raise AuthError(
                "no AWS credentials found",
                hint="configure credentials (aws configure / aws sso login), pass --profile, "
                "or pass --sandbox to use the local sandbox",
            )
    if opts.sandbox:
        ctx.options.env, ctx.options.env_source = "sandbox", "vegaops setup --sandbox"
        opts.env = opts.env or "sandbox"
        s = ctx.settings  # resolves now: a stopped sandbox is a clear exit-2 error here
        opts.secrets_prefix = opts.secrets_prefix or s.secrets_prefix
        opts.params_prefix = opts.params_prefix or s.params_prefix
        opts.tag_rule = "" if opts.tag_rule is None else opts.tag_rule
        opts.confirm = bool(opts.confirm)
        return
    if ctx.options.env and not opts.env:
        opts.env = ctx.options.env
    if ctx.options.env and ctx.options.env not in ctx.config.envs:
        ctx.options.env = None  # a new environment: clients use the profile/region options


def _secret_call(name: str, value: str) -> StepCall:
    return create_missing_call(name, value)


def create_missing_call(full_name: str, value: str) -> StepCall:
    """A one-step call that creates (or sets) the secret with this full name (``secrets.put``)."""
    from vegaops.runbook import engine
    from vegaops.steps.secrets import PutSecret, PutSecretParams

    name = full_name if full_name.startswith("/") else "/" + full_name
    return engine.single(PutSecret, PutSecretParams(name=name, value=value), call_id=f"secret {full_name}")


def _param_call(name: str, value: str) -> StepCall:
    from vegaops.runbook import engine
    from vegaops.steps.ssm import PutParameter, PutParams

    # seeding: created only while missing (one made meanwhile by someone else is kept)
    return engine.single(PutParameter, PutParams(name=name, value=value, if_missing=True), call_id=f"param {name}")


def new_file_text(ctx: AppContext, c: Collected) -> tuple[Path, str, str]:
    path = ctx.config.path or (ctx.cwd / CONFIG_FILENAME)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    a = c.answers
    existing = parse_config(old, path) if old else None
    tables: dict[str, dict[str, object]] = {"project": {"name": a.project}}
    if a.region and not a.sandbox:
        tables["project"]["region"] = a.region
    if existing is not None and any(e != a.env for e in existing.envs):
        # [project] name and region are inherited by every environment (name makes the default prefixes):
        # another environment already in the file must resolve what it did, so only default_env may be added
        tables["project"] = {}
    tables["project"]["default_env"] = a.env
    if not a.sandbox:
        tables[f"env.{a.env}"] = env_table(a)
    for name, values in service_placement(existing, a).items():
        tables.setdefault(name, {}).update(values)
    if not a.sandbox:  # per-environment values (the built-in sandbox brings its own health URLs)
        for key, values in env_service_tables(a).items():
            tables.setdefault(f"env.{a.env}.service.{key}", {}).update(values)
    text = set_tables(old, tables, only_missing=frozenset({"project"}))
    parse_config(text, path)  # never write a file vegaops itself would reject
    return path, old, text


def service_placement(cfg: ConfigFile | None, a: Answers) -> dict[str, dict[str, object]]:
    """Where the chosen services' settings go, so that no other environment resolves anything new.

    - No other environment in the file: ``[service.KEY]`` as chosen (the shared tables are this env's).
    - Otherwise a service the file already has keeps its ``[service.KEY]``; only the values that differ
      for this environment go under ``[env.NAME.service.KEY]``.
    - A service new to the file gets ``[service.KEY]``; every other environment that runs all services
      (no ``services`` list) gets its current list written out, so it does not gain the new service.
    - This environment gets a ``services`` list when it runs fewer services than the file defines.
    """
    wanted = service_tables(a)
    others = sorted(e for e in (cfg.envs if cfg else {}) if e != a.env)
    if cfg is None or not others:
        return {f"service.{k}": v for k, v in wanted.items()}
    tables: dict[str, dict[str, object]] = {}
    builtin = a.env not in cfg.envs and a.env in BUILTIN_ENVS  # [env.sandbox.*] would shadow the built-in env
    for key, values in wanted.items():
        base = cfg.services.get(key)
        if base is None:
            tables[f"service.{key}"] = values
            continue
        current = {**base, **cfg.env_services.get(a.env, {}).get(key, {})}
        differ = {k: v for k, v in values.items() if current.get(k) != v}
        if differ and not builtin:
            tables[f"env.{a.env}.service.{key}"] = differ
    new_keys = [k for k in wanted if k not in cfg.services]
    if new_keys:
        for env in others:
            if cfg.envs[env].get("services") is None:
                tables[f"env.{env}"] = {"services": sorted(cfg.services)}
    defined = set(cfg.services) | set(wanted)
    listed = cfg.envs.get(a.env, {}).get("services") is not None
    if (set(wanted) != defined or listed) and not builtin:
        tables.setdefault(f"env.{a.env}", {})["services"] = sorted(wanted)
    return tables


def run_setup(ctx: AppContext, opts: SetupOptions, check: bool = True) -> Result:
    ask = Asker(ctx.ask(), ctx.interactive)
    out = ctx.output
    choose_mode(ctx, opts, ask)
    cfg = ctx.config
    collected = collect(ctx, opts, ask, lambda env: dict(cfg.envs.get(env, {})))
    a = collected.answers
    path, old, text = new_file_text(ctx, collected)

    calls = [
        _secret_call(m.name, collected.values[m.name])
        if m.store == "secretsmanager"
        else _param_call(m.name, collected.values[m.name])
        for m in collected.missing
        if m.name in collected.values
    ]
    views: list[View] = []
    file_change = "unchanged" if text == old else ("create" if not old else "update")
    diff = list(difflib.unified_diff(old.splitlines(), text.splitlines(), str(path), str(path), lineterm=""))
    rows = [
        [
            m.store,
            m.name,
            ", ".join(m.services),
            (Sensitive(collected.values[m.name]) if m.store == "secretsmanager" else collected.values[m.name])
            if m.name in collected.values
            else "(skipped)",
        ]
        for m in collected.missing
    ]
    data: dict[str, Any] = {
        "env": a.env,
        "config": str(path),
        "file": file_change,
        "sandbox": a.sandbox,
        "services": {s.key: vars(s) for s in a.services},
        "created": [m.name for m in collected.missing if m.name in collected.values],
        "skipped": [{"name": m.name, "store": m.store, "services": list(m.services)} for m in collected.skipped],
    }
    if not ctx.output.json:
        out.info(f"Plan for environment {a.env} (cluster {a.cluster}):")
        out.info(f"  {CONFIG_FILENAME}: {file_change}")
        for line in diff[2:]:
            out.note(f"    {line}")
        for row in rows:
            out.info(f"  {row[0]}: create {row[1]} for {row[2]}: {row[3]}")
        for m in collected.skipped:
            hint = f"--secret-file {m.name}=PATH" if m.store == "secretsmanager" else f"--param {m.name}=VALUE"
            out.warn(f"{m.store} {m.name} is missing (used by {', '.join(m.services)}); not created ({hint})")
    if file_change == "unchanged" and not calls:
        return Result(
            "setup",
            status="unchanged",
            data=data,
            message=f"nothing to change: {path.name} and environment {a.env} are already set up",
        )
    if ctx.options.dry_run:
        return Result("setup", status="planned", data=data, message="dry run: nothing was changed")
    if not ctx.options.yes:
        if not ask.interactive:
            raise UsageError(
                "setup needs confirmation to apply the plan and cannot ask",
                hint="pass --yes (or --dry-run to only see the plan)",
            )
        if not ask.prompter.confirm("Apply this plan?", default=True):
            from vegaops.errors import Interrupted

            raise Interrupted("setup cancelled; nothing was changed")

    from vegaops.runbook import engine

    ctx.options.yes = True  # confirmed once, for the whole plan
    report = engine.run(ctx, "setup", calls) if calls else None
    if file_change != "unchanged":
        write_atomic(path, text)
    changes = report.changes if report else []
    if file_change != "unchanged":
        changes.append(
            {"action": file_change, "target": str(path), "summary": f"{file_change} {path.name}", "detail": {}}
        )
    if check:
        _final_check(ctx, a.env, path)
    nxt = [
        f"vegaops --env {a.env} status",
        f"vegaops --env {a.env} deploy --tag TAG --dry-run",
        f"vegaops --env {a.env} config list",
        f"{prog()} env show {a.env}",
    ]
    views.append(Lines(["Next:", *(f"  {n}" for n in nxt)]))
    data["next"] = nxt
    if rows:
        views.insert(0, Table(["STORE", "NAME", "USED BY", "VALUE"], rows, title="Created"))
    return Result(
        "setup",
        status="changed",
        changes=changes,
        data=data,
        views=views,
        message=f"environment {a.env} is set up in {path}",
    )


def _final_check(ctx: AppContext, env: str, path: Path) -> None:
    """Run `status` and `health` for the new environment."""
    for command in ("status", "health"):
        args = [sys.executable, "-m", "vegaops", "--config", str(path), "--env", env, "--no-input", command]
        if ctx.output.json:
            continue
        ctx.output.info(f"$ vegaops --env {env} {command}")
        proc = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, "VEGAOPS_OUTPUT": "human"},
        )
        for line in (proc.stdout + proc.stderr).splitlines():
            ctx.output.info(f"  {line}")
        if proc.returncode:
            ctx.output.warn(f"vegaops {command} exited {proc.returncode}")
