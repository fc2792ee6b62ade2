"""The entry point: runs the command tree inside the error boundary (``vegaops.boundary``), then reports to CI."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from vegaops.boundary import _report, _usage, handle
from vegaops.errors import ExitCode


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (never raises)."""
    code = _run(argv)
    from vegaops.ci import finish

    finish(code)  # GitHub step summary/outputs/annotations and notifications; never changes the code
    return code


def _run(argv: Sequence[str] | None) -> int:
    from typer import Abort
    from typer._click.exceptions import ClickException  # typer's vendored Click, not the click package

    from vegaops import cmdline
    from vegaops.cli.tree import command_for, defer_coercion
    from vegaops.context import CURRENT

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("VEGAOPS_DEBUG", "").lower() in ("1", "true", "yes")
    CURRENT.clear()
    cmdline.remember(None)
    try:
        # only the branch the arguments name (start-up of one-call commands); the root group's parse_args
        # moves global options given after the subcommand in front of it (cli/argv.py)
        command = command_for(args)
        defer_coercion(command)  # plain string values need no pydantic
        rv = command.main(args=args, prog_name="vegaops", standalone_mode=False)
        return int(rv) if isinstance(rv, int) else 0
    except ClickException as exc:  # bad usage, bad parameter, unreadable file argument: all the user's input
        return _report(_usage(exc), args, debug)
    except Abort:
        sys.stderr.write("\ninterrupted\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        return handle(exc, args, debug)


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


def main() -> None:
    _pause_gc_for_start_up()
    if os.environ.get("_VEGAOPS_COMPLETE"):  # shell completion: a warm cache answers before typer is imported
        from vegaops.completion import fast

        answer = fast(os.environ)
        if answer is not None:
            sys.stdout.write(answer)
            sys.exit(0)
    sys.exit(run())
