"""The one engine every mutating command runs through: plan all -> show -> confirm once -> apply -> record.

Every step is planned before anything is applied; a later step is planned from the planned outputs of
the steps before it (a registration's revision-to-be), or shown as "known after apply" when it cannot
be. The whole plan is shown once and confirmed once (``--yes`` skips the question, gates such as
``ecs.watch`` and ``health.check`` are never asked about). ``--dry-run`` stops after the plan.
Declining changes nothing. A run that stops part-way (a failing step, Ctrl-C) reports exactly which
changes were applied and which were not, and the command that finishes it: running it again resumes
naturally because steps already done plan empty.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vegaops.errors import Interrupted, NotFoundError, RunbookError, UsageError, VegaopsError
from vegaops.runbook.interpolate import Unknown, contains_unknown, interpolate
from vegaops.runbook.model import StepCall, _type_name, _type_ok, check_calls
from vegaops.sensitive import Sensitive
from vegaops.steps.base import Change, Contingency, Outcome, Plan, Step, param_specs
from vegaops.steps.registry import get_step

if TYPE_CHECKING:
    from vegaops.context import AppContext


@dataclass
class StepReport:
    id: str
    uses: str
    # done | unchanged | planned | waiting | skipped | failed | interrupted | not_run
    status: str = "not_run"
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    gate: bool = False  # a watch or a check: its lines are not changes
    bookkeeping: bool = False  # a record of the run (lock, outcome tags, pruning): journaled, not a reported change
    contingent: bool = False  # applied only when a gate asks for it (the automatic rollback)
    outcome: Outcome | None = field(default=None, repr=False)  # what apply() returned (failures included)
    exception: VegaopsError | None = field(default=None, repr=False)  # why the step failed

    @property
    def reported(self) -> bool:
        """Its lines are changes the command reports and asks about (not a wait, a record or a contingency)."""
        return not (self.gate or self.bookkeeping or self.contingent)

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
    resume: str = ""  # the command that finishes this run when it stops part-way
    undo: dict[str, str] = field(default_factory=dict)  # step id -> the command that reverses it

    @property
    def changed(self) -> bool:
        """Something was written (records included)."""
        return any(s.status == "done" and s.changes and not s.gate for s in self.steps)

    @property
    def changes(self) -> list[dict[str, Any]]:
        return [c.to_dict() for s in self.steps if s.status in ("done", "planned") and s.reported for c in s.changes]

    @property
    def failed(self) -> StepReport | None:
        """The step that failed the run (its ``exception`` says why, its ``outcome`` what it found), else None."""
        return next((s for s in self.steps if s.status == "failed" and s.exception is not None), None)

    @property
    def interrupted(self) -> StepReport | None:
        """The gate a Ctrl-C stopped (nothing was being written then), else None."""
        return next((s for s in self.steps if s.status == "interrupted"), None)

    def step(self, step_id: str) -> StepReport | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def raise_for_failure(self) -> None:
        """The error a failed run ends with (what :func:`run` raises)."""
        failed = self.failed
        if failed is not None and failed.exception is not None:
            raise RunFailed(failed.exception, self, failed.id)

    def summary(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for s in self.steps:
            groups.setdefault(s.status, []).append(s.id)
        return groups

    def stopped(self) -> dict[str, Any]:
        """What a run that stopped part-way changed, what it did not, and how to finish or undo it."""
        changed = [c.summary for s in self.steps if s.status == "done" and s.reported for c in s.changes]
        unsure = [c.summary for s in self.steps if s.status == "interrupted" and s.reported for c in s.changes]
        not_changed = [
            c.summary
            for s in self.steps
            if s.status in ("planned", "failed", "not_run") and s.reported
            for c in s.changes
        ]
        not_run = [
            s.id
            for s in self.steps
            if s.status in ("planned", "waiting", "not_run", "failed", "interrupted") and not s.contingent
        ]
        anything = bool(changed or unsure)
        applied = ("done", "interrupted")
        return {
            "changed": changed,
            "maybe_changed": unsure,
            "not_changed": not_changed,
            "not_run": not_run,
            "resume": self.resume if anything else None,
            "undo": [u for sid, u in self.undo.items() if any(s.id == sid and s.status in applied for s in self.steps)],
        }

    def stopped_lines(self) -> list[str]:
        info = self.stopped()
        if not (info["changed"] or info["maybe_changed"]):
            return ["nothing was changed"]
        lines = [f"changed: {c}" for c in info["changed"]]
        lines += [f"interrupted while applying (may or may not be applied): {c}" for c in info["maybe_changed"]]
        lines += [f"not changed: {c}" for c in info["not_changed"]]
        if info["not_run"]:
            lines.append(f"steps not applied: {', '.join(info['not_run'])}")
        if info["resume"]:
            lines.append(f"to finish (steps already done plan nothing): {info['resume']}")
        lines += [f"to undo: {u}" for u in info["undo"]]
        return lines


class RunFailed(VegaopsError):
    """A step failed; carries the report so the envelope can say what was done and what was not."""

    def __init__(self, cause: VegaopsError, report: RunReport, failed: str) -> None:
        message = cause.message if len(report.steps) == 1 else f"step {failed} failed: {cause.message}"
        super().__init__(message, cause.hint)
        self.exit_code = cause.exit_code
        self.kind = cause.kind
        self.report = report


class RunInterrupted(Interrupted):
    """Ctrl-C while a step applied: the report says what was applied, what may be, and how to finish."""

    def __init__(self, report: RunReport, step_id: str) -> None:
        info = report.stopped()
        done = "; ".join(info["changed"]) or "nothing before it"
        doing = "waiting at" if any(s.id == step_id and s.gate for s in report.steps) else "applying"
        super().__init__(
            f"interrupted while {doing} step {step_id} (applied before it: {done})",
            hint=f"run it again to finish: {report.resume}" if report.resume else None,
        )
        self.report = report


class Declined(Interrupted):
    """The operator answered no: nothing was applied."""


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
                was, now = ("(none)" if v is None else v for v in (value["from"], value["to"]))
                out.note(f"      {key}: {was} -> {now}")
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


@dataclass
class _Prepared:
    """One step after the planning pass: its parameters, and its plan when it could be planned."""

    step_cls: type[Step[Any]]
    params: Any
    step: Step[Any] | None = None
    plan: Plan | None = None


def run(
    ctx: AppContext,
    name: str,
    calls: list[StepCall],
    variables: dict[str, Any] | None = None,
    always_confirm: bool = False,
    *,
    then: Sequence[str] = (),
    resume: str | None = None,
    undo: dict[str, str] | None = None,
    before_apply: Callable[[], None] | None = None,
    confirmed: bool = False,
) -> RunReport:
    """Plan every step, show the plan, confirm once, then apply in order; a failed step raises
    :class:`RunFailed`, Ctrl-C at a gate with nothing applied re-raises ``KeyboardInterrupt`` (the caller says
    what continues). :func:`execute` returns those as its report instead."""
    report = execute(
        ctx,
        name,
        calls,
        variables,
        always_confirm,
        then=then,
        resume=resume,
        undo=undo,
        before_apply=before_apply,
        confirmed=confirmed,
    )
    report.raise_for_failure()
    stopped = report.interrupted
    if stopped is not None:
        if not report.changed:
            raise KeyboardInterrupt
        raise RunInterrupted(report, stopped.id)
    return report


def execute(
    ctx: AppContext,
    name: str,
    calls: list[StepCall],
    variables: dict[str, Any] | None = None,
    always_confirm: bool = False,
    *,
    then: Sequence[str] = (),
    resume: str | None = None,
    undo: dict[str, str] | None = None,
    before_apply: Callable[[], None] | None = None,
    confirmed: bool = False,
) -> RunReport:
    """Plan every step, show the plan, confirm once, then apply in order: the run's typed result.

    A step that fails (planning or applying, or an outcome whose result is a failure) is the report's
    ``failed`` step, with its outcome and error; the steps after it are not run, except those marked
    ``always`` (records of what the run became), planned then from what is known. Ctrl-C while a gate waits
    is the report's ``interrupted`` step. Ctrl-C while a change applies raises :class:`RunInterrupted`.

    ``always_confirm`` asks even where the environment does not (deletions). ``then`` lists what the
    command does after this run, shown with the plan. ``resume`` is the command that finishes a run stopped
    part-way (default: the runbook's); ``undo`` maps a step id to the command that reverses it, said for the
    steps that were applied. ``before_apply`` runs once, after the confirmation, before the first change.
    ``confirmed``: this run continues a command whose one question already covered it (shown as ``then``).
    A ``contingent`` step is planned and shown, and applied only when a gate step asks for it.
    """
    dry_run = ctx.options.dry_run
    variables = variables or {}
    check_calls(calls, variables)  # every value known now is checked before the first step plans
    report = RunReport([StepReport(c.id, c.uses, contingent=c.contingent) for c in calls], dry_run)
    # Every run of this command, so an error that ends it can say which steps were applied.
    ctx.run_reports.append(report)
    report.resume = resume or f"{command_prefix(ctx)} runbook run {name}"
    report.undo = dict(undo or {})
    planned: dict[str, dict[str, Any]] = {}
    actual: dict[str, dict[str, Any]] = {}

    def lookup_in(outputs: dict[str, dict[str, Any]]) -> Callable[[str], Any]:
        def lookup(ref: str) -> Any:
            head, _, rest = ref.partition(".")
            if head == "vars":
                return variables[rest]
            if head == "env":
                return ctx.settings.env if rest == "name" else ctx.settings.get(rest)
            step_id, _, out = rest.partition(".")
            return outputs.get(step_id, {}).get(out, Unknown(ref))

        return lookup

    # 1. Plan every step before changing anything.
    prepared: list[_Prepared | None] = []
    changes_ahead = False  # a change (planned or known only after apply) comes before this step
    for call, rep in zip(calls, report.steps, strict=True):
        step_cls = get_step(call.uses)
        rep.gate, rep.bookkeeping = step_cls.gate, step_cls.bookkeeping
        lookup = lookup_in(planned)
        try:
            if call.when is not None and not _truthy(interpolate(call.when, lookup)):
                rep.status = "skipped"
                rep.notes.append(f"skipped: when = {call.when!r} is empty or false")
                planned[call.id] = {}
                prepared.append(None)
                if not ctx.output.json:
                    ctx.output.info(f"{call.id} ({call.uses}): {rep.notes[-1]}")
                continue
            params = call.params if call.literal else interpolate(call.params, lookup)
            prep = _Prepared(step_cls, params)
            prepared.append(prep)
            unknown = contains_unknown(params)
            if call.contingent:  # shown, never asked about: a gate applies it when it is needed
                _wait(ctx, call, rep, step_cls, planned, None)
                continue
            if unknown is not None or ((step_cls.gate or step_cls.plan_when_reached) and changes_ahead):
                _wait(ctx, call, rep, step_cls, planned, unknown)
                changes_ahead = changes_ahead or not (step_cls.gate or step_cls.read_only)
                continue
            prep.step = step_cls(_build_params(step_cls, call, params))
            try:
                prep.plan = prep.step.plan(ctx)
            except VegaopsError as exc:
                # What an earlier step creates (a tag it pushes) cannot be read yet: plan this one when the run
                # reaches it. A read-only preview may wait on anything; a change only on what it declares.
                deferrable = step_cls.read_only or (step_cls.plan_after_missing and isinstance(exc, NotFoundError))
                if not (changes_ahead and deferrable):
                    raise
                _wait(ctx, call, rep, step_cls, planned, None)
                continue
            plan = prep.plan
            assert plan is not None
        except VegaopsError as exc:
            _fail(rep, exc)
            return report
        except Exception as exc:
            _fail(rep, _aws_error(exc))
            return report
        rep.notes = list(plan.notes)
        render_plan(ctx, call, plan)
        if plan.empty:
            rep.status, rep.outputs = "unchanged", dict(plan.outputs)
            planned[call.id] = plan.outputs
            continue
        rep.status, rep.changes = "planned", list(plan.changes)
        rep.outputs = {k: plan.outputs.get(k, Unknown(f"steps.{call.id}.{k}")) for k in step_cls.outputs}
        planned[call.id] = rep.outputs
        changes_ahead = changes_ahead or not step_cls.gate
    pending = [s for s in report.steps if s.status in ("planned", "waiting") and s.reported]
    if not ctx.output.json and pending:  # what follows the changes (none: nothing follows)
        for line in then:
            ctx.output.info(f"then: {line}")
    if dry_run:
        return report

    # 2. One question for the whole plan (gates and records are not changes).
    if pending:
        if not confirmed:
            _confirm(ctx, report, pending, always_confirm)
        if before_apply is not None:
            before_apply()

    # 3. Apply in order, each step from the real outputs of the steps before it.
    applied = False
    failed: StepReport | None = None
    for call, rep, entry in zip(calls, report.steps, prepared, strict=True):
        if entry is None:
            actual[call.id] = {}
            continue
        if call.contingent:  # applied only through a gate's contingency (below), when it is needed
            rep.status = rep.status if rep.status in ("done", "failed") else "not_needed"
            continue
        if failed is not None and not call.always:
            if rep.status != "skipped":
                rep.status = "not_run"
            continue
        lookup = lookup_in(actual)
        try:
            if call.when is not None:  # decided again from what the steps before it did
                when = interpolate(call.when, lookup)
                if not _truthy(when):
                    rep.status = "skipped"
                    rep.notes.append(f"skipped: when = {call.when!r} is empty or false")
                    actual[call.id] = {}
                    continue
            params = call.params if call.literal else interpolate(call.params, lookup)
            unknown = contains_unknown(params)
            if unknown is not None:
                if failed is not None:  # a record of a step that did not run: nothing to record
                    rep.status = "not_run"
                    rep.notes.append(f"not run: {unknown.ref} has no value (step {failed.id} failed)")
                    continue
                raise RunbookError(f"step {call.id}: {unknown.ref} has no value after its step ran")
            runner, final = entry.step, entry.plan
            stale = entry.step_cls.gate or entry.step_cls.read_only
            if runner is None or final is None or params != entry.params or (stale and applied):
                runner = entry.step_cls(_build_params(entry.step_cls, call, params))
                final = runner.plan(ctx)
                rep.notes = list(final.notes)
                if rep.status == "waiting" or _lines(final) != _lines_of(rep.changes):
                    render_plan(ctx, call, final)
            if final.empty:
                rep.status, rep.changes, rep.outputs = "unchanged", [], dict(final.outputs)
                actual[call.id] = final.outputs
                continue
            rep.status, rep.changes = "applying", list(final.changes)
            runner.contingency = _contingency(ctx, report, calls)
            try:
                outcome = runner.apply(ctx, final)
            finally:
                runner.contingency = None
            rep.changes, rep.outputs, rep.outcome = outcome.changes, outcome.outputs, outcome
            actual[call.id] = outcome.outputs
            if outcome.error is not None:  # it ran to its end, and its result is a failure (a verdict)
                rep.status, rep.error, rep.exception = "failed", outcome.error.to_dict(), outcome.error
                failed = failed or rep
                continue
            rep.status = "done"
            applied = applied or not entry.step_cls.gate
        except KeyboardInterrupt:
            rep.status = "interrupted"
            _stop(report, rep)
            if entry.step_cls.gate:  # a watch or a check stopped: the report says where, the caller what continues
                if report.changed:
                    _journal(ctx, name, report)
                return report
            _journal(ctx, name, report)
            raise RunInterrupted(report, call.id) from None
        except VegaopsError as exc:
            _fail(rep, exc)
            failed = failed or rep
        except Exception as exc:
            from vegaops.aws.errors import is_botocore_error

            if not is_botocore_error(exc):  # a bug: say what was applied before it, then let it through
                _stop(report, rep)
                _journal(ctx, name, report)
                raise
            _fail(rep, _aws_error(exc))
            failed = failed or rep
    if report.changed or failed is not None:
        _journal(ctx, name, report)
    return report


def _fail(rep: StepReport, exc: VegaopsError) -> None:
    rep.status, rep.error, rep.exception = "failed", exc.to_dict(), exc


def _contingency(ctx: AppContext, report: RunReport, calls: list[StepCall]) -> Contingency:
    """How a step that applies has another step of the run planned, shown, applied and recorded (the automatic
    rollback a watch starts): the contingent step planned with the run when there is one, else a new one."""

    def apply(call_id: str, step: Step[Any]) -> Outcome:
        rep = report.step(call_id)
        if rep is None:
            rep = StepReport(call_id, step.id, contingent=True)
            report.steps.append(rep)
        rep.bookkeeping = step.bookkeeping
        call = next((c for c in calls if c.id == call_id), StepCall(call_id, step.id, {}, literal=True))
        plan = step.plan(ctx)
        rep.notes = list(plan.notes)
        render_plan(ctx, call, plan)
        if plan.empty:
            rep.status, rep.changes, rep.outputs = "unchanged", [], dict(plan.outputs)
            return Outcome(outputs=dict(plan.outputs))
        rep.status, rep.changes = "applying", list(plan.changes)
        try:
            outcome = step.apply(ctx, plan)
        except VegaopsError as exc:
            _fail(rep, exc)
            raise
        rep.status, rep.changes, rep.outputs, rep.outcome = "done", outcome.changes, outcome.outputs, outcome
        return outcome

    return apply


def _stop(report: RunReport, at: StepReport) -> None:
    """The steps after the one that stopped the run were planned but never applied."""
    after = False
    for s in report.steps:
        if after and s.status != "skipped":
            s.status = "not_run"
        after = after or s is at


def _wait(
    ctx: AppContext,
    call: StepCall,
    rep: StepReport,
    step_cls: type[Step[Any]],
    planned: dict[str, dict[str, Any]],
    unknown: Unknown | None,
) -> None:
    """A step that can be planned only when the run reaches it: say what it will do and why it waits."""
    rep.status = "waiting"
    if rep.contingent:
        rep.notes.append("applied only if a step before it calls for it, while the run applies")
    elif unknown is not None:
        rep.notes.append(f"plan depends on {unknown.ref}, known after apply")
    elif step_cls.gate:
        rep.notes.append("checked when the run reaches it, after the changes before it")
    elif step_cls.plan_when_reached:
        rep.notes.append("planned when the run reaches it, after the changes before it")
    else:
        rep.notes.append("read when the run reaches it, after the changes before it")
    planned[call.id] = {k: Unknown(f"steps.{call.id}.{k}") for k in step_cls.outputs}
    if not ctx.output.json:
        what = step_cls.description or call.uses
        ctx.output.info(f"{call.id} ({call.uses}): {what}")
        ctx.output.note(f"  ... {rep.notes[-1]}")


def _lines(plan: Plan) -> list[str]:
    return [c.summary for c in plan.changes]


def _lines_of(changes: list[Change]) -> list[str]:
    return [c.summary for c in changes]


def _aws_error(exc: Exception) -> VegaopsError:
    """A botocore error as the error it means (anything else is a bug: raised as is)."""
    from vegaops.aws.errors import is_botocore_error, translate

    if not is_botocore_error(exc):
        raise exc
    return translate(exc)


def command_prefix(ctx: AppContext) -> str:
    """``vegaops`` with the global options that choose where a command runs (for commands to paste)."""
    import shlex

    o = ctx.options
    parts = ["vegaops"]
    if o.config is not None:
        parts += ["--config", str(o.config)]
    if o.profile:
        parts += ["--profile", o.profile]
    if o.region:
        parts += ["--region", o.region]
    env = o.env or ctx.settings.env
    if env:
        parts += ["--env", env]
    return shlex.join(parts)


def _truthy(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True  # known only after an earlier step applies: plan the step
    return str(value).strip().lower() not in ("", "false", "0", "no", "none")


def _confirm(ctx: AppContext, report: RunReport, pending: list[StepReport], always: bool) -> None:
    """The one question of a run, after the whole plan was shown. Declining changes nothing."""
    if not (always or ctx.settings.confirm) or ctx.options.yes:
        return
    if ctx.options.no_input:
        why = (
            "this change asks for confirmation"
            if always
            else (f"environment {ctx.settings.env} asks for confirmation (confirm = true)")
        )
        raise UsageError(f"{why} and --no-input is set", hint="pass --yes to apply without asking")
    count = sum(len(s.changes) for s in pending if s.status == "planned")
    later = sum(1 for s in pending if s.status == "waiting")
    what = f"{count} change{'s' if count != 1 else ''}"
    if later:
        what += f" and {later} step{'s' if later != 1 else ''} planned when reached"
    where = ctx.settings.env or "the default environment"
    if not ctx.ask().confirm(f"Apply this plan to {where} ({what})?", default=False):
        raise Declined("declined at confirmation: nothing was changed", hint="run it again to answer yes")


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


__all__ = [
    "Declined",
    "RunFailed",
    "RunInterrupted",
    "RunReport",
    "Sensitive",
    "StepReport",
    "describe_changes",
    "execute",
    "run",
    "single",
]
