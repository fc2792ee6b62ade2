"""``vegaops setup``: the wizard that writes vegaops.toml and creates what the services are missing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vegaops.cli.common import DryRunOpt, app_ctx, emit
from vegaops.errors import UsageError

PairOpt = list[str] | None


def setup(
    ctx: typer.Context,
    env: Annotated[
        str | None, typer.Option("--env", help="Environment name to write (default: from the cluster).")
    ] = None,
    project: Annotated[str | None, typer.Option("--project", help="Project name (new files only).")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", help="ECS cluster.")] = None,
    service: Annotated[PairOpt, typer.Option("--service", help="KEY=ECS_SERVICE (repeatable).")] = None,
    container: Annotated[PairOpt, typer.Option("--container", help="KEY=CONTAINER (repeatable).")] = None,
    ecr_repo: Annotated[PairOpt, typer.Option("--ecr-repo", help="KEY=REPOSITORY (repeatable).")] = None,
    health_url: Annotated[PairOpt, typer.Option("--health-url", help="KEY=URL (repeatable).")] = None,
    secrets_prefix: Annotated[str | None, typer.Option("--secrets-prefix", help="Secrets Manager prefix.")] = None,
    params_prefix: Annotated[str | None, typer.Option("--params-prefix", help="SSM parameter prefix.")] = None,
    tag_rule: Annotated[
        str | None, typer.Option("--tag-rule", help="Regex deployed tags must match ('' for none).")
    ] = None,
    confirm: Annotated[
        bool | None, typer.Option("--confirm/--no-confirm", help="Confirm every change in this env.")
    ] = None,
    secret_file: Annotated[
        PairOpt, typer.Option("--secret-file", help="NAME=PATH: create a missing secret from a file (repeatable).")
    ] = None,
    param: Annotated[PairOpt, typer.Option("--param", help="NAME=VALUE for a missing parameter (repeatable).")] = None,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Set up against the local sandbox.")] = False,
    skip_check: Annotated[bool, typer.Option("--skip-check", help="Do not run health/status at the end.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Apply the plan without asking (the global --yes, here too).")
    ] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Discover the estate, choose, and write vegaops.toml; create missing secrets and parameters."""
    from vegaops.inputs import parse_pairs
    from vegaops.setup.plan import check_name, check_tag_rule
    from vegaops.setup.run import run_setup
    from vegaops.setup.wizard import SetupOptions

    a = app_ctx(ctx, dry_run)
    if yes:
        a.options.yes = True
    # every option checked before the first AWS call, each error naming the option and the rule
    if env is not None:
        check_name(env, "--env", "environment name")
    if tag_rule is not None:
        check_tag_rule(tag_rule)
    services = {}
    for item in service or []:
        key, sep, name = item.partition("=")
        key, name = (key, name) if sep else (item, item)
        check_name(key, f"--service {item}", "service key")
        if not name:
            raise UsageError(f"--service {item}: the ECS service name is empty", hint="write --service api=vega-api")
        services[key] = name
    opts = SetupOptions(
        env=env,
        project=project,
        cluster=cluster,
        services=services,
        containers=parse_pairs(container, "--container"),
        ecr_repos=parse_pairs(ecr_repo, "--ecr-repo"),
        health_urls=parse_pairs(health_url, "--health-url"),
        secrets_prefix=secrets_prefix,
        params_prefix=params_prefix,
        tag_rule=tag_rule,
        confirm=confirm,
        secret_files={k: Path(v) for k, v in parse_pairs(secret_file, "--secret-file").items()},
        params=parse_pairs(param, "--param"),
        sandbox=sandbox,
    )
    emit(a, run_setup(a, opts, check=not skip_check))
