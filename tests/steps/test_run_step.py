"""``ecs.run`` on the injected clock: the wait, the timeout and the stop happen in simulated time (in-process moto
and the sandbox's simulator; the task's command is a real local process, hence e2e)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.steps.test_step_contract import _ecs_run, _SimulatedClock
from vegaops.context import AppContext
from vegaops.runbook import engine
from vegaops.steps.run import RunParams, RunTask

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("aws")]


def _moto_task(clock: _SimulatedClock) -> Any:
    (task,) = [
        t
        for tasks in clock.sim.backend.tasks.values()
        for t in tasks.values()
        if t.started_by.startswith("vegaops-run")
    ]
    return task


def test_timeout_stops_the_task_in_simulated_time(app_context: AppContext, request: pytest.FixtureRequest) -> None:
    _ecs_run(app_context, request)  # the estate, and the clock that drives the simulator
    clock = app_context.clock
    assert isinstance(clock, _SimulatedClock)
    began = time.monotonic()
    with pytest.raises(engine.RunFailed) as caught:
        engine.run(app_context, "t", [engine.single(RunTask, RunParams("api", ["sleep", "600"], timeout=30))])
    assert caught.value.exit_code == 6
    assert "timed out; vegaops stopped it" in caught.value.message
    assert 30 <= clock.monotonic() < 40  # waited the timeout on the injected clock ...
    assert time.monotonic() - began < 15  # ... not in real time
    task = _moto_task(clock)
    assert task.desired_status == "STOPPED" and "--timeout 30s" in task.stopped_reason


def test_the_exit_code_and_the_log_lines_come_through(
    app_context: AppContext, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    _ecs_run(app_context, request)
    params = RunParams("api", ["sh", "-c", "echo one; echo two; exit 9"], stream=True)  # the lines are the output
    with pytest.raises(engine.RunFailed) as caught:
        engine.run(app_context, "t", [engine.single(RunTask, params)])
    assert caught.value.exit_code == 5 and caught.value.message.endswith("exited with code 9")
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["one", "two"]
