"""Blue/green watch costs and latencies: the real Watcher against the real ECS simulator, on one simulated clock.

.venv/bin/python bench/strategies.py [--bake-minutes 60]
.venv/bin/python bench/strategies.py --sandbox      # --wait-until as a process against the real sandbox

In-process moto (``mock_aws``) with the sandbox's estate and simulator at speed 1 and real minutes (60 simulated
seconds), so a 60-minute bake lasts 3600 simulated seconds; the watcher sleeps on a clock that advances the
simulator in 50 ms steps, so every figure is in simulated seconds and nothing sleeps for real. ServiceDeployment
calls are answered by the sandbox middleware's own functions (``vegaops.sandbox.middleware.deployments``).

Measured:
- detection latency: for each lifecycle stage ECS (the simulator) entered, how long until the watcher's state
  event showed it (stages shorter than a poll can pass unseen: said so);
- ECS calls per minute during the bake vs a rolling deployment's watch (vega-api, the same estate);
- ``--wait-until STAGE``: how long after the deployment entered STAGE the watch returned (target: < 2 s).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

REGION = "eu-central-1"
STEP = 0.05


@dataclass
class Env:
    sim: Any
    clock: Any
    ecs: Any
    entered: list[tuple[float, str]] = field(default_factory=list)  # (clock time, stage) the simulator entered
    watched: str = "vega-checkout"
    watch_calls: int = 0


@contextmanager
def estate(bake_minutes: int) -> Iterator[Env]:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION)
    import boto3
    from moto import mock_aws

    from vegaops.aws.ecs import Ecs
    from vegaops.clock import FakeClock
    from vegaops.sandbox.env import CLUSTER
    from vegaops.sandbox.middleware import deployments
    from vegaops.sandbox.seed import adopt_seeded, seed
    from vegaops.sandbox.simulator import Simulator

    with mock_aws():
        sim = Simulator(speed=1.0, seed=11)
        sim.minute = 60.0
        env_box: list[Env] = []

        class SimClock(FakeClock):
            """Sleeping advances the simulator in 50 ms steps (and notes each stage it enters)."""

            def sleep(self, seconds: float) -> None:
                self.sleeps.append(seconds)
                end = self.monotonic() + seconds
                while self.monotonic() < end - 1e-9:
                    self.advance(min(STEP, end - self.monotonic()))
                    sim.tick(self.now())
                    note()

        clock = SimClock()
        sim.set_now(clock.now())
        result = seed(lambda name: boto3.client(name, region_name=REGION))
        adopt_seeded(sim, result)
        service = sim.backend.services[f"{CLUSTER}:vega-checkout"]
        service.deployment_configuration = {**service.deployment_configuration, "bakeTimeInMinutes": bake_minutes}

        class SimEcs(Ecs):
            """The ECS layer over in-process moto; ServiceDeployment calls answered by the sandbox middleware
            (counted here: they never reach botocore, whose hook counts the others)."""

            def __init__(self, client: Any) -> None:
                super().__init__(client)
                self.answered: dict[str, int] = {}

            @property
            def calls(self) -> dict[str, int]:
                merged = dict(super().calls)
                for op, n in self.answered.items():
                    merged[op] = merged.get(op, 0) + n
                return merged

            @property
            def total_calls(self) -> int:
                return sum(self.calls.values())

            def list_service_deployments(
                self, cluster: str, service: str, max_results: int = 20
            ) -> list[dict[str, Any]] | None:
                self.answered["list_service_deployments"] = self.answered.get("list_service_deployments", 0) + 1
                _, body = deployments.answer(
                    sim, "ListServiceDeployments", {"cluster": cluster, "service": service, "maxResults": max_results}
                )
                items: list[dict[str, Any]] = body["serviceDeployments"]
                return items

            def describe_service_deployments(self, arns: Sequence[str]) -> list[dict[str, Any]] | None:
                self.answered["describe_service_deployments"] = self.answered.get("describe_service_deployments", 0) + 1
                _, body = deployments.answer(sim, "DescribeServiceDeployments", {"serviceDeploymentArns": list(arns)})
                found: list[dict[str, Any]] = body["serviceDeployments"]
                return found

        env = Env(sim, clock, SimEcs(boto3.client("ecs", region_name=REGION)))
        env_box.append(env)
        last: dict[str, str | None] = {"stage": None}

        def note() -> None:
            svc = sim.services.get((CLUSTER, env.watched))
            stage = svc.deployments[0].stage if svc else None
            if stage != last["stage"] and stage is not None:
                env.entered.append((clock.monotonic(), stage))
            last["stage"] = stage

        yield env


def deploy(env: Env, service: str) -> tuple[str, str, str]:
    """UpdateService to a new revision of ``service`` (same image): (deployment id, new td, old td)."""
    from vegaops.sandbox.env import CLUSTER

    ecs = env.ecs.client
    svc = ecs.describe_services(cluster=CLUSTER, services=[service])["services"][0]
    td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    keys = ("family", "networkMode", "requiresCompatibilities", "cpu", "memory", "containerDefinitions")
    arn = ecs.register_task_definition(**{k: td[k] for k in keys})["taskDefinition"]["taskDefinitionArn"]
    updated = ecs.update_service(cluster=CLUSTER, service=service, taskDefinition=arn)["service"]
    env.sim.tick(env.clock.now())
    svc = ecs.describe_services(cluster=CLUSTER, services=[service])["services"][0]
    primary = next(d for d in svc["deployments"] if d["status"] == "PRIMARY")
    del updated
    return str(primary["id"]), arn, str(td["taskDefinitionArn"])


def watch(
    env: Env, service: str, wait_until: str | None = None, timeout: float = 3 * 3600
) -> tuple[Any, list[tuple[float, dict[str, Any]]], float, float]:
    """Watch a fresh deployment of ``service``: (verdict, timed events, start, end)."""
    from vegaops.deploy.snapshot import Target
    from vegaops.deploy.watch import Tracked, Watcher, WatchOptions
    from vegaops.sandbox.env import CLUSTER

    dep, td, old = deploy(env, service)
    events: list[tuple[float, dict[str, Any]]] = []
    start = env.clock.monotonic()
    watcher = Watcher(
        env.ecs,
        CLUSTER,
        env.clock,
        [Tracked(Target(service, dep, td, old))],
        emit=lambda e: events.append((env.clock.monotonic(), e)),
        options=WatchOptions(timeout=timeout, seed=3, wait_until=wait_until),
    )
    verdict = watcher.run()[service]
    env.watch_calls = watcher.calls  # the watch's own ECS calls (not the deploy's)
    return verdict, events, start, env.clock.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bake-minutes", type=int, default=60)
    parser.add_argument("--sandbox", action="store_true", help="instead: --wait-until on the real sandbox")
    args = parser.parse_args()
    from vegaops.deploy.strategy import STAGES

    print(f"## blue/green watch on the simulator (bake {args.bake_minutes} min, simulated seconds)\n")
    # 1. a whole blue/green deployment: detection latency per stage, calls per minute through the bake
    with estate(args.bake_minutes) as env:
        calls: list[tuple[float, int]] = []
        original_sleep = env.clock.sleep

        def counting_sleep(seconds: float) -> None:
            original_sleep(seconds)
            calls.append((env.clock.monotonic(), env.ecs.total_calls))

        env.clock.sleep = counting_sleep  # type: ignore[method-assign]
        verdict, events, start, end = watch(env, "vega-checkout")
        seen: dict[str, float] = {}
        for at, e in events:
            if e["event"] == "state" and e.get("stage") and e["stage"] not in seen:
                seen[e["stage"]] = at
        print(f"verdict: {verdict.outcome} after {end - start:.1f} s: {'; '.join(verdict.reasons)}\n")
        print("| stage | entered at (s) | lasted (s) | seen by the watch after (s) |")
        print("|---|---|---|---|")
        entered = env.entered
        for i, (at, stage) in enumerate(entered):
            lasted = (entered[i + 1][0] if i + 1 < len(entered) else end) - at
            latency = seen.get(stage)
            shown = f"{latency - at:.2f}" if latency is not None else "not seen (shorter than a poll)"
            print(f"| {stage} | {at - start:.1f} | {lasted:.1f} | {shown} |")
        bake = next((at for at, s in entered if s == "BAKE_TIME"), None)
        clean = next((at for at, s in entered if s == "CLEAN_UP"), None)
        if bake is not None and clean is not None:
            in_bake = [c for at, c in calls if bake <= at <= clean]
            minutes = (clean - bake) / 60.0
            per_minute = (in_bake[-1] - in_bake[0]) / minutes if len(in_bake) > 1 and minutes else 0.0
            print(
                f"\nECS calls during the bake: {in_bake[-1] - in_bake[0]} in {minutes:.1f} min = {per_minute:.1f}/min"
            )
        print(f"ECS calls of the whole watch: {dict(env.ecs.calls)}")
    # 2. a rolling watch on the same estate, for comparison
    with estate(args.bake_minutes) as env:
        verdict, _events, start, end = watch(env, "vega-api")
        total = env.watch_calls
        print(
            f"rolling watch (vega-api): {verdict.outcome} after {end - start:.1f} s, {total} ECS calls = "
            f"{total / max((end - start) / 60.0, 1e-9):.1f}/min"
        )
    # 2b. a LINEAR deployment (20% steps of 5 minutes, then a 5-minute bake): calls per minute through the shift
    with estate(args.bake_minutes) as env:
        from vegaops.sandbox.env import CLUSTER

        env.watched = "vega-search"
        service = env.sim.backend.services[f"{CLUSTER}:vega-search"]
        service.deployment_configuration = {
            **service.deployment_configuration,
            "strategy": "LINEAR",
            "linearConfiguration": {"stepPercent": 20.0, "stepBakeTimeInMinutes": 5},
            "bakeTimeInMinutes": 5,
        }
        marks: list[tuple[float, int]] = []
        plain_sleep = env.clock.sleep

        def marking_sleep(seconds: float) -> None:
            plain_sleep(seconds)
            marks.append((env.clock.monotonic(), env.ecs.total_calls))

        env.clock.sleep = marking_sleep  # type: ignore[method-assign]
        verdict, _events, start, end = watch(env, "vega-search")
        shift = next((at for at, s in env.entered if s == "PRODUCTION_TRAFFIC_SHIFT"), None)
        after = next((at for at, s in env.entered if s == "POST_PRODUCTION_TRAFFIC_SHIFT"), None)
        if shift is not None and after is not None:
            inside = [c for at, c in marks if shift <= at <= after]
            minutes = (after - shift) / 60.0
            print(
                f"LINEAR (vega-search, 20% steps of 5 min): {verdict.outcome} after {end - start:.1f} s; "
                f"{inside[-1] - inside[0]} ECS calls in the {minutes:.1f}-minute traffic shift = "
                f"{(inside[-1] - inside[0]) / minutes:.1f}/min; the whole watch {dict(env.ecs.calls)}"
            )
    # 3. --wait-until: seconds from entering the stage to the watch returning
    print("\n| --wait-until | outcome | returned after the stage began (s) |")
    print("|---|---|---|")
    for stage in [s for s in STAGES if s not in ("RECONCILE_SERVICE", "PRE_SCALE_UP")] + ["paused"]:
        with estate(args.bake_minutes) as env:
            if stage == "paused":
                env.sim.faults["vega-checkout"] = "hook-pause"
            verdict, _events, start, end = watch(env, "vega-checkout", wait_until=stage)
            want = "POST_TEST_TRAFFIC_SHIFT" if stage == "paused" else stage
            began = next((at for at, s in env.entered if STAGES.index(s) >= STAGES.index(want)), None)
            gap = f"{end - began:.2f}" if began is not None else "-"
            print(f"| {stage} | {verdict.outcome} | {gap} |")


def on_the_sandbox(stages: Sequence[str]) -> None:
    """``vegaops deploy --wait-until STAGE`` as a process against the real sandbox (speed 1, a sandbox minute of
    10 s): wall seconds from the sandbox entering the stage (its service event) to the command's exit."""
    import subprocess
    import tempfile
    import time
    from datetime import UTC, datetime
    from pathlib import Path

    import boto3

    from vegaops.sandbox import admin
    from vegaops.sandbox.process import start

    vegaops = str(Path(sys.executable).with_name("vegaops"))
    with tempfile.TemporaryDirectory() as tmp:
        handle = start(speed=1.0, state_dir=Path(tmp) / "state")
        env = {**os.environ, "VEGAOPS_STATE_DIR": str(Path(tmp) / "state")}
        ecs = boto3.client(
            "ecs",
            endpoint_url=handle.endpoint,
            region_name=REGION,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )
        print("\n| --wait-until (real sandbox, speed 1) | exit | exit after the stage began (s) |")
        print("|---|---|---|")
        try:
            for stage in stages:
                admin.reset(handle.endpoint)
                if stage == "paused":
                    admin.set_fault(handle.endpoint, "checkout", "hook-pause")
                cmd = [
                    vegaops,
                    "--env",
                    "sandbox",
                    "deploy",
                    "--tag",
                    "v1.2.3-stable",
                    "checkout",
                    "--wait-until",
                    stage,
                ]
                proc = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, check=False)
                ended = datetime.now(UTC)
                time.sleep(0.2)
                want = "POST_TEST_TRAFFIC_SHIFT" if stage == "paused" else stage
                events = ecs.describe_services(cluster="vega-sandbox", services=["vega-checkout"])["services"][0][
                    "events"
                ]
                began = [e["createdAt"] for e in events if f"entered lifecycle stage {want}." in e["message"]]
                gap = f"{(ended - min(began)).total_seconds():.2f}" if began else "-"
                print(f"| {stage} | {proc.returncode} | {gap} |")
        finally:
            handle.stop()


if __name__ == "__main__":
    if "--sandbox" in sys.argv:
        on_the_sandbox(["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "paused"])
    else:
        main()
