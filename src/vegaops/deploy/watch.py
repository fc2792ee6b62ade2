"""The watch loop: poll the services we deployed, feed the pure verdicts, emit state changes.

Per poll: one batched DescribeServices for every service still in flight (10 per call): the verdict
comes from it alone. Everything else is enrichment, run through ``vegaops.aws.optional.Enrichment``
(denied, unsupported or still failing after retries: skipped, reported once, never the verdict): for a
deployment whose ``failedTasks`` grew, ListTasks(startedBy=<deployment id>, STOPPED) + DescribeTasks for
the newly stopped tasks only (and the dying task's last log lines); DescribeTargetHealth for the
service's target groups when the rollout is close to done (denied: the verdict goes by DescribeServices
alone); the ServiceDeployment API (where the endpoint has it) while a rollback runs; the replacing task
definition's tags when another deployment superseded ours.

Blue/green, linear and canary services (``deploymentConfiguration.strategy``, read from each DescribeServices),
and any service under ``--wait-until``: the service deployment's progress (ListServiceDeployments once, then
DescribeServiceDeployments) gives the lifecycle stage, traffic weights, steps, bake time left and hook
statuses shown in the ``state`` events, and for those strategies the verdict (``vegaops.deploy.strategy``
says how, and how it is reached from DescribeServices alone where that API is denied or missing). Through a
long bake or a pause the polls slow to ~10 s and the progress is read every ~30 s (at once when
DescribeServices changes); while ``--wait-until`` waits for its stage they run every ~1.5 s.

Timing goes through an injected clock: a first look after 1 s, then backing off (x1.5, jittered) to
10 s while tasks start and pass health checks (starting over at 1 s when another deployment, e.g. the
circuit breaker's rollback, becomes the primary), and every ~2.5 s once only the switch-over is left.
The polls follow that schedule only (at most one batched DescribeServices every ~2.5 s once close,
whatever fails): they carry the verdict. The enrichment ECS calls have a budget of 20 a minute for all
services together (a token bucket, 8 calls of burst): an enrichment call is made only when the budget
has room for it, otherwise at a later poll (and a final verdict first fetches what it still lacks), so
failures of several services never starve the polls that see the end of their rollouts. An explicit
``--poll-interval`` is taken as given. ``--timeout`` counts from ``WatchOptions.started`` (the command's
start) when given. Between polls the live view's clock is ticked (``tick``) at least every second.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from vegaops.aws.optional import FAILING, UNSUPPORTED, Enrichment
from vegaops.deploy import strategy as st
from vegaops.deploy import verdict as vd
from vegaops.deploy.autorollback import RollbackStart
from vegaops.deploy.snapshot import Snapshot, StoppedTask, Target, snapshot_from_api, stopped_task_from_api
from vegaops.ratelimit import RateLimiter

if TYPE_CHECKING:
    from vegaops.aws.ecs import Ecs
    from vegaops.aws.elbv2 import Elbv2
    from vegaops.clock import Clock

DEFAULT_TIMEOUT = 900.0
FIRST_POLL = 1.0
MIN_INTERVAL = 1.0
MAX_INTERVAL = 10.0
IMMINENT_INTERVAL = 2.5
BACKOFF = 1.5
CALLS_PER_MINUTE = 20.0  # the enrichment ECS calls' budget, every watched service together
CALL_BURST = 8.0  # enough for a failing poll (ListTasks, DescribeTasks, ServiceDeployments) without delay
SD_EVERY = 10.0  # seconds between ServiceDeployment reads while a rollback runs
TICK = 1.0  # the live view's clock moves at least this often between polls
FAILING_PAUSE = 30.0  # seconds an enrichment operation still failing after retries is left alone
_NOTHING = object()  # an enrichment call that gave nothing (skipped)
PROGRESS_STALE = 3 * st.BAKE_SD_EVERY  # a service deployment read older than this is not used for the verdict

Emit = Callable[[dict[str, Any]], None]
# --rollback-on-failure: start the rollback of this target's deployment: the engine's ecs.rollback-on-failure
# step (a contingency of the run), the only way the watch changes anything
Rollback = Callable[[Target], RollbackStart]
Tick = Callable[[float], None]  # seconds since the watch started
LogTail = Callable[[str, dict[str, Any]], list[str]]  # (task definition, task) -> last log lines


@dataclass
class WatchOptions:
    timeout: float = DEFAULT_TIMEOUT
    poll_interval: float | None = None  # fixed interval; None: adaptive
    rollback_on_failure: bool = False
    seed: int | None = None
    started: float | None = None  # the clock's monotonic time ``timeout`` counts from; None: the watch's start
    wait_until: str | None = None  # a lifecycle stage (or "paused"): the watch ends there, exit 0 (``reached``)


@dataclass(frozen=True)
class WatchResult:
    """What a watch found: each service's verdict, and what it cost (polls, ECS calls)."""

    verdicts: dict[str, vd.Verdict]
    polls: int = 0
    calls: int = 0  # ECS calls made by the watch

    @property
    def outcomes(self) -> dict[str, str]:
        return {service: v.outcome for service, v in self.verdicts.items()}


@dataclass
class Tracked:
    target: Target
    target_groups: list[str] = field(default_factory=list)
    history: list[Snapshot] = field(default_factory=list)
    stopped: dict[str, StoppedTask] = field(default_factory=dict)
    failed_seen: dict[str, int] = field(default_factory=dict)
    events_seen: set[str] = field(default_factory=set)
    verdict: vd.Verdict = field(default_factory=lambda: vd.Verdict(vd.IN_PROGRESS))
    last_state: tuple[Any, ...] = ()
    announced_failing: str | None = None
    tailed: set[str] = field(default_factory=set)
    stopped_by_us: bool = False
    started_at: float = 0.0
    finished_at: float | None = None
    sd_checked_at: float | None = None  # last ListServiceDeployments, and what it said
    sd_status: str | None = None
    unfetched: set[str] = field(default_factory=set)  # deployments whose stopped tasks wait for the budget
    # blue/green, linear, canary (and --wait-until): the strategy and the service deployment's progress
    strategy: st.Strategy = field(default_factory=st.Strategy)
    progress: list[st.Progress] = field(default_factory=list)
    sd_arn: str | None = None
    sd_unreadable: bool = False  # the ServiceDeployment API is denied or missing: DescribeServices alone
    announced_pauses: set[str] = field(default_factory=set)
    announced_no_stage: bool = False
    sd_key: tuple[Any, ...] = ()  # what DescribeServices showed at the last progress read


class Watcher:
    def __init__(
        self,
        ecs: Ecs,
        cluster: str,
        clock: Clock,
        tracked: list[Tracked],
        elbv2: Elbv2 | None = None,
        emit: Emit | None = None,
        options: WatchOptions | None = None,
        log_tail: LogTail | None = None,
        enrichment: Enrichment | None = None,
        tick: Tick | None = None,
        rollback: Rollback | None = None,
    ) -> None:
        if options is not None and options.rollback_on_failure and rollback is None:
            raise ValueError("rollback_on_failure needs rollback: the engine's ecs.rollback-on-failure step")
        self.rollback = rollback
        self.log_tail = log_tail
        self.enrichment = enrichment if enrichment is not None else Enrichment()
        self.tick = tick
        self.ecs = ecs
        self.elbv2 = elbv2
        self.cluster = cluster
        self.clock = clock
        self.tracked = tracked
        self.emit: Emit = emit or (lambda _e: None)
        self.options = options or WatchOptions()
        self.random = random.Random(self.options.seed)
        self.polls = 0
        self.start = 0.0
        self.calls = 0  # ECS calls made by the watch
        self.budget = RateLimiter(clock, rate=CALLS_PER_MINUTE / 60.0, burst=CALL_BURST)
        self._transition = False  # the last poll saw a service's primary deployment change
        self._paused: dict[str, float] = {}  # enrichment operation -> not asked again before this time

    # -- timing ------------------------------------------------------------------------------
    def _interval(self, current: float, imminent: bool) -> float:
        if self.options.poll_interval is not None:
            base = self.options.poll_interval
        elif imminent:
            base = IMMINENT_INTERVAL
        else:
            base = min(MAX_INTERVAL, max(MIN_INTERVAL, current * BACKOFF))
        return base * self.random.uniform(0.85, 1.15)

    # -- the loop ----------------------------------------------------------------------------
    def watch(self) -> WatchResult:
        """Watch to a verdict for every service: the verdicts and the calls they took."""
        verdicts = self.run()
        return WatchResult(dict(verdicts), self.polls, self.calls)

    def run(self) -> dict[str, vd.Verdict]:
        self.start = self.clock.monotonic()
        self.budget = RateLimiter(self.clock, rate=CALLS_PER_MINUTE / 60.0, burst=CALL_BURST)
        for t in self.tracked:
            t.started_at = self.start
        origin = self.start if self.options.started is None else self.options.started
        deadline = origin + self.options.timeout
        interval = FIRST_POLL
        first = FIRST_POLL if self.options.poll_interval is None else 0.0
        self._sleep(min(first, max(0.0, deadline - self.start)))
        while True:
            before = self.ecs.total_calls
            imminent = self.poll()
            self.calls += self.ecs.total_calls - before
            pending = [t for t in self.tracked if not t.verdict.final]
            if not pending:
                break
            now = self.clock.monotonic()
            if now >= deadline:
                for t in pending:
                    t.verdict = st.timed_out(
                        t.strategy, t.target, t.history, t.progress, self.options.timeout, t.stopped_by_us
                    )
                    t.finished_at = now
                    self._emit_verdict(t)
                break
            if self._transition:  # a new deployment (the breaker's rollback) starts its own rollout
                interval = MIN_INTERVAL
            interval = self._interval(interval, imminent)
            hinted = self._strategy_interval(interval)
            wait = interval if hinted is None else hinted
            self._sleep(min(wait, max(0.0, deadline - now)))
        return {t.target.service: t.verdict for t in self.tracked}

    def _sleep(self, seconds: float) -> None:
        """Sleep on the clock; with a live view, in slices of at most ``TICK`` so its clock keeps moving."""
        if self.tick is None:
            self.clock.sleep(seconds)
            return
        end = self.clock.monotonic() + seconds
        while True:
            left = end - self.clock.monotonic()
            if left <= 1e-6:
                return
            self.clock.sleep(min(left, TICK))
            self.tick(self.clock.monotonic() - self.start)

    # -- enrichment under the budget ---------------------------------------------------------
    def _afford(self, calls: int) -> bool:
        """Room for ``calls`` enrichment calls in the budget now (never an overdraft the polls would repay)."""
        return self.options.poll_interval is not None or self.budget.wait_time(float(calls)) == 0.0

    def _enrich(self, operation: str, fn: Callable[[], Any], default: Any, lost: str) -> Any:
        before = self.ecs.total_calls
        try:
            return self._optional(operation, fn, default, lost)
        finally:
            self.budget.spend(self.ecs.total_calls - before)

    def _optional(self, operation: str, fn: Callable[[], Any], default: Any, lost: str) -> Any:
        """An enrichment call never takes the verdict down: what the shared rule would re-raise (an error
        that is not denied/unsupported/failing) is reported once the same way and the watch goes on. An
        operation still failing after botocore's retries rests for ``FAILING_PAUSE`` seconds, so its
        retries do not slow the polls down."""
        now = self.clock.monotonic()
        if self._paused.get(operation, now) > now:
            return default
        try:
            result = self.enrichment.call(operation, fn, _NOTHING, lost)
        except Exception as exc:
            self.enrichment.record(operation, FAILING, lost, exc)
            result = _NOTHING
        if result is _NOTHING:
            self._paused[operation] = now + FAILING_PAUSE
            return default
        return result

    def poll(self) -> bool:
        """One round for every unfinished service; True when some rollout is about to finish."""
        self.polls += 1
        pending = [t for t in self.tracked if not t.verdict.final]
        found, _missing = self.ecs.describe_services(self.cluster, [t.target.service for t in pending])
        imminent = False
        self._transition = False
        at = self.clock.monotonic() - self.start
        for t in pending:
            service = found.get(t.target.service)
            snap = self._snapshot(t, service, at)
            previous = t.history[-1].primary if t.history else None
            if previous is not None and snap.primary is not None and previous.id != snap.primary.id:
                self._transition = True
            t.history.append(snap)
            if len(t.history) > 50:  # keep memory bounded on long watches
                del t.history[1:-40]
            self._progress(t, service, snap)
            self._emit_changes(t, snap, service)
            t.verdict = self._assess(t)
            reason = t.verdict.failing.rsplit(" (", 1)[0] if t.verdict.failing else None
            if t.verdict.failing and reason != t.announced_failing:
                t.announced_failing = reason
                self.emit({"event": "failing", "service": t.target.service, "reason": t.verdict.failing})
                ours = snap.deployment(t.target.deployment_id)
                still_ours = (
                    ours is not None
                    and ours.status == "PRIMARY"
                    and ours.rollout_state == "IN_PROGRESS"
                    # in progress, or "failed: the breaker rollback is off", which is what we are here for
                    and t.verdict.outcome in (vd.IN_PROGRESS, vd.FAILED)
                )
                # Only while our deployment is still the one rolling out: once the breaker has tripped,
                # the IN_PROGRESS deployment is ECS's rollback, which must not be stopped.
                if self.options.rollback_on_failure and not t.stopped_by_us and still_ours and self._rollback(t):
                    t.verdict = vd.Verdict(
                        vd.ROLLING_BACK,
                        (f"tasks of deployment {t.target.deployment_id} keep failing: {t.verdict.failing}",),
                        rollback_to=t.target.previous_task_definition,
                        failing=t.verdict.failing,
                        waiting_for="the rollback vegaops started",
                        details=t.verdict.details,
                    )
            if t.verdict.final:
                t.finished_at = self.clock.monotonic()
                self._complete(t, service)
                self._emit_verdict(t)
            elif self._imminent(snap, t):
                imminent = True
        return imminent

    # -- strategies (blue/green, linear, canary) and --wait-until ---------------------------------
    def _assess(self, t: Tracked) -> vd.Verdict:
        # Progress that can no longer be read (denied, gone, or unanswered for PROGRESS_STALE seconds) is not
        # evidence: then the verdict goes by DescribeServices alone, as where the API never answered.
        now = self.clock.monotonic() - self.start
        fresh = t.progress and not t.sd_unreadable and now - t.progress[-1].at <= PROGRESS_STALE
        progress = t.progress if fresh else []
        return st.assess(t.strategy, t.target, t.history, progress, t.stopped_by_us, self.options.wait_until)

    def _strategy_interval(self, interval: float) -> float | None:
        """The poll interval the strategies' states ask for: slower through a long bake or a pause (one
        DescribeServices every ~10 s), faster while --wait-until waits for its stage."""
        if self.options.poll_interval is not None:
            return None
        now = self.clock.monotonic() - self.start
        pending = [t for t in self.tracked if not t.verdict.final]
        hints = [st.poll_hint(t.strategy, t.progress, now, self.options.wait_until) for t in pending]
        known = [h for h in hints if h is not None]
        if not known:
            return None
        base = min(known) if len(known) == len(hints) else min(interval, *known)
        return base * self.random.uniform(0.9, 1.0)

    def _progress(self, t: Tracked, service: Mapping[str, Any] | None, snap: Snapshot) -> None:
        """Read the service deployment's progress (DescribeServiceDeployments) for a blue/green, linear or
        canary service, or for --wait-until: every poll while stages move, every ~30 s through a long bake or
        a pause (at once when DescribeServices changed). Denied or unsupported: reported once, and the
        verdict goes by DescribeServices alone (see ``vegaops.deploy.strategy``)."""
        if service is None:
            return
        t.strategy = st.strategy_from_service(service)
        if not (t.strategy.shifting or self.options.wait_until) or t.sd_unreadable:
            return
        ours = snap.deployment(t.target.deployment_id)
        key = (
            tuple((d.id, d.status, d.rollout_state, d.running, d.desired) for d in snap.deployments),
            ours.rollout_state if ours else None,
        )
        now = self.clock.monotonic() - self.start
        changed = key != t.sd_key
        if not st.sd_due(t.strategy, t.progress, now, changed, self.options.wait_until):
            return
        t.sd_key = key
        if t.sd_arn is None:
            items = self._optional(
                "ecs:ListServiceDeployments",
                lambda: self.ecs.list_service_deployments(self.cluster, t.target.service, max_results=10),
                None,
                "the deployment's lifecycle stage, traffic weights and hooks",
            )
            if items is None:
                if getattr(self.ecs, "deployments_api", None) is False:
                    self.enrichment.record(
                        "ecs:ListServiceDeployments",
                        UNSUPPORTED,
                        "the deployment's lifecycle stage, traffic weights and hooks",
                        "the endpoint does not implement it",
                    )
                if self.enrichment.unavailable("ecs:ListServiceDeployments"):
                    self._unreadable(t)
                return
            raw = next((d for d in service.get("deployments", []) if str(d.get("id")) == t.target.deployment_id), None)
            created = raw.get("createdAt") if raw else None
            match = st.match_service_deployment(items, t.target.deployment_id, created)
            if match is None:
                return  # not listed yet (or never: then DescribeServices alone)
            t.sd_arn = str(match.get("serviceDeploymentArn"))
        arn = t.sd_arn
        found = self._optional(
            "ecs:DescribeServiceDeployments",
            lambda: self.ecs.describe_service_deployments([arn]),
            None,
            "the deployment's lifecycle stage, traffic weights and hooks",
        )
        if found is None:
            if getattr(self.ecs, "deployments_api", None) is False or self.enrichment.unavailable(
                "ecs:DescribeServiceDeployments"
            ):
                self._unreadable(t)
            return
        if found:
            t.progress.append(st.progress_from_api(found[0], now))
            if self.options.wait_until and t.progress[-1].stage is None and not t.announced_no_stage:
                t.announced_no_stage = True
                self.emit(
                    {
                        "event": "info",
                        "service": t.target.service,
                        "message": f"--wait-until {self.options.wait_until}: ECS reports no lifecycle stage for "
                        f"this {t.strategy.name} deployment: waiting for the final verdict instead",
                    }
                )
            if len(t.progress) > 200:  # bounded on long bakes; the first reads of each stage matter most
                del t.progress[1:-150]

    def _unreadable(self, t: Tracked) -> None:
        t.sd_unreadable = True
        if self.options.wait_until:
            self.emit(
                {
                    "event": "info",
                    "service": t.target.service,
                    "message": f"--wait-until {self.options.wait_until}: the lifecycle stage cannot be read "
                    "(ecs:ListServiceDeployments/DescribeServiceDeployments denied or not implemented): "
                    "waiting for the final verdict instead",
                }
            )

    def _imminent(self, snap: Snapshot, t: Tracked) -> bool:
        """Only the switch-over is left: the new tasks all run and (behind a load balancer) pass their
        health checks, so the old ones drain and the steady state can come at any poll."""
        primary = snap.primary
        if primary is None or primary.running < primary.desired or primary.pending:
            return False
        if not t.target_groups or snap.targets is None:
            return True
        targets = snap.targets
        return (
            targets.get("healthy", 0) >= primary.desired * len(t.target_groups)
            and not targets.get("initial")
            and not targets.get("unhealthy")
        )

    def _snapshot(self, t: Tracked, service: Mapping[str, Any] | None, at: float) -> Snapshot:
        if service is None:
            return snapshot_from_api(t.target.service, at, None, stopped=tuple(t.stopped.values()))
        deployments = service.get("deployments", [])
        did = t.target.deployment_id
        for d in deployments:
            failed = int(d.get("failedTasks", 0))
            if str(d.get("id", "")) == did and failed > t.failed_seen.get(did, 0):
                t.unfetched.add(did)
                t.failed_seen[did] = failed
        if did not in t.failed_seen and not any(str(d.get("id")) == did for d in deployments):
            # Our deployment is gone before we saw its failures (a fast breaker + rollback): look once.
            t.failed_seen[did] = 0
            t.unfetched.add(did)
        if did in t.unfetched and self._afford(2):
            self._fetch_stopped(t, did)
        targets = self._targets(t, deployments)
        sd_status = None
        ours = next((d for d in deployments if d.get("id") == t.target.deployment_id), None)
        if ours is None or ours.get("rolloutState") == "FAILED":
            # A second opinion on the rollback (DescribeServices shows it too), so asked every 10 s at most.
            now = self.clock.monotonic()
            if (t.sd_checked_at is None or now - t.sd_checked_at >= SD_EVERY) and self._afford(1):
                t.sd_checked_at, t.sd_status = now, self._service_deployment_status(t)
            sd_status = t.sd_status
        return snapshot_from_api(t.target.service, at, service, targets, tuple(t.stopped.values()), sd_status)

    def _targets(self, t: Tracked, deployments: list[dict[str, Any]]) -> dict[str, int] | None:
        """Target health counts, read only when the primary deployment has all its tasks running (before
        that no verdict can be success). None: no load balancer, or DescribeTargetHealth could not be
        read (then the verdict goes by DescribeServices alone: never wait for targets we cannot see)."""
        if not t.target_groups or self.elbv2 is None:
            return None
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        if not primary or int(primary.get("runningCount", 0)) < int(primary.get("desiredCount", 0)):
            return None
        elbv2 = self.elbv2
        targets: dict[str, int] = {}
        for arn in t.target_groups:
            health = self._optional(
                "elasticloadbalancing:DescribeTargetHealth",
                partial(elbv2.target_health, arn),
                None,
                "the load balancer's target health",
            )
            if health is None:
                return None
            for h in health:
                targets[h.state] = targets.get(h.state, 0) + 1
        return targets

    def _complete(self, t: Tracked, service: Mapping[str, Any] | None) -> None:
        """Before a final verdict is said: the stopped tasks the budget deferred, and who superseded us."""
        if t.unfetched:
            for did in list(t.unfetched):
                self._fetch_stopped(t, did)
            if t.history:
                t.history[-1] = replace(t.history[-1], stopped=tuple(t.stopped.values()))
                again = self._assess(t)
                if again.outcome == t.verdict.outcome:  # enrichment adds reasons, never changes the outcome
                    t.verdict = again
        if t.verdict.outcome == vd.SUPERSEDED and t.verdict.superseded_by:
            self._who_superseded(t)

    def _who_superseded(self, t: Tracked) -> None:
        by = dict(t.verdict.superseded_by)
        td = by.get("task_definition", "")
        describe = getattr(self.ecs, "describe_task_definition", None)
        if not td or describe is None:
            return
        found = self._optional(
            "ecs:DescribeTaskDefinition", lambda: describe(td), None, "who deployed the superseding revision"
        )
        tags = dict(getattr(found, "tags", {}) or {})
        who = tags.get("vegaops:deployed-by")
        if who:
            by["started_by"] = who
            tag = tags.get("vegaops:tag")
            text = f"{vd.short_td(td)} was deployed by {who}" + (f" (tag {tag})" if tag else "")
        else:
            text = f"who started {vd.short_td(td)} is not recorded on it (see CloudTrail UpdateService events)"
        t.verdict = replace(t.verdict, reasons=(*t.verdict.reasons, text), superseded_by=by)

    def _fetch_stopped(self, t: Tracked, deployment_id: str) -> None:
        t.unfetched.discard(deployment_id)
        lost = "the stopped tasks' reasons"
        arns = self._enrich(
            "ecs:ListTasks",
            lambda: self.ecs.list_tasks(self.cluster, started_by=deployment_id, desired_status="STOPPED"),
            [],
            lost,
        )
        new = [a for a in arns if a not in t.stopped]
        if not new:
            return
        tasks = self._enrich("ecs:DescribeTasks", lambda: self.ecs.describe_tasks(self.cluster, new), [], lost)
        by_reason: dict[str, list[StoppedTask]] = {}
        raw_by_arn = {str(raw.get("taskArn")): raw for raw in tasks}
        for raw in tasks:
            task = stopped_task_from_api(raw)
            if task.deployment_id is None:
                task = StoppedTask(task.arn, deployment_id, task.stop_code, task.stopped_reason, task.containers)
            t.stopped[task.arn] = task
            reason = vd.task_failure_reason(task) or (task.stopped_reason or "stopped")
            by_reason.setdefault(reason, []).append(task)
        for reason, group in by_reason.items():
            codes = sorted({c for task in group for _, c, _ in task.containers if c is not None})
            event: dict[str, Any] = {
                "event": "tasks_stopped",
                "service": t.target.service,
                "deployment": deployment_id,
                "reason": reason,
                "count": len(group),
                "exit_codes": codes,
                "tasks": [task.arn.rsplit("/", 1)[-1] for task in group],
            }
            if self.log_tail is not None and reason not in t.tailed:
                t.tailed.add(reason)
                raw = raw_by_arn[group[0].arn]
                lines = self._optional(
                    "logs:GetLogEvents",
                    partial(self.log_tail, t.target.task_definition, raw),
                    None,
                    "the stopped task's last log lines",
                )
                if lines is not None:
                    event["log_tail"] = lines
            self.emit(event)

    def _service_deployment_status(self, t: Tracked) -> str | None:
        items = self._list_service_deployments(t)
        if not items:
            return None
        for item in items:
            status = str(item.get("status", ""))
            if status.startswith("ROLLBACK_"):
                return status
        return None

    def _list_service_deployments(self, t: Tracked) -> list[dict[str, Any]] | None:
        operation = "ecs:ListServiceDeployments"
        lost = "the ServiceDeployment status (a second opinion on the rollback)"
        items: list[dict[str, Any]] | None = self._enrich(
            operation,
            lambda: self.ecs.list_service_deployments(self.cluster, t.target.service, max_results=5),
            None,
            lost,
        )
        if items is None and getattr(self.ecs, "deployments_api", None) is False:
            self.enrichment.record(operation, UNSUPPORTED, lost, "the endpoint does not implement it")
        return items

    def _rollback(self, t: Tracked) -> bool:
        """--rollback-on-failure: stop our deployment with a rollback instead of waiting for the breaker.
        True when a rollback was started (by us, or already by ECS)."""
        t.stopped_by_us = True
        assert self.rollback is not None  # rollback_on_failure is refused without it (__init__)
        started = self.rollback(t.target)
        self.emit(started.event(t.target.service, t.verdict.failing))
        return started.started

    # -- events ------------------------------------------------------------------------------
    def _emit_changes(self, t: Tracked, snap: Snapshot, service: Mapping[str, Any] | None) -> None:
        ours = snap.deployment(t.target.deployment_id)
        primary = snap.primary
        state: tuple[Any, ...] = (
            snap.status,
            ours.rollout_state if ours else None,
            ours.running if ours else None,
            ours.pending if ours else None,
            ours.failed if ours else None,
            primary.id if primary else None,
            primary.rollout_state if primary else None,
            primary.running if primary else None,
            tuple(sorted((snap.targets or {}).items())),
        )
        extra = st.fields(t.strategy, t.progress, self.clock.monotonic() - self.start)
        state += (
            extra.get("stage"),
            extra.get("service_deployment_status"),
            extra.get("production_weight"),
            extra.get("test_weight"),
            tuple((h["id"], h["status"]) for h in extra.get("hooks", [])),
        )
        if state != t.last_state:
            t.last_state = state
            self.emit(
                {
                    "event": "state",
                    "service": t.target.service,
                    "deployment": t.target.deployment_id,
                    "status": snap.status,
                    "rollout_state": ours.rollout_state if ours else ("GONE" if t.history[:-1] else None),
                    "desired": ours.desired if ours else snap.desired,
                    "pending": ours.pending if ours else 0,
                    "running": ours.running if ours else 0,
                    "failed": ours.failed if ours else 0,
                    "primary": primary.id if primary else None,
                    "primary_task_definition": vd.short_td(primary.task_definition) if primary else None,
                    # what runs once ours is gone (rolled back): the live view's last row shows these
                    "primary_rollout_state": primary.rollout_state if primary else None,
                    "primary_desired": primary.desired if primary else None,
                    "primary_running": primary.running if primary else None,
                    "primary_pending": primary.pending if primary else None,
                    "targets": snap.targets,
                    "elapsed": round(snap.at, 1),
                    **extra,
                }
            )
        paused = extra.get("paused")
        if paused and paused["id"] not in t.announced_pauses:
            t.announced_pauses.add(paused["id"])
            pause = st.pause(t.progress, self.clock.monotonic() - self.start, t.strategy)
            self.emit(
                {
                    "event": "paused",
                    "service": t.target.service,
                    "deployment": t.target.deployment_id,
                    **paused,
                    "message": pause.text(t.target.service) if pause else "paused",
                }
            )
        if service is None:
            return
        fresh = [e for e in service.get("events", []) if str(e.get("id")) not in t.events_seen]
        first = len(t.history) == 1
        for e in reversed(fresh):
            t.events_seen.add(str(e.get("id")))
            if not first or t.target.deployment_id in str(e.get("message", "")):
                self.emit(
                    {
                        "event": "service_event",
                        "service": t.target.service,
                        "message": e.get("message"),
                        "at": e.get("createdAt"),
                    }
                )

    def _emit_verdict(self, t: Tracked) -> None:
        v = t.verdict
        self.emit(
            {
                "event": "verdict",
                "service": t.target.service,
                "deployment": t.target.deployment_id,
                "outcome": v.outcome,
                "exit_code": v.exit_code,
                "reasons": list(v.reasons),
                "rollback_to": v.rollback_to,
                "elapsed": round((t.finished_at or self.start) - self.start, 1),
            }
        )
