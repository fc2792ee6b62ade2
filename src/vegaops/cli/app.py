"""The root command: global options and the context; registers the command groups (``cli/<group>/``) and the
top-level commands (``cli/<command>.py``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from vegaops import __version__, completion
from vegaops.cli import (
    config,
    cost,
    debug,
    deploy,
    env,
    exec_,
    health,
    iam_policy,
    image,
    logs,
    port_forward,
    rollback,
    run,
    runbook,
    sandbox,
    scale,
    schedule,
    secret,
    setup,
    shell,
    status,
)
from vegaops.context import AppContext, GlobalOptions


class VegaopsGroup(TyperGroup):
    """The root group: global options anywhere on the line. Errors go to the one boundary, ``vegaops.main``."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if ctx.parent is None:  # the root: global options may come after the subcommand (cli/argv.py)
            from vegaops.cli.argv import hoist_globals

            args = hoist_globals(args, self)
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=VegaopsGroup,
    name="vegaops",
    help="Operations runbooks for AWS ECS Fargate: deploy, secrets, config, logs, health.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,  # plain click help: rich formatting would double the start-up time of --help
)
app.add_typer(config.app, name="config")
app.add_typer(env.app, name="env")
app.add_typer(image.app, name="image")
app.add_typer(runbook.app, name="runbook")
app.add_typer(logs.app, name="logs")
app.add_typer(sandbox.app, name="sandbox")
app.command("setup")(setup.setup)
app.add_typer(deploy.app, name="deploy")
app.command("rollback")(rollback.rollback)
app.command("status")(status.status)
app.command("health")(health.health)
app.command("debug")(debug.debug)
app.command("iam-policy")(iam_policy.iam_policy)
app.command("cost")(cost.cost)
app.command("scale")(scale.scale)
app.add_typer(schedule.app, name="schedule")
app.add_typer(secret.app, name="secret")
app.command("exec", context_settings={"allow_interspersed_args": False})(exec_.exec_)
# run SERVICE [options] -- CMD: options after SERVICE (as the issue writes it); nothing after -- is parsed
app.command("run")(run.run)
app.command("shell")(shell.shell)
app.command("port-forward")(port_forward.port_forward)


def _version(value: bool) -> None:
    if value:
        from vegaops.output.render import Output

        Output().text(f"vegaops {__version__}\n")
        raise typer.Exit()


def _source(ctx: typer.Context, name: str, flag: str, envvar: str) -> str:
    source = ctx.get_parameter_source(name)
    return f"environment variable {envvar}" if source is not None and source.name == "ENVIRONMENT" else f"flag {flag}"


@app.callback()
def root(
    ctx: typer.Context,
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            "-e",
            envvar="VEGAOPS_ENV",
            help="Environment from vegaops.toml (or 'sandbox').",
            autocompletion=completion.environments,
        ),
    ] = None,
    profile: Annotated[str | None, typer.Option(envvar="VEGAOPS_PROFILE", help="AWS named profile.")] = None,
    region: Annotated[str | None, typer.Option(envvar="VEGAOPS_REGION", help="AWS region.")] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", envvar="VEGAOPS_CONFIG", help="Path to vegaops.toml (default: search upwards)."),
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", envvar="VEGAOPS_OUTPUT", help="human or json (one envelope on stdout).")
    ] = "human",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", envvar="VEGAOPS_DRY_RUN", help="Plan and show changes; change nothing.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", envvar="VEGAOPS_YES", help="Answer yes to confirmations.")
    ] = False,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input", envvar="VEGAOPS_NO_INPUT", help="Never prompt; a needed answer is an error (exit 2)."
        ),
    ] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, envvar="VEGAOPS_VERBOSE", help="More detail on stderr.")
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", envvar="VEGAOPS_QUIET", help="Only results and errors.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", envvar="VEGAOPS_DEBUG", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    from vegaops.errors import UsageError

    if output not in ("human", "json"):
        raise UsageError(f"--output {output!r}: expected human or json", hint="use --output json")
    if quiet and verbose:
        raise UsageError("--quiet and --verbose contradict each other", hint="pass one of -q or -v, not both")
    if env is not None and not env.strip():
        raise UsageError(
            f"{_source(ctx, 'env', '--env', 'VEGAOPS_ENV')}: the environment name is empty",
            hint="name an environment from vegaops.toml (or sandbox), or leave --env out for the default",
        )
    if region is not None:
        from vegaops.inputs import check_region

        check_region(region, _source(ctx, "region", "--region", "VEGAOPS_REGION"))
    if os.environ.get("VEGAOPS_AWS_TIMEOUT"):
        from vegaops.aws.clients import env_timeout

        env_timeout()  # a bad value is a usage error now, not at the first AWS call
    options = GlobalOptions(
        env=env,
        env_source=_source(ctx, "env", "--env", "VEGAOPS_ENV"),
        profile=profile,
        profile_source=_source(ctx, "profile", "--profile", "VEGAOPS_PROFILE"),
        region=region,
        region_source=_source(ctx, "region", "--region", "VEGAOPS_REGION"),
        config=config,
        output=output,
        dry_run=dry_run,
        yes=yes,
        no_input=no_input,
        verbose=verbose,
        quiet=quiet,
        debug=debug,
    )
    app_ctx = AppContext.from_options(options)
    ctx.obj = app_ctx  # vegaops.main finds the run's context here, for the error boundary and CI reporting
