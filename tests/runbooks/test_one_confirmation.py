"""One plan, one question: every step is planned before any is applied, and the run asks once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import boto3
import pytest

from vegaops.context import AppContext
from vegaops.errors import Interrupted
from vegaops.prompter import ScriptedPrompter
from vegaops.runbook import engine
from vegaops.runbook.model import StepCall
from vegaops.steps.base import Change, Outcome, Plan, Step
from vegaops.steps.registry import STEPS

THREE = [
    StepCall("a", "ssm.put", {"name": "log-level", "value": "info"}),
    StepCall("b", "ssm.put", {"name": "copy", "value": "v${steps.a.version}"}),
    StepCall("c", "ssm.put", {"name": "other", "value": "x"}),
]


def _prod(app_context: AppContext, answers: list[object]) -> ScriptedPrompter:
    app_context.options.env = "prod"  # confirm = true in the sample config
    app_context.interactive_override = True
    prompter = ScriptedPrompter(answers)
    app_context.prompter = prompter
    return prompter


def _names() -> list[str]:
    return sorted(p["Name"] for p in boto3.client("ssm").describe_parameters()["Parameters"])


@pytest.mark.usefixtures("aws")
def test_several_steps_one_question_then_all_applied(app_context: AppContext) -> None:
    prompter = _prod(app_context, [True])
    report = engine.run(app_context, "demo", list(THREE))
    assert len(prompter.asked) == 1
    assert prompter.asked[0] == "Apply this plan to prod (2 changes and 1 step planned when reached)?"
    assert [s.status for s in report.steps] == ["done", "done", "done"]
    assert _names() == ["/vega/prod/copy", "/vega/prod/log-level", "/vega/prod/other"]


@pytest.mark.usefixtures("aws")
def test_decline_changes_nothing(app_context: AppContext) -> None:
    prompter = _prod(app_context, [False])
    with pytest.raises(Interrupted) as info:
        engine.run(app_context, "demo", list(THREE))
    assert len(prompter.asked) == 1
    assert "nothing was changed" in info.value.message
    assert _names() == []


@pytest.mark.usefixtures("aws")
def test_a_plan_error_in_a_later_step_stops_before_any_change(app_context: AppContext) -> None:
    calls = [*THREE[:1], StepCall("bad", "secrets.rollback", {"name": "no-such-secret"})]
    _prod(app_context, [])  # never asked: the plan fails first
    app_context.options.yes = True
    with pytest.raises(engine.RunFailed) as info:
        engine.run(app_context, "demo", calls, {})
    assert info.value.report.stopped_lines() == ["nothing was changed"]
    assert _names() == []


@pytest.mark.usefixtures("aws")
def test_yes_skips_the_question(app_context: AppContext) -> None:
    prompter = _prod(app_context, [])
    app_context.options.yes = True
    engine.run(app_context, "demo", list(THREE))
    assert prompter.asked == []
    assert len(_names()) == 3


@dataclass
class _CtrlCParams:
    name: str


class CtrlCStep(Step[_CtrlCParams]):
    """A change whose apply is interrupted (Ctrl-C arrives while it runs)."""

    id: ClassVar[str] = "test.ctrl-c"
    Params = _CtrlCParams

    def plan(self, ctx: AppContext) -> Plan:
        return Plan(self.id, changes=[Change("update", self.params.name, f"update {self.params.name}")])

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        raise KeyboardInterrupt


@pytest.mark.usefixtures("aws")
def test_ctrl_c_part_way_says_what_was_applied_and_how_to_finish(
    app_context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(STEPS, CtrlCStep.id, f"{__name__}:CtrlCStep")
    _prod(app_context, [True])
    calls = [
        *THREE[:2],
        StepCall("c", CtrlCStep.id, {"name": "other"}),
        StepCall("d", "ssm.put", {"name": "d", "value": "1"}),
    ]
    with pytest.raises(engine.RunInterrupted) as info:
        engine.run(app_context, "demo", calls, resume="vegaops --env prod runbook run demo")
    report = info.value.report
    assert [s.status for s in report.steps] == ["done", "done", "interrupted", "not_run"]
    lines = report.stopped_lines()
    assert any(line.startswith("changed: ") and "log-level" in line for line in lines)
    assert "interrupted while applying (may or may not be applied): update other" in lines
    assert any(line.startswith("not changed: ") and "/vega/prod/d" in line for line in lines)
    assert "to finish (steps already done plan nothing): vegaops --env prod runbook run demo" in lines
    assert int(info.value.exit_code) == 130
    assert _names() == ["/vega/prod/copy", "/vega/prod/log-level"]


@pytest.mark.usefixtures("aws")
def test_a_gate_is_never_asked_about(app_context: AppContext) -> None:
    """A watch of a deployment in flight (moto keeps it pending) waits, times out, and never asks."""
    prompter = _prod(app_context, [])
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-prod")
    ecs.register_task_definition(family="vega-api", containerDefinitions=[{"name": "api", "image": "x", "memory": 128}])
    ecs.create_service(cluster="vega-prod", serviceName="vega-api", taskDefinition="vega-api:1", desiredCount=2)
    watch = StepCall("watch", "ecs.watch", {"services": ["vega-api"], "timeout": 30.0})
    with pytest.raises(engine.RunFailed) as info:
        engine.run(app_context, "watch", [watch])
    assert prompter.asked == []
    assert int(info.value.exit_code) == 6
    assert info.value.report.changes == [] and not info.value.report.changed
