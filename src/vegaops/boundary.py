"""The error boundary: any exception escaping a command becomes output and an exit code.

Called from one place, ``vegaops.main`` (around the whole run), with the context of the run when the root
callback built one (``ctx``; None when parsing failed before it): the output mode, the command's name and the
reports of the runbooks it ran come from it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vegaops.errors import ExitCode, InternalError, Interrupted, Terminated, UsageError, VegaopsError

if TYPE_CHECKING:
    from vegaops.context import AppContext


def _wants_json(argv: Sequence[str]) -> bool:
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--output=json" or (arg in ("--output", "-o") and i + 1 < len(args) and args[i + 1] == "json"):
            return True
    return os.environ.get("VEGAOPS_OUTPUT") == "json"


def report_error(
    error: VegaopsError, ctx: AppContext | None, argv: Sequence[str], debug: bool, exc: BaseException | None = None
) -> int:
    """Render ``error`` (one line + hint, or the JSON envelope) and return its exit code."""
    from vegaops.output.render import Output
    from vegaops.output.result import Result

    output = ctx.output if ctx else Output("json" if _wants_json(argv) else "human")
    command = ctx.command if ctx else "vegaops"
    error.message = _one_line(error.message)
    hint = error.hint or _default_hint(error, command, ctx)  # a default hint may quote the user's values too
    error.hint = _one_line(hint) if hint else None
    data = None
    report = getattr(error, "report", None)
    unavailable = error.exit_code == ExitCode.UNAVAILABLE
    if unavailable:
        reports: list[Any] = list(ctx.run_reports) if ctx else []
        if report is not None and not any(r is report for r in reports):
            reports.append(report)  # a run on another environment's context (image promote)
        error.hint = _what_changed(reports)
    if report is not None:
        data = {"steps": [s.to_dict() for s in report.steps], "summary": report.summary()}
        if hasattr(report, "stopped"):  # what a run stopped part-way applied, and how to finish or undo it
            data["stopped"] = report.stopped()
    if debug and exc is not None:
        output.traceback(exc)
    result = Result(
        command=command,
        status="error",
        exit_code=int(error.exit_code),
        changes=report.changes if report is not None else [],
        data=data,
        errors=[error.to_dict()],
    )
    several = report is not None and (len(report.steps) > 1 or any(s.status == "interrupted" for s in report.steps))
    if report is not None and several and not unavailable and not output.json and hasattr(report, "stopped_lines"):
        for line in report.stopped_lines():
            output.info(line)
    output.failure(result)
    return int(error.exit_code)


def _default_hint(error: VegaopsError, command: str, ctx: AppContext | None) -> str | None:
    """Every user error ends with a hint; these are for the errors raised without one."""
    if error.exit_code == ExitCode.USAGE:
        from vegaops.cmdline import line

        words = command.split() if command != "vegaops" else []
        return f"see {line(*words, '--help', options=ctx.options if ctx else None)}"
    if error.exit_code == ExitCode.NOT_FOUND:
        return "check the name, the environment (--env) and the region (--region)"
    if error.exit_code == ExitCode.AUTH:
        from vegaops.aws.errors import CREDENTIALS_HINT

        return CREDENTIALS_HINT
    return None


def _one_line(text: str) -> str:
    """A user's value may hold newlines or terminal control codes: shown escaped, the error stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _what_changed(reports: list[Any]) -> str:
    """For a temporary AWS failure: which steps were applied before it, which were not."""
    done = [s.id for r in reports if not r.dry_run for s in r.steps if s.status == "done" and s.changes]
    failed = [s.id for r in reports for s in r.steps if s.status == "failed"]
    not_run = [s.id for r in reports for s in r.steps if s.status == "not_run"]
    said = f"changed before the failure: {', '.join(done)}" if done else "nothing was changed"
    if failed:
        said += f"; did not finish: {', '.join(failed)}"
    if not_run:
        said += f"; not run: {', '.join(not_run)}"
    again = "run it again when AWS answers (done steps plan nothing)" if done else "try again when AWS answers"
    return f"{said}; {again}; check the network, --region, AWS_ENDPOINT_URL or VEGAOPS_AWS_TIMEOUT"


def usage_error(exc: Any) -> UsageError:
    """A typer/click usage error as a vegaops one: one line naming the command, plus a hint."""
    message = " ".join(str(exc.format_message()).split())
    from vegaops.cmdline import command_words, line, options_of

    click_ctx = getattr(exc, "ctx", None)
    words = command_words(click_ctx)  # click's command_path holds a group's usage
    hint = f"see {line(*words, '--help', options=options_of(click_ctx))}"
    return UsageError(f"{' '.join(['vegaops', *words])}: {message}", hint=hint)


# Commands that change nothing: Ctrl-C is how a person stops them (logs tail -f, deploy watch, health --wait).
READ_ONLY = frozenset(
    {
        "status",
        "health",
        "debug",
        "iam-policy",
        "deploy watch",
        "deploy history",
        "logs tail",
        "config get",
        "config list",
        "config history",
        "config diff",
        "secret get",
        "secret list",
        "secret history",
        "secret refs",
        "secret export",
        "secret diff",
        "env list",
        "env show",
        "env vars",
        "image list",
        "runbook list",
        "runbook validate",
        "runbook plan",
        "sandbox status",
        "sandbox env",
    }
)


def _quiet_interrupt(ctx: AppContext, argv: Sequence[str]) -> int:
    """Ctrl-C on a read-only command: 130 and no error line (json mode: its one envelope, status interrupted)."""
    from vegaops.output.result import Result

    if ctx.output.json or _wants_json(argv):
        ctx.output.result(Result(ctx.command, "interrupted", int(ExitCode.INTERRUPTED)))
    else:
        ctx.output.end_echoed_line()  # past the ^C the terminal echoed
    return int(ExitCode.INTERRUPTED)


def handle(exc: BaseException, ctx: AppContext | None, argv: Sequence[str], debug: bool) -> int:
    """Turn any exception escaping a command into output and an exit code."""
    if isinstance(exc, VegaopsError):
        return report_error(exc, ctx, argv, debug, exc)
    if isinstance(exc, KeyboardInterrupt | Interrupted) and ctx is not None and ctx.command in READ_ONLY:
        return _quiet_interrupt(ctx, argv)
    if isinstance(exc, KeyboardInterrupt):
        what = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        return report_error(Interrupted(what, hint="nothing further was changed"), ctx, argv, debug)
    from vegaops.aws.errors import is_botocore_error, translate

    if is_botocore_error(exc):
        return report_error(translate(exc), ctx, argv, debug, exc)
    error = InternalError(
        f"internal error: {type(exc).__name__}: {exc}",
        hint="this is a bug in vegaops; rerun with --debug and report it",
    )
    return report_error(error, ctx, argv, debug, exc)
