"""The entry point and the one error boundary: runs the command tree, turns whatever escapes it into output
and an exit code (``vegaops.boundary``), then reports to CI.

The context of the run (``AppContext``, built by the root callback of ``vegaops.cli.app``) is found on the
root click context after the command ran or failed; nothing about a run is kept in a module.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vegaops.boundary import handle, report_error, usage_error
from vegaops.errors import ExitCode

if TYPE_CHECKING:
    from vegaops.context import AppContext


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (never raises)."""
    code, ctx = execute(argv)
    if ctx is not None:
        from vegaops.ci import finish

        finish(ctx, code)  # GitHub step summary/outputs/annotations and notifications; never changes the code
    return code


def execute(argv: Sequence[str] | None = None, command: Any = None) -> tuple[int, AppContext | None]:
    """Run the command tree inside the error boundary: the exit code, and the run's context when the root
    callback built one. ``command``: a click command built beforehand (tests build the whole tree once)."""
    from typer import Abort, Exit
    from typer._click.exceptions import ClickException  # typer's vendored Click, not the click package

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("VEGAOPS_DEBUG", "").lower() in ("1", "true", "yes")
    click_ctx: Any = None
    try:
        if command is None:
            from vegaops.cli.tree import command_for, defer_coercion

            # only the branch the arguments name (start-up of one-call commands); the root group's parse_args
            # moves global options given after the subcommand in front of it (cli/argv.py)
            command = command_for(args)
            defer_coercion(command)  # plain string values need no pydantic
        if os.environ.get("_VEGAOPS_COMPLETE"):  # shell completion: click answers and exits
            command.main(args=args, prog_name="vegaops", standalone_mode=False)
        click_ctx = command.make_context("vegaops", args)
        with click_ctx:
            rv = command.invoke(click_ctx)
        return (int(rv) if isinstance(rv, int) else 0), _app_context(click_ctx)
    except Exit as exc:  # typer.Exit: --help, --version, a command's own exit code
        return int(exc.exit_code), _app_context(click_ctx)
    except ClickException as exc:  # bad usage, bad parameter, unreadable file argument: all the user's input
        ctx = _app_context(click_ctx)
        return report_error(usage_error(exc), ctx, args, debug), ctx
    except Abort:
        from vegaops.output.render import Output

        ctx = _app_context(click_ctx)
        (ctx.output if ctx is not None else Output()).say("\ninterrupted")
        return int(ExitCode.INTERRUPTED), ctx
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0, _app_context(click_ctx)
    except (Exception, KeyboardInterrupt) as exc:
        ctx = _app_context(click_ctx)
        return handle(exc, ctx, args, debug or bool(ctx and ctx.options.debug)), ctx


def _app_context(click_ctx: Any) -> AppContext | None:
    """The run's context: set on the root click context by the root callback (None before it ran)."""
    from vegaops.context import AppContext

    obj = getattr(click_ctx, "obj", None)
    return obj if isinstance(obj, AppContext) else None


START_UP_SECONDS = 1.0


def _pause_gc_for_start_up() -> None:
    """No cyclic garbage collection for the first second of the process.

    Start-up allocates hundreds of thousands of objects that live as long as the process (typer's command,
    botocore's service models and client), and CPython's collector walks them again and again while they are
    created: about a fifth of the CPU of a one-call command (``bench/startup.py``), finding nothing to free.
    After a second (long commands: deploy, logs tail, exec) collection runs as usual, with what exists then
    moved out of its sight (``gc.freeze``). Reference counting frees everything else meanwhile, as always.
    """
    import gc
    import threading

    def resume() -> None:
        gc.freeze()
        gc.enable()

    gc.disable()
    timer = threading.Timer(START_UP_SECONDS, resume)
    timer.daemon = True
    timer.start()


def _terminate_like_ctrl_c() -> None:
    """SIGTERM ends a command as Ctrl-C does (``errors.Terminated``), instead of killing it where it stands: a
    cancelled CI job's deploy releases its lock and says what it changed, ``run`` stops its task (exit 130)."""
    import signal
    from types import FrameType

    from vegaops.errors import Terminated

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        raise Terminated

    signal.signal(signal.SIGTERM, on_term)


def main() -> None:
    _pause_gc_for_start_up()
    _terminate_like_ctrl_c()
    if os.environ.get("_VEGAOPS_COMPLETE"):  # shell completion: a warm cache answers before typer is imported
        from vegaops.completion import fast

        answer = fast(os.environ)
        if answer is not None:
            from vegaops.output.render import Output

            Output().text(answer)
            sys.exit(0)
    sys.exit(run())
