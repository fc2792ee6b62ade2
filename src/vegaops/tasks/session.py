"""ECS Exec shells and SSM port forwards into a service's running task (``vegaops shell``, ``port-forward``).

A preflight first, for the causes users hit (the list amazon-ecs-exec-checker checks): the Session Manager
plugin on PATH, ``enableExecuteCommand`` on the service and on the chosen task (a task started before it
was enabled cannot be reached), the platform version (Fargate 1.4.0 or later), the container running with
its ExecuteCommandAgent RUNNING, a task role, and (when IAM simulation is permitted: enrichment) the task
role's ``ssmmessages`` permissions; each failing check is one line with its fix. Then the session is
opened (ECS ExecuteCommand, or SSM StartSession with ``AWS-StartPortForwardingSessionToRemoteHost`` on
the target ``ecs:<cluster>_<task id>_<runtime id>``) and handed to ``session-manager-plugin`` with the
arguments the AWS CLI gives it: the session JSON, the region, ``StartSession``, the profile, the request
parameters JSON and the endpoint URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vegaops.cmdline import prog
from vegaops.errors import NotFoundError, Refused, UsageError, VegaopsError

if TYPE_CHECKING:
    from mypy_boto3_ecs.client import ECSClient
    from mypy_boto3_ssm.client import SSMClient
    from mypy_boto3_ssm.type_defs import StartSessionRequestTypeDef

    from vegaops.aws.ecs import TaskDefinition
    from vegaops.context import AppContext

PLUGIN = "session-manager-plugin"
INSTALL = (
    "install the Session Manager plugin and make sure session-manager-plugin is on PATH: "
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html "
    "(macOS: brew install --cask session-manager-plugin; Debian/Ubuntu: the session-manager-plugin.deb from that page)"
)
SSM_ACTIONS = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
EXEC_AGENT = "ExecuteCommandAgent"
PORT_FORWARD_DOCUMENT = "AWS-StartPortForwardingSessionToRemoteHost"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not checked (skipped, not applicable)
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {True: "ok  ", False: "FAIL", None: "skip"}[self.ok]
        return f"{mark} {self.name}: {self.detail}" + (f" -> fix: {self.fix}" if self.ok is False and self.fix else "")

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix or None}


class PreflightFailed(Refused):
    """A check failed (exit 8; exit 2 when only the plugin is missing); carries every check for the output."""

    def __init__(self, message: str, checks: list[Check], hint: str | None = None, usage: bool = False) -> None:
        super().__init__(message, hint)
        self.checks = checks
        if usage:
            from vegaops.errors import ExitCode

            self.exit_code = ExitCode.USAGE
            self.kind = "usage"


@dataclass
class Target:
    key: str
    ecs_service: str
    cluster: str
    service: dict[str, Any]
    task: dict[str, Any] | None
    task_definition: TaskDefinition
    container: str

    @property
    def task_id(self) -> str:
        return str((self.task or {}).get("taskArn", "")).rsplit("/", 1)[-1]

    def container_state(self) -> dict[str, Any] | None:
        return next((c for c in (self.task or {}).get("containers", []) if c.get("name") == self.container), None)

    @property
    def runtime_id(self) -> str | None:
        state = self.container_state()
        return str(state["runtimeId"]) if state and state.get("runtimeId") else None

    @property
    def ssm_target(self) -> str:
        """SSM's target for an ECS container: ``ecs:<cluster>_<task id>_<runtime id>``."""
        return f"ecs:{self.cluster}_{self.task_id}_{self.runtime_id}"


def find_target(ctx: AppContext, name: str, task: str | None = None, container: str | None = None) -> Target:
    """The service, the task (``task`` or its newest running one, those with ECS Exec first) and the container."""
    from vegaops.images.containers import choose
    from vegaops.logs.service import cluster_of, of_service, resolve_name

    cluster = cluster_of(ctx)
    key, ecs_name, cfg = resolve_name(ctx, name)
    service = ctx.aws.ecs.require_services(cluster, [ecs_name], hint=f"check the name with: {prog()} status")[ecs_name]
    chosen: dict[str, Any] | None = None
    if task:
        described = ctx.aws.ecs.describe_tasks(cluster, [task])
        if not described:
            raise NotFoundError(
                f"task {task} not found in cluster {cluster}",
                hint=f"the running tasks: {prog()} debug {key}; --task takes a task id or ARN",
            )
        chosen = dict(described[0])
    else:
        arns = ctx.aws.ecs.list_tasks(cluster, service=ecs_name, desired_status="RUNNING")
        running = [
            t
            for t in of_service(ctx.aws.ecs.describe_tasks(cluster, arns) if arns else [], ecs_name)
            if t.get("lastStatus") == "RUNNING"
        ]
        running.sort(key=lambda t: (bool(t.get("enableExecuteCommand")), str(t.get("startedAt") or "")), reverse=True)
        chosen = running[0] if running else None
    td_ref = str((chosen or {}).get("taskDefinitionArn") or service["taskDefinition"])
    td = ctx.aws.ecs.describe_task_definition(td_ref, tags=False)
    names = [str(c.get("name")) for c in td.containers]
    if container is not None:
        if container not in names:
            raise UsageError(f"--container {container}: no such container", hint=f"containers: {', '.join(names)}")
        picked = container
    else:
        choice = choose(td.raw, getattr(cfg, "container", None), getattr(cfg, "ecr_repo", None))
        if choice.name is None:
            raise UsageError(
                f"{key}: which container? ({choice.how}: {', '.join(choice.candidates or names)})",
                hint="pass --container NAME",
            )
        picked = choice.name
    return Target(key, ecs_name, cluster, dict(service), chosen, td, picked)


def _platform_ok(version: str) -> bool | None:
    if not version or version == "LATEST":
        return True  # LATEST is 1.4.0 or later on Linux
    try:
        parts = tuple(int(p) for p in version.split("."))
    except ValueError:
        return None
    return parts >= (1, 4, 0)


def preflight(ctx: AppContext, target: Target, command: str) -> list[Check]:
    """Every check, in the order a user would fix them (nothing is changed)."""
    enable = f"{prog()} shell {target.key} --enable"  # shell owns --enable (port-forward shares the preflight)
    checks: list[Check] = []
    plugin = shutil.which(PLUGIN)
    checks.append(Check("session-manager-plugin", bool(plugin), plugin or "not found on PATH", INSTALL))
    on = bool(target.service.get("enableExecuteCommand"))
    checks.append(
        Check(
            "ECS Exec on the service",
            on,
            f"enableExecuteCommand is {'on' if on else 'off'} for {target.ecs_service}",
            f"{enable} (turns it on and starts a new deployment so tasks get it)",
        )
    )
    task = target.task
    if task is None:
        checks.append(
            Check(
                "a running task",
                False,
                f"{target.ecs_service} has no running task",
                f"{prog()} debug {target.key} says why; or start one: {prog()} deploy --redeploy",
            )
        )
        return checks
    tid = target.task_id[:12]
    running = task.get("lastStatus") == "RUNNING"
    checks.append(
        Check(
            "task running",
            running,
            f"task {tid} is {task.get('lastStatus')}",
            f"pick a running task (--task) or let vegaops pick: {prog()} {command} {target.key}",
        )
    )
    task_on = bool(task.get("enableExecuteCommand"))
    checks.append(
        Check(
            "ECS Exec on the task",
            task_on,
            f"task {tid} was started with enableExecuteCommand {'on' if task_on else 'off'}",
            (f"{enable}: tasks started before ECS Exec was enabled cannot be reached; a new deployment replaces them"),
        )
    )
    if task.get("launchType") == "FARGATE" or task.get("platformVersion"):
        version = str(task.get("platformVersion") or "")
        ok = _platform_ok(version)
        checks.append(
            Check(
                "platform version",
                ok,
                f"Fargate platform version {version or 'LATEST'}" + ("" if ok is not None else " (not understood)"),
                "ECS Exec needs Fargate platform version 1.4.0 or later: set platformVersion to LATEST or 1.4.0 "
                "on the service and redeploy",
            )
        )
    state = target.container_state()
    container_running = bool(state) and (state or {}).get("lastStatus") == "RUNNING"
    checks.append(
        Check(
            "container running",
            container_running,
            f"container {target.container} is {(state or {}).get('lastStatus', 'not in the task')}",
            f"{prog()} debug {target.key} says why it is not running",
        )
    )
    agents = {str(a.get("name")): a for a in (state or {}).get("managedAgents", []) or []}
    agent = agents.get(EXEC_AGENT)
    agent_ok = bool(agent) and (agent or {}).get("lastStatus") == "RUNNING"
    checks.append(
        Check(
            "ExecuteCommandAgent",
            agent_ok,
            f"the ECS Exec agent in {target.container} is {(agent or {}).get('lastStatus', 'absent')}",
            (
                "wait a minute after the task starts; if it stays so, the task cannot reach ssmmessages "
                "(a NAT gateway or an ssmmessages VPC endpoint) or its root file system is read-only"
                if task_on
                else enable
            ),
        )
    )
    definition = target.task_definition.container(target.container) or {}
    if definition.get("readonlyRootFilesystem"):
        checks.append(
            Check(
                "writable root file system",
                False,
                f"{target.container} has readonlyRootFilesystem on: the ECS Exec agent cannot start",
                "set readonlyRootFilesystem to false in the task definition (or mount a writable volume)",
            )
        )
    role = target.task_definition.raw.get("taskRoleArn")
    checks.append(
        Check(
            "task role",
            bool(role),
            f"task role {role}" if role else "the task definition has no task role",
            f"give the task definition a task role allowing {', '.join(SSM_ACTIONS)}",
        )
    )
    if role:
        checks.append(_simulate(ctx, str(role)))
    return checks


def _simulate(ctx: AppContext, role: str) -> Check:
    """The task role's ssmmessages permissions through IAM's policy simulator (enrichment: skipped when denied)."""

    def call() -> list[str]:
        response = ctx.aws.iam.simulate_principal_policy(PolicySourceArn=role, ActionNames=list(SSM_ACTIONS))
        return [str(r["EvalActionName"]) for r in response["EvaluationResults"] if r["EvalDecision"] != "allowed"]

    denied, skipped = ctx.enrichment.attempt("iam:SimulatePrincipalPolicy", call, "the task role permission check")
    if skipped is not None or denied is None:
        return Check("task role permissions", None, f"not checked ({skipped.why if skipped else 'no answer'})")
    return Check(
        "task role permissions",
        not denied,
        "ssmmessages allowed" if not denied else f"the task role is denied {', '.join(denied)}",
        f"allow {', '.join(SSM_ACTIONS)} (Resource *) in the task role's policy",
    )


def is_sandbox(ctx: AppContext) -> bool:
    return ctx.settings.env == "sandbox"


def verdict(checks: list[Check], local_fallback: bool = False) -> None:
    """Raise when a check failed: exit 2 when the plugin is missing (unless the sandbox's local shell replaces
    it), exit 8 for any other failing check."""
    failing = [c for c in checks if c.ok is False and not (local_fallback and c.name == PLUGIN)]
    if not failing:
        return
    plugin_missing = any(c.name == PLUGIN for c in failing)
    others = [c for c in failing if c.name != PLUGIN]
    if plugin_missing and not others:
        raise PreflightFailed(f"{PLUGIN} is not installed", checks, hint=INSTALL, usage=True)
    names = ", ".join(c.name for c in failing)
    first = others[0] if others else failing[0]
    raise PreflightFailed(
        f"preflight failed ({len(failing)} check{'s' if len(failing) != 1 else ''}: {names})",
        checks,
        hint=first.fix,
        usage=False,
    )


@contextlib.contextmanager
def _signals_to_child() -> Iterator[None]:
    """While the plugin runs, Ctrl-C, Ctrl-\\ and Ctrl-Z are the session's (as the AWS CLI does), not ours."""
    names = ("SIGINT", "SIGQUIT", "SIGTSTP")
    saved = {n: signal.getsignal(getattr(signal, n)) for n in names if hasattr(signal, n)}
    try:
        for n in saved:
            signal.signal(getattr(signal, n), signal.SIG_IGN)
        yield
    finally:
        for n, handler in saved.items():
            signal.signal(getattr(signal, n), handler)


def hand_off(
    session: dict[str, Any], region: str, profile: str | None, parameters: Mapping[str, Any], endpoint: str
) -> int:
    """Run ``session-manager-plugin`` with the AWS CLI's arguments; its exit code."""
    plugin = shutil.which(PLUGIN)
    if plugin is None:
        raise UsageError(f"{PLUGIN} is not installed", hint=INSTALL)
    args = [plugin, json.dumps(session), region, "StartSession", profile or "", json.dumps(parameters), endpoint]
    with _signals_to_child():
        return subprocess.call(args, start_new_session=False)


def _region_profile(ctx: AppContext, client: ECSClient | SSMClient) -> tuple[str, str | None, str]:
    return str(client.meta.region_name), ctx.settings.profile, str(client.meta.endpoint_url)


def execute_command(ctx: AppContext, target: Target, command: list[str]) -> int:
    """ECS ExecuteCommand (interactive), then the plugin with the session (ECS's endpoint, as the AWS CLI)."""
    import shlex

    client = ctx.aws.ecs_client
    response = client.execute_command(
        cluster=target.cluster,
        task=str((target.task or {}).get("taskArn")),
        container=target.container,
        interactive=True,
        command=shlex.join(command) if command else "/bin/sh",
    )
    if not target.runtime_id:  # the task's answer may predate the agent: read it again, as the AWS CLI does
        fresh = ctx.aws.ecs.describe_tasks(target.cluster, [str((target.task or {}).get("taskArn"))])
        target.task = dict(fresh[0]) if fresh else target.task
    region, profile, endpoint = _region_profile(ctx, client)
    session = dict(response["session"])
    return hand_off(session, region, profile, {"Target": target.ssm_target}, endpoint)


def container_environment(ctx: AppContext, target: Target) -> dict[str, str]:
    """What the container receives: the task definition's variables, its secrets and parameters resolved."""
    from vegaops.refs import parse_value_from

    definition = target.task_definition.container(target.container) or {}
    env = {str(e["name"]): str(e.get("value", "")) for e in definition.get("environment") or []}
    for s in definition.get("secrets") or []:
        ref = parse_value_from(str(s.get("valueFrom", "")))
        value: str | None = None
        if ref.kind == "ssm":
            param = ctx.aws.ssm.get(ref.store_id, decrypt=True)
            value = param.value if param is not None else None
        else:
            got = ctx.aws.secrets.get(ref.store_id, version_id=ref.version_id, stage=ref.version_stage)
            value = got.value.value if got is not None else None
            if value is not None and ref.json_key:
                try:
                    doc = json.loads(value)
                except ValueError:
                    doc = None
                field = doc.get(ref.json_key) if isinstance(doc, dict) else None
                value = None if field is None else field if isinstance(field, str) else json.dumps(field)
        if value is None:
            raise NotFoundError(f"{s['name']}: {ref.store_id} does not resolve", hint=f"{prog()} debug {target.key}")
        env[str(s["name"])] = value
    return env


def local_shell(ctx: AppContext, target: Target, command: list[str]) -> int:
    """The sandbox without the plugin: a local shell (or CMD) with the simulated container's environment."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "TERM", "LANG", "LC_ALL", "TZ", "USER") if k in os.environ}
    env.update(container_environment(ctx, target))
    env["PS1"] = f"[sandbox {target.key}/{target.container}] $ "
    program = command or [os.environ.get("SHELL") or "/bin/sh"]
    resolved = shutil.which(program[0], path=env.get("PATH")) or program[0]
    try:
        code = subprocess.call([resolved, *program[1:]], env=env)
    except FileNotFoundError:
        raise UsageError(f"command not found: {program[0]}") from None
    return code if code >= 0 else 128 - code


def parse_remote(ctx: AppContext, remote: str) -> tuple[str, int]:
    """``HOST:PORT``, or ``db`` / ``db:PORT`` for the environment's configured database (``health_rds``)."""
    host, sep, port_text = remote.rpartition(":")
    if not sep:
        host, port_text = remote, ""
    if host == "db":
        found_host, found_port = database_endpoint(ctx)
        return found_host, int(port_text) if port_text.isdigit() else found_port
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(
            f"--remote {remote!r}: expected HOST:PORT (or db)",
            hint="for example --remote mydb.cluster-x.rds.amazonaws.com:5432",
        )
    return host, int(port_text)


def database_endpoint(ctx: AppContext) -> tuple[str, int]:
    """The endpoint of the first database of the environment's ``health_rds`` (an RDS instance or Aurora cluster)."""
    from vegaops.aws.errors import error_code

    ids = [str(i) for i in (ctx.settings.get("health_rds") or [])]
    if not ids:
        raise UsageError(
            f"--remote db: no database configured for environment {ctx.settings.env or '(default)'}",
            hint='set health_rds = ["my-db"] in the environment of vegaops.toml, or give --remote HOST:PORT',
        )
    ident = ids[0]
    try:
        instance = ctx.aws.rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
        endpoint = instance.get("Endpoint") or {}
        if endpoint.get("Address"):
            return str(endpoint["Address"]), int(endpoint.get("Port") or 5432)
    except Exception as exc:
        if error_code(exc) != "DBInstanceNotFound" and error_code(exc) != "DBInstanceNotFoundFault":
            raise
    try:
        cluster = ctx.aws.rds.describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"][0]
    except Exception as exc:
        if error_code(exc) in ("DBClusterNotFoundFault", "DBClusterNotFound"):
            raise NotFoundError(
                f"--remote db: health_rds {ident!r} is neither an RDS instance nor an Aurora cluster",
                hint="check health_rds in vegaops.toml",
            ) from None
        raise
    if not cluster.get("Endpoint"):
        raise NotFoundError(f"--remote db: Aurora cluster {ident} has no endpoint yet")
    return str(cluster["Endpoint"]), int(cluster.get("Port") or 5432)


def port_forward(ctx: AppContext, target: Target, host: str, port: int, local_port: int) -> int:
    """SSM StartSession (AWS-StartPortForwardingSessionToRemoteHost) through the task, then the plugin."""
    client = ctx.aws.ssm_client
    parameters: StartSessionRequestTypeDef = {
        "Target": target.ssm_target,
        "DocumentName": PORT_FORWARD_DOCUMENT,
        "Parameters": {"host": [host], "portNumber": [str(port)], "localPortNumber": [str(local_port)]},
    }
    response = client.start_session(**parameters)
    session = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    region, profile, endpoint = _region_profile(ctx, client)
    return hand_off(session, region, profile, parameters, endpoint)


__all__ = ["Check", "PreflightFailed", "Target", "VegaopsError", "find_target", "preflight", "verdict"]


def refusal(command: str, exc: PreflightFailed) -> Any:
    """The result of a failed preflight: every check a line (the failing ones with their fix), the error."""
    from vegaops.output.result import Lines, Result

    return Result(
        command,
        status="error",
        exit_code=int(exc.exit_code),
        data={"checks": [c.to_dict() for c in exc.checks]},
        errors=[exc.to_dict()],
        views=[Lines([c.line() for c in exc.checks])],
    )
