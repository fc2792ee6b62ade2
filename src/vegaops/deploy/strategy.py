"""ECS deployment strategies (ROLLING, BLUE_GREEN, LINEAR, CANARY): what the service asks for, where a
deployment is in ECS's lifecycle, and the verdict per strategy. Pure: API dictionaries in, plain data out.

What is read:
- the strategy, from DescribeServices: ``deploymentConfiguration.strategy`` (absent: ROLLING),
  ``bakeTimeInMinutes``, ``lifecycleHooks`` (AWS_LAMBDA or PAUSE, their stages and timeouts),
  ``linearConfiguration``/``canaryConfiguration``, the load balancer's ``advancedConfiguration`` (alternate
  target group, production/test listener rules) and the ``deploymentController`` (ECS, CODE_DEPLOY, EXTERNAL);
- the progress, from DescribeServiceDeployments (one read = one :class:`Progress`): ``status``,
  ``lifecycleStage`` (ECS's names, :data:`STAGES`), the target revision's ``requestedProductionTrafficWeight``
  and ``requestedTestTrafficWeight``, ``lifecycleHookDetails`` (each hook's status, a pause hook's
  ``AWAITING_ACTION``, ``expiresAt`` and ``timeoutAction``), ``alarms`` (``triggeredAlarmNames``),
  ``deploymentCircuitBreaker`` and ``rollback``.

How the verdict is reached (:func:`assess`):
- ROLLING: exactly :func:`vegaops.deploy.verdict.assess` (DescribeServices is the truth; the ServiceDeployment
  API is enrichment only), plus the stage when the API showed one.
- BLUE_GREEN, LINEAR, CANARY where the endpoint has the ServiceDeployment API: the service deployment's
  status decides: SUCCESSFUL is success (ECS sets it after the bake time and the clean-up of the blue
  revision); ROLLBACK_SUCCESSFUL is rolled back (5) naming the failed hook, the alarm, the circuit breaker or
  the person (ContinueServiceDeployment/StopServiceDeployment ROLLBACK) and the stage it happened in;
  ROLLBACK_FAILED is failed (7); STOPPED without a rollback (StopServiceDeployment ABORT) leaves both
  revisions as they were: failed, needs a human (7); a verdict DescribeServices gives that is final and
  not success (service gone, superseded by someone else's deployment, rolled back) is kept.
- BLUE_GREEN, LINEAR, CANARY where the endpoint lacks the API (or it is denied): DescribeServices alone,
  with the rolling rules and one more: success only once the blue (old) deployment is gone from the
  service, because ECS keeps it ACTIVE through the bake time and removes it only at CLEAN_UP. The stage,
  weights and hooks cannot be read then; ``--wait-until`` waits for the final verdict instead (said once).
- Timed out (6) names the stage the deployment was in (and the pause hook it waits at).

``--wait-until STAGE`` (:func:`reached`): the deployment's stage is STAGE or later in ECS's order (stages
that do not apply are skipped by ECS), its status IN_PROGRESS, no alarm or breaker triggered, no hook
failed, and past SCALE_UP all of the new revision's tasks running; ``paused``: a pause hook is
AWAITING_ACTION. Then the outcome is ``reached`` (exit 0): the deployment goes on in ECS.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from vegaops.deploy import verdict as vd
from vegaops.deploy.snapshot import Snapshot, Target

STAGES: tuple[str, ...] = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
)
PAUSED = "paused"
WAIT_UNTIL: tuple[str, ...] = (*STAGES, PAUSED)
ROLLING = "ROLLING"
BLUE_GREEN = "BLUE_GREEN"
LINEAR = "LINEAR"
CANARY = "CANARY"
STRATEGIES: tuple[str, ...] = (ROLLING, BLUE_GREEN, LINEAR, CANARY)

ACTIVE_STATUSES = frozenset({"PENDING", "IN_PROGRESS"})
ROLLBACK_STATUSES = frozenset({"ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"})
HOOK_FAILED = frozenset({"FAILED", "TIMED_OUT"})

# Polling during a long bake or a pause: DescribeServices every BAKE_POLL seconds (an alarm's rollback shows
# there as a new primary deployment), DescribeServiceDeployments every BAKE_SD_EVERY seconds or at once when
# DescribeServices changed. Waiting for a stage (--wait-until): a poll every WAIT_POLL seconds.
BAKE_POLL = 10.0
BAKE_SD_EVERY = 30.0
WAIT_POLL = 1.5
DEFAULT_HOOK_TIMEOUT_MIN = 1440  # ECS's default for a hook's timeoutInMinutes


def check_wait_until(value: str | None) -> str | None:
    """The stage name as ECS spells it (case-insensitive input), or a usage error listing the choices."""
    if value is None:
        return None
    wanted = value.strip()
    if wanted.lower() == PAUSED:
        return PAUSED
    if wanted.upper().replace("-", "_") in STAGES:
        return wanted.upper().replace("-", "_")
    from vegaops.errors import UsageError

    raise UsageError(
        f"--wait-until {value!r}: not a lifecycle stage",
        hint="one of: " + ", ".join(WAIT_UNTIL),
    )


# --- the strategy ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class HookConfig:
    target_type: str  # AWS_LAMBDA | PAUSE
    target_arn: str | None
    stages: tuple[str, ...]
    timeout_minutes: int | None = None
    timeout_action: str | None = None  # CONTINUE | ROLLBACK

    @property
    def name(self) -> str:
        return hook_name(self.target_type, self.target_arn)


def hook_name(target_type: str | None, target_arn: str | None) -> str:
    """``lambda my-check`` for a Lambda hook (its function name), ``pause hook`` for a pause hook."""
    if target_arn:
        parts = str(target_arn).split(":")
        function = parts[6] if len(parts) > 6 and parts[5] == "function" else str(target_arn).rsplit(":", 1)[-1]
        return f"lambda {function}"
    return "pause hook" if (target_type or "") == "PAUSE" else f"{(target_type or 'hook').lower()} hook"


@dataclass(frozen=True)
class Strategy:
    name: str = ROLLING
    controller: str = "ECS"
    bake_minutes: float = 0.0
    hooks: tuple[HookConfig, ...] = ()
    step_percent: float | None = None  # LINEAR
    step_bake_minutes: float | None = None
    canary_percent: float | None = None  # CANARY
    canary_bake_minutes: float | None = None
    alternate_target_group: str | None = None
    production_listener_rule: str | None = None
    test_listener_rule: str | None = None

    @property
    def shifting(self) -> bool:
        """Traffic moves between two revisions (blue/green, linear, canary): stages, weights, bake time."""
        return self.name in (BLUE_GREEN, LINEAR, CANARY)

    @property
    def steps(self) -> int | None:
        """How many production traffic shifts the strategy makes (None: rolling)."""
        if self.name == LINEAR and self.step_percent:
            return max(1, math.ceil(100.0 / self.step_percent))
        if self.name == CANARY:
            return 2
        if self.name == BLUE_GREEN:
            return 1
        return None

    def describe(self) -> str:
        """``BLUE_GREEN (bake 60m, 2 hooks)``, ``LINEAR 20% every 5m``, ``CANARY 10% for 15m``, ``ROLLING``."""
        parts: list[str] = []
        if self.name == LINEAR and self.step_percent:
            parts.append(f"{self.step_percent:g}% every {self.step_bake_minutes or 0:g}m")
        if self.name == CANARY and self.canary_percent:
            parts.append(f"{self.canary_percent:g}% for {self.canary_bake_minutes or 0:g}m")
        if self.shifting:
            parts.append(f"bake {self.bake_minutes:g}m")
        if self.hooks:
            parts.append(f"{len(self.hooks)} hook{'s' if len(self.hooks) != 1 else ''}")
        text = self.name + (f" ({', '.join(parts)})" if parts else "")
        return text if self.controller == "ECS" else f"{self.controller} controller"


def strategy_from_service(service: Mapping[str, Any] | None) -> Strategy:
    """The deployment strategy a DescribeServices answer asks for (a deploy never changes it)."""
    if not service:
        return Strategy()
    config = service.get("deploymentConfiguration") or {}
    controller = str((service.get("deploymentController") or {}).get("type") or "ECS")
    name = str(config.get("strategy") or ROLLING).upper()
    hooks = tuple(
        HookConfig(
            target_type=str(h.get("targetType") or ("AWS_LAMBDA" if h.get("hookTargetArn") else "PAUSE")),
            target_arn=h.get("hookTargetArn"),
            stages=tuple(str(s) for s in h.get("lifecycleStages") or []),
            timeout_minutes=(h.get("timeoutConfiguration") or {}).get("timeoutInMinutes"),
            timeout_action=(h.get("timeoutConfiguration") or {}).get("action"),
        )
        for h in config.get("lifecycleHooks") or []
    )
    linear = config.get("linearConfiguration") or {}
    canary = config.get("canaryConfiguration") or {}
    advanced: dict[str, Any] = {}
    for lb in service.get("loadBalancers") or []:
        if lb.get("advancedConfiguration"):
            advanced = dict(lb["advancedConfiguration"])
            break
    return Strategy(
        name=name,
        controller=controller,
        bake_minutes=float(config.get("bakeTimeInMinutes") or 0),
        hooks=hooks,
        step_percent=_num(linear.get("stepPercent")),
        step_bake_minutes=_num(linear.get("stepBakeTimeInMinutes")),
        canary_percent=_num(canary.get("canaryPercent")),
        canary_bake_minutes=_num(canary.get("canaryBakeTimeInMinutes")),
        alternate_target_group=advanced.get("alternateTargetGroupArn"),
        production_listener_rule=advanced.get("productionListenerRule"),
        test_listener_rule=advanced.get("testListenerRule"),
    )


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def refuse_controller(service: Mapping[str, Any], name: str) -> None:
    """A CODE_DEPLOY or EXTERNAL deployment controller: refused before any change (exit 2), saying what to use."""
    controller = str((service.get("deploymentController") or {}).get("type") or "ECS")
    if controller == "ECS":
        return
    from vegaops.errors import UsageError

    if controller == "CODE_DEPLOY":
        raise UsageError(
            f"service {name} uses the CODE_DEPLOY deployment controller: UpdateService cannot deploy a new "
            "task definition to it, and vegaops does not deploy through CodeDeploy",
            hint="deploy it with CodeDeploy (aws deploy create-deployment with an AppSpec), or move the service "
            "to ECS-native blue/green (deploymentController ECS, deploymentConfiguration.strategy BLUE_GREEN)",
        )
    raise UsageError(
        f"service {name} uses the {controller} deployment controller: its task sets are managed outside ECS's "
        "deployments, so vegaops cannot deploy or watch it",
        hint="deploy it with the tool that manages its task sets (CreateTaskSet/UpdateServicePrimaryTaskSet)",
    )


# --- the progress ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hook:
    hook_id: str
    target_type: str
    target_arn: str | None
    status: str  # AWAITING_ACTION | IN_PROGRESS | SUCCEEDED | FAILED | TIMED_OUT
    expires_at: datetime | None = None
    timeout_action: str | None = None

    @property
    def name(self) -> str:
        return hook_name(self.target_type, self.target_arn)

    @property
    def paused(self) -> bool:
        return self.target_type == "PAUSE" and self.status == "AWAITING_ACTION"


@dataclass(frozen=True)
class Progress:
    """One DescribeServiceDeployments read of the service deployment we watch."""

    arn: str
    status: str
    at: float  # seconds since the watch started
    stage: str | None = None
    status_reason: str | None = None
    production_weight: float | None = None  # the new revision's share of production traffic (percent)
    test_weight: float | None = None
    hooks: tuple[Hook, ...] = ()
    alarm_status: str | None = None
    alarms_triggered: tuple[str, ...] = ()
    breaker_status: str | None = None
    breaker_failures: int = 0
    breaker_threshold: int = 0
    rollback_reason: str | None = None
    running: int = 0  # the new revision's running tasks
    requested: int = 0
    now: datetime | None = None  # the endpoint's updatedAt (for a pause hook's expiry)

    @property
    def paused_hook(self) -> Hook | None:
        return next((h for h in self.hooks if h.paused), None)

    @property
    def failed_hook(self) -> Hook | None:
        return next((h for h in self.hooks if h.status in HOOK_FAILED and h.target_type != "PAUSE"), None)


def progress_from_api(sd: dict[str, Any], at: float) -> Progress:
    target = sd.get("targetServiceRevision") or {}
    alarms = sd.get("alarms") or {}
    breaker = sd.get("deploymentCircuitBreaker") or {}
    hooks = tuple(
        Hook(
            hook_id=str(h.get("hookId") or ""),
            target_type=str(h.get("targetType") or ""),
            target_arn=h.get("targetArn"),
            status=str(h.get("status") or ""),
            expires_at=h.get("expiresAt") if isinstance(h.get("expiresAt"), datetime) else None,
            timeout_action=h.get("timeoutAction"),
        )
        for h in sd.get("lifecycleHookDetails") or []
    )
    return Progress(
        arn=str(sd.get("serviceDeploymentArn") or ""),
        status=str(sd.get("status") or ""),
        at=at,
        stage=sd.get("lifecycleStage"),
        status_reason=sd.get("statusReason"),
        production_weight=_num(target.get("requestedProductionTrafficWeight")),
        test_weight=_num(target.get("requestedTestTrafficWeight")),
        hooks=hooks,
        alarm_status=alarms.get("status"),
        alarms_triggered=tuple(str(a) for a in alarms.get("triggeredAlarmNames") or []),
        breaker_status=breaker.get("status"),
        breaker_failures=int(breaker.get("failureCount") or 0),
        breaker_threshold=int(breaker.get("threshold") or 0),
        rollback_reason=(sd.get("rollback") or {}).get("reason"),
        running=int(target.get("runningTaskCount") or 0),
        requested=int(target.get("requestedTaskCount") or 0),
        now=sd.get("updatedAt") if isinstance(sd.get("updatedAt"), datetime) else None,
    )


def match_service_deployment(
    items: Sequence[Mapping[str, Any]], deployment_id: str, created_at: datetime | None = None
) -> dict[str, Any] | None:
    """The ListServiceDeployments item of our ECS deployment: the same id at the ARN's end, else the one created
    closest to (at most 60 s from) our deployment's ``createdAt``. None: not found (never another one guessed)."""
    tail = deployment_id.rsplit("/", 1)[-1]
    for item in items:
        if str(item.get("serviceDeploymentArn", "")).rsplit("/", 1)[-1] == tail:
            return dict(item)
    if created_at is None:
        return None
    best: tuple[float, dict[str, Any]] | None = None
    for item in items:
        when = item.get("createdAt") or item.get("startedAt")
        if not isinstance(when, datetime):
            continue
        gap = abs((when - created_at).total_seconds())
        if gap <= 60 and (best is None or gap < best[0]):
            best = (gap, dict(item))
    return best[1] if best else None


def rolling_back(items: Sequence[Mapping[str, Any]], deployments: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The DescribeServices deployment whose service deployment ECS is rolling back (status ROLLBACK_REQUESTED
    or ROLLBACK_IN_PROGRESS), matched by id or creation time; None when there is none."""
    ended = ROLLBACK_STATUSES | {"ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}  # (still listed: just ended)
    for item in [i for i in items if i.get("status") in ended]:  # the same id at the ARN's end
        for d in deployments:
            if match_service_deployment([item], str(d.get("id", ""))) is not None:
                return dict(d)
    for item in [i for i in items if i.get("status") in ROLLBACK_STATUSES]:  # else the closest in time (<= 60 s)
        when = item.get("createdAt")
        if not isinstance(when, datetime):
            continue
        timed = [
            (abs((d["createdAt"] - when).total_seconds()), i)
            for i, d in enumerate(deployments)
            if isinstance(d.get("createdAt"), datetime)
        ]
        gap, index = min(timed, default=(61.0, -1))
        if gap <= 60:
            return dict(deployments[index])
    return None


# --- reading a sequence of progress reads ---------------------------------------------------------
def stage_index(stage: str | None) -> int:
    return STAGES.index(stage) if stage in STAGES else -1


def entered(history: Sequence[Progress], stage: str) -> float | None:
    """When the current run of ``stage`` began (the first read of it since another stage)."""
    since: float | None = None
    for p in history:
        since = (p.at if since is None else since) if p.stage == stage else None
    return since


def bake_remaining(strategy: Strategy, history: Sequence[Progress], now: float) -> float | None:
    """Seconds of bake time left (counted from the first read at BAKE_TIME: at most this), or None."""
    if not history or history[-1].stage != "BAKE_TIME" or not strategy.shifting:
        return None
    since = entered(history, "BAKE_TIME")
    if since is None:
        return None
    return max(0.0, strategy.bake_minutes * 60.0 - (now - since))


def step_progress(strategy: Strategy, p: Progress | None) -> tuple[int, int] | None:
    """(current production traffic step, steps) for LINEAR and CANARY (and BLUE_GREEN's single shift)."""
    total = strategy.steps
    if total is None or p is None or p.production_weight is None:
        return None
    weight = p.production_weight
    if weight <= 0:
        return (0, total)
    if weight >= 100:
        return (total, total)
    if strategy.name == LINEAR and strategy.step_percent:
        return (min(total, math.ceil(weight / strategy.step_percent - 1e-9)), total)
    return (1, total)


def hook_stages(history: Sequence[Progress]) -> dict[str, str]:
    """hook id -> the stage it was first seen in."""
    out: dict[str, str] = {}
    for p in history:
        for h in p.hooks:
            if h.hook_id and h.hook_id not in out and p.stage:
                out[h.hook_id] = p.stage
    return out


def paused_since(history: Sequence[Progress], hook_id: str) -> float | None:
    for p in history:
        if any(h.hook_id == hook_id and h.paused for h in p.hooks):
            return p.at
    return None


def last_active_stage(history: Sequence[Progress]) -> str | None:
    """The stage the deployment failed or was rolled back in: the stage of the first read that shows it (ECS
    keeps the stage it was in), else the last stage read while it ran."""
    for previous, p in itertools.pairwise(history):
        if previous.status in ACTIVE_STATUSES and p.status not in ACTIVE_STATUSES and p.stage:
            return p.stage
    for p in reversed(history):
        if p.status in ACTIVE_STATUSES and p.stage:
            return p.stage
    return next((p.stage for p in reversed(history) if p.stage), None)


@dataclass(frozen=True)
class Pause:
    hook: Hook
    stage: str | None
    waited: float  # seconds this watch has seen it waiting
    expires_in: float | None  # seconds until ECS takes the timeout action (None: unknown)

    def text(self, service: str) -> str:
        action = self.hook.timeout_action or "ROLLBACK"
        when = f"in {_dur(self.expires_in)}" if self.expires_in is not None else "at its timeout"
        return (
            f"paused at {self.stage or 'its stage'} by {self.hook.name} {self.hook.hook_id}: waiting "
            f"{_dur(self.waited)}; {when} ECS will {'roll back' if action == 'ROLLBACK' else 'continue'} "
            f"(timeout action {action})"
        )


def pause(history: Sequence[Progress], now: float, strategy: Strategy | None = None) -> Pause | None:
    """The pause hook the deployment waits at. How long it has waited: since this watch first saw it, or (the
    hook's configured timeout known) the timeout minus the time left before ``expiresAt``, when that is longer
    (a watch that re-attached mid-pause)."""
    if not history:
        return None
    p = history[-1]
    hook = p.paused_hook
    if hook is None or p.status not in ACTIVE_STATUSES:
        return None
    since = paused_since(history, hook.hook_id)
    waited = max(0.0, now - (since if since is not None else now))
    expires = None
    if hook.expires_at is not None and p.now is not None:
        expires = max(0.0, (hook.expires_at - p.now).total_seconds() - (now - p.at))
        configured = [
            h.timeout_minutes or DEFAULT_HOOK_TIMEOUT_MIN
            for h in (strategy.hooks if strategy else ())
            if h.target_type == "PAUSE" and (p.stage in h.stages or not h.stages)
        ]
        if len(configured) == 1:
            waited = max(waited, configured[0] * 60.0 - expires)
    return Pause(hook, p.stage, waited, expires)


def _dur(seconds: float | None) -> str:
    from vegaops.output.humanize import duration

    return duration(seconds or 0.0)


# --- the view: what the live table, plain lines and NDJSON events show -----------------------------
def fields(strategy: Strategy, history: Sequence[Progress], now: float) -> dict[str, Any]:
    """The strategy's part of a ``state`` event (empty for a rolling deployment without stages)."""
    p = history[-1] if history else None
    if not strategy.shifting and (p is None or p.stage is None):
        return {}
    out: dict[str, Any] = {"strategy": strategy.name}
    if p is None:
        return out
    step = step_progress(strategy, p)
    remaining = bake_remaining(strategy, history, now)
    stages = hook_stages(history)
    out.update(
        {
            "stage": p.stage,
            "service_deployment_status": p.status,
            "production_weight": p.production_weight,
            "test_weight": p.test_weight,
            "step": f"{step[0]}/{step[1]}" if step else None,
            "bake_remaining": None if remaining is None else round(remaining, 1),
            "hooks": [
                {"hook": h.name, "id": h.hook_id, "status": h.status, "stage": stages.get(h.hook_id)} for h in p.hooks
            ],
        }
    )
    paused = pause(history, now, strategy)
    if paused is not None:
        out["paused"] = {
            "hook": paused.hook.name,
            "id": paused.hook.hook_id,
            "stage": paused.stage,
            "waited": round(paused.waited, 1),
            "expires_in": None if paused.expires_in is None else round(paused.expires_in, 1),
            "timeout_action": paused.hook.timeout_action or "ROLLBACK",
        }
    return out


def summary(f: dict[str, Any]) -> str:
    """One short text of :func:`fields`: ``BAKE_TIME prod 100% test 100% step 5/5 bake 12m left``."""
    if not f.get("stage"):
        return ""
    parts = [str(f["stage"])]
    if f.get("production_weight") is not None:
        parts.append(f"prod {f['production_weight']:g}%")
    if f.get("test_weight") is not None:
        parts.append(f"test {f['test_weight']:g}%")
    if f.get("step"):
        parts.append(f"step {f['step']}")
    if f.get("bake_remaining") is not None:
        parts.append(f"bake {_dur(f['bake_remaining'])} left")
    if f.get("paused"):
        parts.append(f"PAUSED {_dur(f['paused']['waited'])}")
    hooks = [f"{h['hook']} {h['status']}" for h in f.get("hooks") or []]
    if hooks:
        parts.append("hooks: " + ", ".join(hooks))
    return " ".join(parts)


# --- verdicts -------------------------------------------------------------------------------------
def cause(history: Sequence[Progress], requested: bool = False) -> tuple[str, tuple[str, ...]]:
    """Why the deployment failed or was rolled back: (a human line naming the hook/alarm/breaker/person and
    the stage, the alarm names)."""
    stage = last_active_stage(history)
    at = f" at {stage}" if stage else ""
    stages = hook_stages(history)
    for p in reversed(history):
        hook = p.failed_hook
        if hook is not None:
            where = stages.get(hook.hook_id) or p.stage or stage
            what = "timed out" if hook.status == "TIMED_OUT" else "failed"
            return f"lifecycle hook {hook.name} {what} at {where}", ()
    for p in reversed(history):
        timed_out = next((h for h in p.hooks if h.target_type == "PAUSE" and h.status == "TIMED_OUT"), None)
        if timed_out is not None:
            where = stages.get(timed_out.hook_id) or p.stage or stage
            return f"pause hook {timed_out.hook_id} timed out at {where} (timeout action ROLLBACK)", ()
    for p in reversed(history):
        if p.alarms_triggered or p.alarm_status == "TRIGGERED":
            names = p.alarms_triggered or ("a deployment alarm",)
            return f"CloudWatch alarm {', '.join(names)} went into ALARM{at}", tuple(p.alarms_triggered)
    for p in reversed(history):
        if p.breaker_status == "TRIGGERED":
            return (
                f"the deployment circuit breaker{at} ({p.breaker_failures} failed tasks, threshold "
                f"{p.breaker_threshold})",
                (),
            )
    reasons = [r for p in reversed(history) for r in (p.rollback_reason, p.status_reason) if r]
    said = " ".join(reasons)
    # No hook, alarm or breaker detail says it: ECS's own words (rollback.reason, statusReason) may.
    if re.search(r"\bhook", said, re.IGNORECASE):
        return f"a lifecycle hook{at} (ECS: {reasons[0]})", ()
    if re.search(r"\balarm", said, re.IGNORECASE):
        return f"a CloudWatch alarm{at} (ECS: {reasons[0]})", ()
    if re.search(r"circuit.?breaker", said, re.IGNORECASE):
        return f"the deployment circuit breaker{at} (ECS: {reasons[0]})", ()
    was_paused = any(p.paused_hook is not None for p in history)
    who = "vegaops (--rollback-on-failure)" if requested else "a person"
    how = "ContinueServiceDeployment ROLLBACK at the pause hook" if was_paused else "StopServiceDeployment ROLLBACK"
    return f"rollback requested by {who} ({how}){at}" + (f": {reasons[0]}" if reasons else ""), ()


def reached(
    strategy: Strategy, target: Target, snaps: Sequence[Snapshot], history: Sequence[Progress], wait_until: str
) -> str | None:
    """A reason line when the deployment reached ``wait_until`` healthy, else None."""
    if not history or not snaps:
        return None
    p = history[-1]
    if p.status not in ACTIVE_STATUSES or p.failed_hook is not None:
        return None
    if p.alarms_triggered or p.alarm_status == "TRIGGERED" or p.breaker_status == "TRIGGERED":
        return None
    ours = snaps[-1].deployment(target.deployment_id)
    if ours is None or ours.rollout_state == "FAILED" or ours.status != "PRIMARY":
        return None
    if wait_until == PAUSED:
        hook = p.paused_hook
        if hook is None:
            return None
        return f"deployment {target.deployment_id} is paused at {p.stage or 'its stage'} by {hook.name} {hook.hook_id}"
    if stage_index(p.stage) < stage_index(wait_until):
        return None
    if stage_index(p.stage) > stage_index("SCALE_UP") and ours.running < ours.desired:
        return None
    weights = ""
    if p.production_weight is not None:
        weights = f" (production traffic {p.production_weight:g}%"
        weights += f", test {p.test_weight:g}%)" if p.test_weight is not None else ")"
    return f"deployment {target.deployment_id} reached {p.stage}{weights}; it goes on in ECS"


def assess(
    strategy: Strategy,
    target: Target,
    snaps: Sequence[Snapshot],
    history: Sequence[Progress] = (),
    requested: bool = False,
    wait_until: str | None = None,
) -> vd.Verdict:
    """The verdict for a deployment of any strategy (see the module docstring)."""
    base = vd.assess(target, snaps, requested)
    if not strategy.shifting:
        if wait_until and not base.final and history:
            why = reached(strategy, target, snaps, history, wait_until)
            if why:
                return vd.Verdict(vd.REACHED, (why,), details=base.details)
        return base
    p = history[-1] if history else None
    if base.final and base.outcome != vd.SUCCEEDED:
        # DescribeServices' final verdict stands unless our service deployment itself ended otherwise (a
        # rollback ECS reports; "superseded" by the old revision is then ECS's rollback); never success over it.
        sd_final = p is not None and p.status in ("ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED")
        gone = bool(snaps) and snaps[-1].status in ("MISSING", "INACTIVE", "DRAINING")
        keep = p is None or gone or not sd_final
        if base.outcome == vd.SUPERSEDED and p is not None and not p.status.startswith("ROLLBACK"):
            keep = True
        if keep:
            if p is not None and base.outcome in (vd.ROLLED_BACK, vd.FAILED):
                line, alarms = cause(history, requested)
                return replace(base, reasons=(*base.reasons, line), alarms=base.alarms or alarms)
            return base
    if p is None:
        return _without_api(strategy, target, snaps, base)
    status = p.status
    line, alarms = cause(history, requested)
    if status == "SUCCESSFUL":
        bake = f" and a {strategy.bake_minutes:g} min bake" if strategy.bake_minutes else ""
        return vd.Verdict(
            vd.SUCCEEDED,
            (f"deployment {target.deployment_id} ({strategy.name}) succeeded after the traffic shift{bake}",),
            details=base.details,
        )
    rollback_to = base.rollback_to or target.previous_task_definition
    if status == "ROLLBACK_SUCCESSFUL":
        return vd.Verdict(
            vd.ROLLED_BACK,
            (f"deployment {target.deployment_id} ({strategy.name}) was rolled back: {line}",),
            rollback_to=rollback_to,
            failing=base.failing,
            details=base.details,
            alarms=alarms,
        )
    if status == "ROLLBACK_FAILED":
        return vd.Verdict(
            vd.FAILED,
            (
                f"deployment {target.deployment_id} ({strategy.name}) failed: {line}",
                "and its rollback failed too: the service needs a human",
            ),
            rollback_to=rollback_to,
            failing=base.failing,
            details=base.details,
            alarms=alarms,
        )
    if status == "STOPPED":
        stage = last_active_stage(history)
        return vd.Verdict(
            vd.FAILED,
            (
                f"deployment {target.deployment_id} ({strategy.name}) was stopped without a rollback"
                + (f" at {stage}" if stage else "")
                + (f": {p.status_reason}" if p.status_reason else ""),
                "traffic and tasks stay as they were when it stopped: the service needs a human",
            ),
            details=base.details,
        )
    if status in ROLLBACK_STATUSES:
        return vd.Verdict(
            vd.ROLLING_BACK,
            (line,),
            rollback_to=rollback_to,
            failing=base.failing,
            waiting_for=f"the rollback ({status})",
            details=base.details,
            alarms=alarms,
        )
    if wait_until:
        why = reached(strategy, target, snaps, history, wait_until)
        if why:
            return vd.Verdict(vd.REACHED, (why,), details=base.details)
    return vd.Verdict(
        vd.IN_PROGRESS, failing=base.failing, waiting_for=_waiting(strategy, history, p), details=base.details
    )


def _waiting(strategy: Strategy, history: Sequence[Progress], p: Progress) -> str:
    paused = pause(history, p.at, strategy)
    if paused is not None:
        return paused.text("")
    text = summary(fields(strategy, history, p.at))
    return f"{strategy.name} deployment at " + (text or (p.stage or p.status))


def _without_api(strategy: Strategy, target: Target, snaps: Sequence[Snapshot], base: vd.Verdict) -> vd.Verdict:
    """DescribeServices alone: success only once the blue deployment is gone (after the bake and clean-up)."""
    if base.outcome != vd.SUCCEEDED or not snaps:
        return base
    snap = snaps[-1]
    if len(snap.deployments) > 1:
        others = [d for d in snap.deployments if d.id != target.deployment_id]
        return vd.Verdict(
            vd.IN_PROGRESS,
            waiting_for=(
                f"{strategy.name}: the previous revision ({', '.join(vd.short_td(d.task_definition) for d in others)}) "
                "still runs: traffic shift, bake time or clean-up (the stage needs ecs:DescribeServiceDeployments)"
            ),
            details=base.details,
        )
    return base


def timed_out(
    strategy: Strategy,
    target: Target,
    snaps: Sequence[Snapshot],
    history: Sequence[Progress],
    timeout: float,
    requested: bool = False,
) -> vd.Verdict:
    """Timed out (6), naming the stage the deployment was in (and the pause hook it waits at)."""
    base = vd.timed_out(target, snaps, timeout, requested)
    if not history:
        return base
    p = history[-1]
    extra: list[str] = []
    if p.stage:
        extra.append(f"the deployment was at {p.stage} ({p.status})")
    paused = pause(history, p.at, strategy)
    if paused is not None:
        extra.append(paused.text(target.service))
    remaining = bake_remaining(strategy, history, p.at)
    if remaining is not None:
        extra.append(f"bake time left: about {_dur(remaining)}")
    return replace(base, reasons=(*base.reasons, *extra))


def step_remaining(strategy: Strategy, history: Sequence[Progress], now: float) -> float | None:
    """Seconds until a linear step or the canary ends (its step bake time, counted from the first read of the
    current production weight: at most this), or None outside a timed production traffic shift."""
    if not history or history[-1].stage != "PRODUCTION_TRAFFIC_SHIFT":
        return None
    p = history[-1]
    if strategy.name == LINEAR:
        minutes = strategy.step_bake_minutes
    elif strategy.name == CANARY and (p.production_weight or 0) < 100:
        minutes = strategy.canary_bake_minutes
    else:
        return None
    if not minutes:
        return None
    since: float | None = None
    for read in history:
        same = read.stage == p.stage and read.production_weight == p.production_weight
        since = (read.at if since is None else since) if same else None
    return None if since is None else max(0.0, minutes * 60.0 - (now - since))


def _quiet_remaining(strategy: Strategy, history: Sequence[Progress], now: float) -> float | None:
    """Seconds left in a long timed phase (the bake, a linear step, the canary), or None."""
    bake = bake_remaining(strategy, history, now)
    return bake if bake is not None else step_remaining(strategy, history, now)


def poll_hint(strategy: Strategy, history: Sequence[Progress], now: float, wait_until: str | None) -> float | None:
    """The poll interval this strategy's state asks for (None: the watcher's own schedule)."""
    p = history[-1] if history else None
    waiting_for_stage = wait_until is not None and (
        p is None or (wait_until != PAUSED and stage_index(p.stage) < stage_index(wait_until)) or wait_until == PAUSED
    )
    remaining = _quiet_remaining(strategy, history, now)
    if remaining is not None and remaining > BAKE_POLL + 5:
        # a long bake or step: an alarm's rollback shows in DescribeServices; close to its end, poll faster again
        return min(BAKE_POLL, max(WAIT_POLL, remaining - BAKE_POLL))
    if p is not None and p.paused_hook is not None and wait_until != PAUSED:
        return BAKE_POLL
    if waiting_for_stage:
        return WAIT_POLL
    return None


def sd_due(
    strategy: Strategy,
    history: Sequence[Progress],
    now: float,
    changed: bool,
    wait_until: str | None,
    every: float = BAKE_SD_EVERY,
) -> bool:
    """Whether to read DescribeServiceDeployments at this poll: always while stages move; during a long
    bake, linear step, canary or pause only every ``every`` seconds (every poll once it is about to end), or
    when DescribeServices changed."""
    if not history or changed:
        return True
    p = history[-1]
    if p.status not in ACTIVE_STATUSES | ROLLBACK_STATUSES and p.status != "STOP_REQUESTED":
        return False  # final: nothing more to read
    remaining = _quiet_remaining(strategy, history, now)
    quiet = remaining is not None or (p.paused_hook is not None and wait_until != PAUSED)
    if quiet:
        if remaining is not None and remaining <= BAKE_POLL + 5:
            return True
        return now - p.at >= every
    return True


__all__ = [
    "PAUSED",
    "STAGES",
    "WAIT_UNTIL",
    "Hook",
    "HookConfig",
    "Pause",
    "Progress",
    "Strategy",
    "assess",
    "check_wait_until",
    "fields",
    "match_service_deployment",
    "progress_from_api",
    "refuse_controller",
    "strategy_from_service",
    "timed_out",
]
