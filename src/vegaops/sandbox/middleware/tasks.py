"""RunTask's tasks, ECS Exec and SSM sessions in the sandbox: what moto stores but does not do or say.

* RunTask: each task created is handed to the simulator, which runs it as local processes
  (``vegaops.sandbox.oneoff``); ``enableExecuteCommand`` is kept on the task.
* DescribeTasks / DescribeServices: ``enableExecuteCommand``, and for a running task that has it, each
  container's ``runtimeId`` and ``managedAgents`` (the ExecuteCommandAgent), as ECS answers them.
* ExecuteCommand and SSM StartSession (moto lacks both): answered with a session of AWS's shape after the
  checks ECS makes (the task runs, ECS Exec was enabled when it started, the container exists).
"""

from __future__ import annotations

import functools
import json
import secrets
import zlib
from collections.abc import Callable
from typing import Any

from vegaops.sandbox.simulator import Simulator
from vegaops.sandbox.state import ACCOUNT_ID

EXEC_AGENT = "ExecuteCommandAgent"


Rewrite = Callable[[Simulator, dict[str, Any], dict[str, Any]], None]


def _json_answer(rewrite: Rewrite) -> Callable[[Simulator, dict[str, Any], bytes], bytes]:
    """moto's JSON answer, changed in place by ``rewrite``; an answer that is not JSON (an error page) passes."""

    @functools.wraps(rewrite)
    def answer(sim: Simulator, params: dict[str, Any], body: bytes) -> bytes:
        try:
            doc = json.loads(body)
        except ValueError:
            return body
        rewrite(sim, params, doc)
        return json.dumps(doc).encode()

    return answer


def _cluster(value: Any) -> str:
    return str(value or "default").rsplit("/", 1)[-1]


def runtime_id(task_arn: str, container: str) -> str:
    """A container's runtime id (``<task id>-<number>`` as on Fargate), stable for the container."""
    return f"{task_arn.rsplit('/', 1)[-1]}-{zlib.crc32(container.encode()) % 10**10}"


def _moto_task(sim: Simulator, cluster: str, task: str) -> Any:
    tasks = sim.backend.tasks.get(cluster, {})
    if task in tasks:
        return tasks[task]
    return next((t for arn, t in tasks.items() if arn.rsplit("/", 1)[-1] == task), None)


@_json_answer
def after_run_task(sim: Simulator, params: dict[str, Any], doc: dict[str, Any]) -> None:
    cluster = _cluster(params.get("cluster"))
    for t in doc.get("tasks", []):
        moto_task = _moto_task(sim, cluster, str(t.get("taskArn")))
        if moto_task is None:
            continue
        moto_task.enable_execute_command = bool(params.get("enableExecuteCommand"))
        sim.adopt_run(cluster, moto_task.task_arn, params.get("overrides"))
        t["lastStatus"], t["desiredStatus"] = moto_task.last_status, moto_task.desired_status
        t["enableExecuteCommand"] = moto_task.enable_execute_command
        for c in t.get("containers", []):
            c["lastStatus"] = "PENDING"
            c.pop("exitCode", None)


@_json_answer
def after_stop_task(sim: Simulator, params: dict[str, Any], doc: dict[str, Any]) -> None:
    """moto marks the task STOPPED at once: a one-off task first gets SIGTERM and drains (DEACTIVATING)."""
    moto_task = _moto_task(sim, _cluster(params.get("cluster")), str(params.get("task", "")))
    if moto_task is None or moto_task.task_arn not in sim.oneoffs:
        return
    oneoff = sim.oneoffs[moto_task.task_arn]
    if oneoff.state != "STOPPED":
        moto_task.last_status = oneoff.state  # what the simulator knows; it moves on from there
        sim.step_oneoff(oneoff)
    doc.get("task", {})["lastStatus"] = moto_task.last_status


def _exec_ready(moto_task: Any) -> bool:
    return bool(getattr(moto_task, "enable_execute_command", False)) and moto_task.last_status == "RUNNING"


@_json_answer
def decorate_tasks(sim: Simulator, params: dict[str, Any], doc: dict[str, Any]) -> None:
    cluster = _cluster(params.get("cluster"))
    for t in doc.get("tasks", []):
        moto_task = _moto_task(sim, cluster, str(t.get("taskArn")))
        if moto_task is None:
            continue
        enabled = bool(getattr(moto_task, "enable_execute_command", False))
        t["enableExecuteCommand"] = enabled
        t.setdefault("platformVersion", "1.4.0")
        for c in t.get("containers", []):
            name = str(c.get("name"))
            if moto_task.last_status in ("RUNNING", "DEACTIVATING", "STOPPING"):
                c["runtimeId"] = runtime_id(moto_task.task_arn, name)
            if enabled:
                status = "RUNNING" if moto_task.last_status == "RUNNING" else "STOPPED"
                c["managedAgents"] = [{"name": EXEC_AGENT, "lastStatus": status}]


@_json_answer
def decorate_services(sim: Simulator, params: dict[str, Any], doc: dict[str, Any]) -> None:
    cluster = _cluster(params.get("cluster"))
    items = doc.get("services") or ([doc["service"]] if isinstance(doc.get("service"), dict) else [])
    for s in items:
        service = sim.backend.services.get(f"{cluster}:{s.get('serviceName')}")
        if service is not None:
            s["enableExecuteCommand"] = bool(getattr(service, "enable_execute_command", False))


def _error(code: str, message: str) -> tuple[str, Any]:
    return "400 Bad Request", {"__type": code, "message": message}


def _session(region: str, prefix: str) -> dict[str, str]:
    session_id = f"{prefix}-{secrets.token_hex(8)}"
    return {
        "sessionId": session_id,
        "streamUrl": f"wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/{session_id}?role=publish_subscribe",
        "tokenValue": secrets.token_urlsafe(24),
    }


def execute_command(sim: Simulator, params: dict[str, Any]) -> tuple[str, Any]:
    cluster = _cluster(params.get("cluster"))
    moto_task = _moto_task(sim, cluster, str(params.get("task", "")))
    if moto_task is None:
        return _error("InvalidParameterException", f"The specified task {params.get('task')} was not found.")
    if not _exec_ready(moto_task):
        return _error(
            "InvalidParameterException",
            "The execute command failed because execute command was not enabled when the task was run "
            "or the execute command agent isn't running. Wait and try again or run a new task with execute "
            "command enabled and try again.",
        )
    names = [str(c.name) for c in moto_task.containers]
    container = str(params.get("container") or (names[0] if len(names) == 1 else ""))
    if container not in names:
        return _error("InvalidParameterException", "Task has multiple containers: specify the container name.")
    return "200 OK", {
        "clusterArn": f"arn:aws:ecs:{sim.region}:{ACCOUNT_ID}:cluster/{cluster}",
        "containerArn": f"arn:aws:ecs:{sim.region}:{ACCOUNT_ID}:container/{cluster}/{moto_task.id}/{container}",
        "containerName": container,
        "interactive": bool(params.get("interactive", True)),
        "session": _session(sim.region, "ecs-execute-command"),
        "taskArn": moto_task.task_arn,
    }


def start_session(sim: Simulator, params: dict[str, Any]) -> tuple[str, Any]:
    """SSM StartSession on an ECS target ``ecs:<cluster>_<task id>_<runtime id>``."""
    target = str(params.get("Target", ""))
    if not target.startswith("ecs:") or target.count("_") < 2:
        return _error("InvalidTarget", f"Target {target} is not connected.")
    cluster, task_id, rid = target.removeprefix("ecs:").split("_", 2)
    moto_task = _moto_task(sim, cluster, task_id)
    names = [str(c.name) for c in moto_task.containers] if moto_task is not None else []
    if moto_task is None or not _exec_ready(moto_task) or rid not in {runtime_id(moto_task.task_arn, n) for n in names}:
        return _error("TargetNotConnected", f"{target} is not connected.")
    session = _session(sim.region, "vegaops")
    return "200 OK", {
        "SessionId": session["sessionId"],
        "TokenValue": session["tokenValue"],
        "StreamUrl": session["streamUrl"],
    }


def simulate_principal_policy(params: dict[str, Any]) -> tuple[str, bytes]:
    """IAM's policy simulator (moto lacks it): the sandbox enforces no IAM, so every action is allowed."""
    from xml.sax.saxutils import escape

    actions = [v for k, v in sorted(params.items()) if k.startswith("ActionNames.member.")]
    members = "".join(
        f"<member><EvalActionName>{escape(str(a))}</EvalActionName><EvalResourceName>*</EvalResourceName>"
        "<EvalDecision>allowed</EvalDecision><MatchedStatements/><MissingContextValues/></member>"
        for a in actions
    )
    body = (
        '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>{members}"
        "</EvaluationResults></SimulatePrincipalPolicyResult>"
        f"<ResponseMetadata><RequestId>{secrets.token_hex(16)}</RequestId></ResponseMetadata>"
        "</SimulatePrincipalPolicyResponse>"
    )
    return "200 OK", body.encode()
