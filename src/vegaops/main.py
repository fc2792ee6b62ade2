"""The one error boundary: exit codes, one-line errors with hints, envelopes on failure."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Sequence

from vegaops.errors import AwsError, ExitCode, Interrupted, UsageError, VegaopsError


def _wants_json(argv: Sequence[str]) -> bool:
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--output=json" or (arg in ("--output", "-o") and i + 1 < len(args) and args[i + 1] == "json"):
            return True
    return os.environ.get("VEGAOPS_OUTPUT") == "json"


def _report(error: VegaopsError, argv: Sequence[str], debug: bool, exc: BaseException | None = None) -> int:
    from vegaops.cli.app import CURRENT
    from vegaops.output.render import Output
    from vegaops.output.result import Result

    ctx = CURRENT[0] if CURRENT else None
    output = ctx.output if ctx else Output("json" if _wants_json(argv) else "human")
    command = ctx.command if ctx else "vegaops"
    data = None
    report = getattr(error, "report", None)
    if report is not None:
        data = {"steps": [s.to_dict() for s in report.steps], "summary": report.summary()}
        if hasattr(report, "stopped"):  # what a run stopped part-way applied, and how to finish or undo it
            data["stopped"] = report.stopped()
    if debug and exc is not None:
        traceback.print_exception(exc, file=sys.stderr)
    result = Result(
        command=command,
        status="error",
        exit_code=int(error.exit_code),
        changes=report.changes if report is not None else [],
        data=data,
        errors=[error.to_dict()],
    )
    several = report is not None and (len(report.steps) > 1 or any(s.status == "interrupted" for s in report.steps))
    if report is not None and several and not output.json and hasattr(report, "stopped_lines"):
        for line in report.stopped_lines():
            output.info(line)
    output.failure(result)
    return int(error.exit_code)


def handle(exc: BaseException, argv: Sequence[str], debug: bool) -> int:
    """Turn any exception escaping a command into output and an exit code."""
    if isinstance(exc, VegaopsError):
        return _report(exc, argv, debug, exc)
    if isinstance(exc, KeyboardInterrupt):
        return _report(Interrupted("interrupted", hint="nothing further was changed"), argv, debug)
    from vegaops.aws.errors import is_botocore_error, translate

    if is_botocore_error(exc):
        return _report(translate(exc), argv, debug, exc)
    error = AwsError(
        f"internal error: {type(exc).__name__}: {exc}",
        hint="this is a bug in vegaops; rerun with --debug and report it",
    )
    error.exit_code = ExitCode.INTERNAL
    error.kind = "internal"
    return _report(error, argv, debug, exc)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (never raises)."""
    code = _run(argv)
    from vegaops.ci import finish

    finish(code)  # GitHub step summary/outputs/annotations and notifications; never changes the code
    return code


def _run(argv: Sequence[str] | None) -> int:
    from typer import Abort
    from typer._click.exceptions import ClickException  # typer's vendored Click, not the click package
    from typer.main import get_command

    from vegaops.cli.app import CURRENT, app

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("VEGAOPS_DEBUG", "").lower() in ("1", "true", "yes")
    CURRENT.clear()
    try:
        rv = get_command(app).main(args=args, prog_name="vegaops", standalone_mode=False)
        return int(rv) if isinstance(rv, int) else 0
    except ClickException as exc:
        if _wants_json(args):
            return _report(UsageError(exc.format_message()), args, debug)
        from typer import rich_utils

        rich_utils.rich_format_error(exc)
        return exc.exit_code
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


def main() -> None:
    if os.environ.get("_VEGAOPS_COMPLETE"):  # shell completion: a warm cache answers before typer is imported
        from vegaops.completion import fast

        answer = fast(os.environ)
        if answer is not None:
            sys.stdout.write(answer)
            sys.exit(0)
    sys.exit(run())
