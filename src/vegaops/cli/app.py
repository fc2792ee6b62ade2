"""The root command: global options and the context; the table of the command groups (``cli/<group>/``) and the
top-level commands (``cli/<command>.py``).

A run imports only the module its command word names (:data:`TREE`, :func:`tree`, ``cli/tree.py``): the root of
``vegaops config get NAME`` never imports the other 40-odd command modules. ``app`` is the whole tree, built on
first use (root help, unknown words, completion and the tests that walk the tree)."""

from __future__ import annotations

import copy
import importlib
import os
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from vegaops import __version__, completion
from vegaops.context import AppContext, GlobalOptions


class VegaopsGroup(TyperGroup):
    """The root group: global options anywhere on the line. Errors go to the one boundary, ``vegaops.main``."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if ctx.parent is None:  # the root: global options may come after the subcommand (cli/argv.py)
            from vegaops.cli.argv import hoist_globals

            args = hoist_globals(args, self)
        return super().parse_args(ctx, args)


root_app = typer.Typer(
    cls=VegaopsGroup,
    name="vegaops",
    help="Operations runbooks for AWS ECS Fargate: deploy, secrets, config, logs, health.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,  # plain click help: rich formatting would double the start-up time of --help
)


def _version(value: bool) -> None:
    if value:
        from vegaops.output.render import Output

        Output().text(f"vegaops {__version__}\n")
        raise typer.Exit()


def _source(ctx: typer.Context, name: str, flag: str, envvar: str) -> str:
    source = ctx.get_parameter_source(name)
    return f"environment variable {envvar}" if source is not None and source.name == "ENVIRONMENT" else f"flag {flag}"


@root_app.callback()
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


# command word -> its module: a group package (its ``app``) or ``module:function`` of a top-level command, with
# that command's click context settings. The order is the order of root help.
TREE: dict[str, tuple[str, dict[str, Any]]] = {
    "config": ("vegaops.cli.config", {}),
    "env": ("vegaops.cli.env", {}),
    "image": ("vegaops.cli.image", {}),
    "runbook": ("vegaops.cli.runbook", {}),
    "logs": ("vegaops.cli.logs", {}),
    "sandbox": ("vegaops.cli.sandbox", {}),
    "setup": ("vegaops.cli.setup:setup", {}),
    "deploy": ("vegaops.cli.deploy", {}),
    "rollback": ("vegaops.cli.rollback:rollback", {}),
    "status": ("vegaops.cli.status:status", {}),
    "health": ("vegaops.cli.health:health", {}),
    "debug": ("vegaops.cli.debug:debug", {}),
    "iam-policy": ("vegaops.cli.iam_policy:iam_policy", {}),
    "cost": ("vegaops.cli.cost:cost", {}),
    "scale": ("vegaops.cli.scale:scale", {}),
    "schedule": ("vegaops.cli.schedule", {}),
    "secret": ("vegaops.cli.secret", {}),
    "exec": ("vegaops.cli.exec_:exec_", {"allow_interspersed_args": False}),
    # run SERVICE [options] -- CMD: options after SERVICE (as the issue writes it); nothing after -- is parsed
    "run": ("vegaops.cli.run:run", {}),
    "shell": ("vegaops.cli.shell:shell", {}),
    "port-forward": ("vegaops.cli.port_forward:port_forward", {}),
}


def tree(words: Collection[str] | None = None) -> typer.Typer:
    """The root with the commands named in ``words`` (every one when None), importing only their modules."""
    built = copy.copy(root_app)
    built.registered_groups, built.registered_commands = [], []
    for word, (target, settings) in TREE.items():
        if words is not None and word not in words:
            continue
        module, _, function = target.partition(":")
        loaded = importlib.import_module(module)
        if function:
            built.command(word, context_settings=settings or None)(getattr(loaded, function))
        else:
            built.add_typer(loaded.app, name=word)
    return built


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole tree, built once when asked for."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    whole = globals()["app"] = tree()
    return whole
