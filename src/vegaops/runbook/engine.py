"""The one engine every mutating command runs through: plan -> show -> confirm -> apply -> record.

``--dry-run`` takes the same planning path and applies nothing. A run stops at the first failing
step and reports which steps were done, which failed and which did not run; running it again
resumes naturally because steps already done plan empty.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vegaops.errors import Interrupted, RunbookError, UsageError, VegaopsError
from vegaops.runbook.interpolate import Unknown, contains_unknown, interpolate
from vegaops.runbook.model import StepCall, _type_name, _type_ok, check_calls
from vegaops.sensitive import Sensitive
from vegaops.steps.base import Change, Plan, Step, param_specs
from vegaops.steps.registry import get_step

if TYPE_CHECKING:
    from vegaops.context import AppContext


@dataclass
class StepReport:
    id: str
    uses: str
    status: str = "not_run"  # done | unchanged | planned | failed | not_run | waiting
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uses": self.uses,
            "status": self.status,
            "changes": [c.to_dict() for c in self.changes],
            "notes": self.notes,
            "outputs": {k: (str(v) if isinstance(v, Unknown) else v) for k, v in self.outputs.items()},
            "error": self.error,
        }


@dataclass
class RunReport:
    steps: list[StepReport]
    dry_run: bool

    @property
    def changed(self) -> bool:
        return any(s.status == "done" and s.changes for s in self.steps)

    @property
    def changes(self) -> list[dict[str, Any]]:
        return [c.to_dict() for s in self.steps if s.status in ("done", "planned") for c in s.changes]

    def summary(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for s in self.steps:
            groups.setdefault(s.status, []).append(s.id)
        return groups


class RunFailed(VegaopsError):
    """A step failed; carries the report so the envelope can say what was done and what was not."""

    def __init__(self, cause: VegaopsError, report: RunReport, failed: str) -> None:
        message = cause.message if len(report.steps) == 1 else f"step {failed} failed: {cause.message}"
        super().__init__(message, cause.hint)
        self.exit_code = cause.exit_code
        self.kind = cause.kind
        self.cause = cause
        self.report = report


def _build_params(step_cls: type[Step[Any]], call: StepCall, params: dict[str, Any]) -> Any:
    specs = param_specs(step_cls)
    for key, value in params.items():
        if key in specs and not isinstance(value, Unknown) and not _type_ok(value, specs[key].type):
            raise RunbookError(f"step {call.id}: with.{key}: expected {_type_name(specs[key].type)}, got {value!r}")
    return step_cls.Params(**params)


def render_plan(ctx: AppContext, call: StepCall, plan: Plan) -> None:
    out = ctx.output
    if out.json:
        return
    if plan.empty:
        for note in plan.notes:
            out.note(f"  = {note}")
        return
    out.info(f"{call.id}:" if call.id == call.uses else f"{call.id} ({call.uses}):")
    symbols = {"create": "+", "delete": "-", "update": "~"}
    for change in plan.changes:
        out.info(f"  {symbols.get(change.action, '~')} {change.summary}")
        for key, value in change.detail.items():
            if value is None:
                continue
            if isinstance(value, dict) and set(value) == {"from", "to"}:
                out.note(f"      {key}: {value['from']} -> {value['to']}")
            else:
                out.note(f"      {key}: {value}")


def _journal(ctx: AppContext, name: str, report: RunReport) -> None:
    """Append the outcome of an applied run to the user's journal (never values)."""
    try:
        from vegaops.paths import state_dir

        record = {
            "at": ctx.clock.now().isoformat(),
            "user": getpass.getuser(),
            "runbook": name,
            "env": ctx.settings.env,
            "steps": [
                {"id": s.id, "status": s.status, "changes": [c.summary for c in s.changes]} for s in report.steps
            ],
        }
        from vegaops.paths import append_private

        append_private(state_dir() / "journal.jsonl", json.dumps(record) + "\n")  # 0600 in a 0700 folder
    except OSError as exc:
        ctx.output.debug(f"journal not written: {exc}")


def run(
    ctx: AppContext,
    name: str,
    calls: list[StepCall],
    variables: dict[str, Any] | None = None,
    always_confirm: bool = False,
) -> RunReport:
    """Run steps in order. ``always_confirm`` asks even where the environment does not (deletions)."""
    dry_run = ctx.options.dry_run
    variables = variables or {}
    check_calls(calls, variables)  # every value known now is checked before the first step plans
    report = RunReport([StepReport(c.id, c.uses) for c in calls], dry_run)
    # Every run of this command, so an error that ends it can say which steps were applied.
    ctx.shared.setdefault("run_reports", []).append(report)
    outputs: dict[str, dict[str, Any]] = {}

    def lookup(ref: str) -> Any:
        head, _, rest = ref.partition(".")
        if head == "vars":
            return variables[rest]
        if head == "env":
            return ctx.settings.env if rest == "name" else ctx.settings.get(rest)
        step_id, _, out = rest.partition(".")
        return outputs.get(step_id, {}).get(out, Unknown(ref))

    for call, rep in zip(calls, report.steps, strict=True):
        step_cls = get_step(call.uses)
        if call.when is not None and not _truthy(interpolate(call.when, lookup)):
            rep.status = "skipped"
            rep.notes.append(f"skipped: when = {call.when!r} is empty or false")
            outputs[call.id] = {}
            if not ctx.output.json:
                ctx.output.info(f"{call.id} ({call.uses}): {rep.notes[-1]}")
            continue
        params = call.params if call.literal else interpolate(call.params, lookup)
        unknown = contains_unknown(params)
        if unknown is not None:
            rep.status = "waiting"
            rep.notes.append(f"plan depends on {unknown.ref}, known after apply")
            outputs[call.id] = {k: Unknown(f"steps.{call.id}.{k}") for k in step_cls.outputs}
            if not ctx.output.json:
                ctx.output.info(f"{call.id} ({call.uses}): {rep.notes[-1]}")
            continue
        try:
            step = step_cls(_build_params(step_cls, call, params))
            plan = step.plan(ctx)
            rep.notes = plan.notes
            render_plan(ctx, call, plan)
            if plan.empty:
                rep.status = "unchanged"
                rep.outputs = plan.outputs
                outputs[call.id] = plan.outputs
                continue
            if dry_run:
                rep.status, rep.changes = "planned", plan.changes
                rep.outputs = {k: plan.outputs.get(k, Unknown(f"steps.{call.id}.{k}")) for k in step_cls.outputs}
                outputs[call.id] = rep.outputs
                continue
            _confirm(ctx, call, plan, always_confirm)
            outcome = step.apply(ctx, plan)
            rep.status, rep.changes, rep.outputs = "done", outcome.changes, outcome.outputs
            outputs[call.id] = outcome.outputs
        except VegaopsError as exc:
            rep.status, rep.error = "failed", exc.to_dict()
            if not dry_run:
                _journal(ctx, name, report)
            raise RunFailed(exc, report, call.id) from exc
        except Exception as exc:
            from vegaops.aws.errors import is_botocore_error, translate

            if not is_botocore_error(exc):
                raise
            err = translate(exc)
            rep.status, rep.error = "failed", err.to_dict()
            if not dry_run:
                _journal(ctx, name, report)
            raise RunFailed(err, report, call.id) from exc
    if not dry_run and report.changed:
        _journal(ctx, name, report)
    return report


def _truthy(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True  # known only after an earlier step applies: plan the step
    return str(value).strip().lower() not in ("", "false", "0", "no", "none")


def _confirm(ctx: AppContext, call: StepCall, plan: Plan, always: bool) -> None:
    if not (always or ctx.settings.confirm) or ctx.options.yes:
        return
    if ctx.options.no_input:
        why = (
            "this change asks for confirmation"
            if always
            else (f"environment {ctx.settings.env} asks for confirmation (confirm = true)")
        )
        raise UsageError(f"{why} and --no-input is set", hint="pass --yes to apply without asking")
    count = len(plan.changes)
    if not ctx.ask().confirm(
        f"Apply {count} change{'s' if count != 1 else ''} of {call.id} "
        f"to {ctx.settings.env or 'the default environment'}?",
        default=False,
    ):
        raise Interrupted("declined at confirmation; nothing was changed")


def single(step_cls: type[Step[Any]], params: Any, call_id: str | None = None) -> StepCall:
    """A one-step runbook: how mutating commands reuse the engine."""
    raw = {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}
    return StepCall(call_id or step_cls.id, step_cls.id, raw, literal=True)


def describe_changes(report: RunReport) -> list[str]:
    lines = []
    for s in report.steps:
        for c in s.changes:
            lines.append(c.summary)
    return lines


__all__ = ["RunFailed", "RunReport", "Sensitive", "StepReport", "describe_changes", "run", "single"]
