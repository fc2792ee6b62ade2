"""Benchmark: print the last hour of a service's logs with vegaops, the aws cli and awslogs.

Seeds a moto server (a separate process on 127.0.0.1) with an ECS service whose task definition logs
to /ecs/vega-api, and N events over S streams (one per task) in the last hour; then runs each tool as a
subprocess under /usr/bin/time (wall time, peak RSS) with stdout to a file, and counts the events.
Without ``--filter`` vegaops reads each stream with GetLogEvents; the ``--filter`` row measures its
FilterLogEvents path on the same data. Then a follow-mode run: 10 minutes of simulated traffic (tasks
replaced every 2 minutes, some events arriving late) through vegaops' Follower on a FakeClock, checked
against the server's ground truth for lost or doubled events, with the de-dup memory and the Python
heap peak measured.

    .venv/bin/python bench/logs.py [--events 100000] [--streams 8] [--awslogs /tmp/bench-venv/bin/awslogs]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path
from typing import Any

REGION = "eu-central-1"
GROUP = "/ecs/vega-api"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto server did not start")


def client(url: str, service: str) -> Any:
    import boto3

    return boto3.client(
        service, endpoint_url=url, region_name=REGION, aws_access_key_id="bench", aws_secret_access_key="bench"
    )


def seed(url: str, events: int, streams: int, now_ms: int) -> list[str]:
    ecs = client(url, "ecs")
    ecs.create_cluster(clusterName="vega-bench")
    ecs.register_task_definition(
        family="vega-api",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "api",
                "image": "vega-api:v1",
                "memory": 512,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"},
                },
            }
        ],
    )
    ecs.create_service(
        cluster="vega-bench", serviceName="vega-api", taskDefinition="vega-api", desiredCount=0, launchType="FARGATE"
    )
    logs = client(url, "logs")
    logs.create_log_group(logGroupName=GROUP)
    names = [f"ecs/api/{i:08x}{'0' * 24}" for i in range(streams)]
    per = events // streams
    step = 2_900_000 // per  # the last 50 minutes: every round of a long run still sees all of them
    for s, name in enumerate(names):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=name)
        batch: list[dict[str, Any]] = []
        for i in range(per):
            ts = now_ms - 3_000_000 + i * step + s
            batch.append(
                {
                    "timestamp": ts,
                    "message": json.dumps(
                        {"level": "INFO", "msg": "request", "path": "/v1/items", "status": 200, "n": i, "task": s}
                    ),
                }
            )
            if len(batch) == 5000:
                logs.put_log_events(logGroupName=GROUP, logStreamName=name, logEvents=batch)
                batch = []
        if batch:
            logs.put_log_events(logGroupName=GROUP, logStreamName=name, logEvents=batch)
    return names


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, Path]:
    out = Path(tempfile.mkstemp(prefix="bench-out-")[1])
    stats = Path(tempfile.mkstemp(prefix="bench-time-")[1])
    with out.open("wb") as fh:
        started = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-o", str(stats), "-f", "%M", *cmd],
            stdout=fh,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            check=False,
        )
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        print(f"  failed ({proc.returncode}): {' '.join(cmd)}\n  {proc.stderr.decode()[-400:]}", file=sys.stderr)
    peak_kb = int(stats.read_text().strip().splitlines()[-1])
    stats.unlink()
    return wall, peak_kb, out


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def count_json_events(path: Path) -> int:
    return len(json.loads(path.read_text() or "{}").get("events", []))


def follow_sim(url: str, minutes: int = 10, rate: int = 20) -> dict[str, Any]:
    """10 minutes of traffic on a FakeClock: 4 tasks, replaced every 2 minutes, 1 in 7 events late by 3 s."""
    from datetime import UTC, datetime, timedelta

    from vegaops.aws.logs import Logs
    from vegaops.clock import FakeClock
    from vegaops.logs.core import Fetcher, Follower, LogEvent, Selector
    from vegaops.logs.sources import LogSource
    from vegaops.ratelimit import RateLimiter

    group = "/ecs/vega-follow"
    logs = client(url, "logs")
    logs.create_log_group(logGroupName=group)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes + 2)
    clock = FakeClock(start)
    fetcher = Fetcher(Logs(logs), clock, RateLimiter(clock, rate=50, burst=50))
    source = LogSource("api", "api", "awslogs", group=group, prefix="ecs")
    follower = Follower(
        fetcher,
        [Selector(group, [source])],
        since_ms=int(start.timestamp() * 1000),
        overlap_ms=10_000,
        poll_seconds=1.0,
    )
    created: set[str] = set()
    written = 0
    pending_late: list[tuple[str, dict[str, Any]]] = []
    printed: list[tuple[str, int, str]] = []
    tracemalloc.start()
    t0 = time.perf_counter()
    for second in range(minutes * 60):
        generation = second // 120
        base = int(start.timestamp() * 1000) + second * 1000
        by_stream: dict[str, list[dict[str, Any]]] = {}
        for name, ev in pending_late:
            by_stream.setdefault(name, []).append(ev)
        pending_late = []
        for k in range(rate):
            name = f"ecs/api/g{generation}t{k % 4}"
            ev = {"timestamp": base + k * (1000 // rate), "message": f"gen{generation} n{written}"}
            written += 1
            if k % 7 == 3:
                pending_late.append((name, ev))  # ingested ~1-3 s after its timestamp
            else:
                by_stream.setdefault(name, []).append(ev)
        for name, evs in by_stream.items():
            if name not in created:
                logs.create_log_stream(logGroupName=group, logStreamName=name)
                created.add(name)
            logs.put_log_events(
                logGroupName=group, logStreamName=name, logEvents=sorted(evs, key=lambda e: e["timestamp"])
            )
        clock.advance(1.0)
        for item in follower.poll_once():
            if isinstance(item, LogEvent):
                printed.append((item.stream, item.timestamp, item.message))
    for name, ev in pending_late:
        logs.put_log_events(logGroupName=group, logStreamName=name, logEvents=[ev])
    for _ in range(3):
        clock.advance(1.0)
        printed += [(i.stream, i.timestamp, i.message) for i in follower.poll_once() if isinstance(i, LogEvent)]
    elapsed = time.perf_counter() - t0
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    truth: list[tuple[str, int, str]] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "interleaved": True}
    while True:
        page = logs.filter_log_events(**kwargs)
        truth += [(e["logStreamName"], e["timestamp"], e["message"]) for e in page["events"]]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return {
        "written": written,
        "printed": len(printed),
        "unique": len(set(printed)),
        "lost": len(set(truth) - set(printed)),
        "doubled": len(printed) - len(set(printed)),
        "streams": len(created),
        "polls": follower.polls,
        "peak_ids": follower.peak_ids,
        "heap_peak_mb": round(heap_peak / 1e6, 1),
        "seconds": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--streams", type=int, default=8)
    parser.add_argument("--awslogs", default="/tmp/bench-venv/bin/awslogs")
    parser.add_argument("--results", default=str(Path(__file__).with_name("RESULTS.md")))
    parser.add_argument("--no-follow", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per tool; the median wall time is reported")
    args = parser.parse_args()

    proc, url = start_moto()
    work = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    try:
        now_ms = int(time.time() * 1000)
        t = time.perf_counter()
        seed(url, args.events, args.streams, now_ms)
        print(f"seeded {args.events} events over {args.streams} streams in {time.perf_counter() - t:.1f}s")
        (work / "vegaops.toml").write_text(
            f'[project]\nregion = "{REGION}"\ndefault_env = "bench"\n\n'
            f'[env.bench]\ncluster = "vega-bench"\nendpoint_url = "{url}"\n\n'
            '[service.api]\necs_service = "vega-api"\ncontainer = "api"\n'
        )
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_COLOR": "1",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }
        vegaops = shutil.which("vegaops", path=str(Path(sys.executable).parent)) or "vegaops"
        start_ms = now_ms - 3_600_000
        runs: list[tuple[str, list[str], str]] = [
            ("vegaops logs tail api --since 1h", [vegaops, "logs", "tail", "api", "--since", "1h"], "lines"),
            (
                "vegaops -o json logs tail api --since 1h (NDJSON)",
                [vegaops, "-o", "json", "logs", "tail", "api", "--since", "1h"],
                "ndjson",
            ),
            # a --filter pattern makes vegaops scan the group with FilterLogEvents, as the aws cli does
            (
                "vegaops logs tail api --since 1h --filter request (FilterLogEvents path)",
                [vegaops, "logs", "tail", "api", "--since", "1h", "--filter", "request"],
                "lines",
            ),
            (
                "aws logs filter-log-events --interleaved (json)",
                [
                    "aws",
                    "logs",
                    "filter-log-events",
                    "--log-group-name",
                    GROUP,
                    "--start-time",
                    str(start_ms),
                    "--interleaved",
                    "--endpoint-url",
                    url,
                    "--output",
                    "json",
                ],
                "json",
            ),
        ]
        if Path(args.awslogs).exists():
            runs.append(
                (
                    "awslogs get /ecs/vega-api ALL -s 1h",
                    [
                        args.awslogs,
                        "get",
                        GROUP,
                        "ALL",
                        "-s",
                        "1h",
                        "-G",
                        "-S",
                        "--aws-endpoint-url",
                        url,
                        "--aws-region",
                        REGION,
                    ],
                    "lines",
                )
            )
        samples: dict[str, list[tuple[float, int, int]]] = {label: [] for label, _, _ in runs}
        for _round in range(args.repeat):  # interleaved rounds, so server warm-up and noise hit every tool
            for label, cmd, kind in runs:
                wall, peak_kb, out = timed(cmd, env, work)
                n = count_json_events(out) if kind == "json" else count_lines(out)
                if kind == "ndjson":
                    n -= 1  # the closing envelope
                out.unlink()
                samples[label].append((wall, peak_kb, n))
        rows = []
        for label, got in samples.items():
            walls = sorted(w for w, _, _ in got)
            wall = walls[len(walls) // 2]
            n = min(c for _, _, c in got)
            mb = max(p for _, p, _ in got) / 1024
            rows.append((label, n, wall, n / wall if wall else 0.0, mb))
            print(
                f"{label}: {n} events, median {wall:.2f}s of {len(walls)} = {n / wall:,.0f} events/s, "
                f"peak RSS {mb:.0f} MB"
            )
        follow = None if args.no_follow else follow_sim(url)
        if follow:
            print(f"follow: {follow}")
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)

    aws_rate = next((r[3] for r in rows if r[0].startswith("aws ")), 0.0)
    lines = [
        f"\n## logs tail: last hour, {args.events} events over {args.streams} streams "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n",
        f"Command: `.venv/bin/python bench/logs.py --events {args.events} --streams {args.streams} "
        f"--repeat {args.repeat}` (moto server subprocess on 127.0.0.1; each tool a subprocess under "
        "/usr/bin/time, stdout to a file; rounds interleaved, median wall time, highest peak RSS)\n",
        "| tool | events | median wall s | events/s | vs aws cli | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, n, wall, rate, mb in rows:
        ratio = f"{rate / aws_rate:.2f}x" if aws_rate else "-"
        lines.append(f"| {label} | {n} | {wall:.2f} | {rate:,.0f} | {ratio} | {mb:.0f} |")
    if not Path(args.awslogs).exists():
        lines.append("\nawslogs: not measured (not installed at --awslogs).")
    lines.append("\n`aws logs tail` is not in aws-cli v1 (this machine has v1), so filter-log-events stands for it.")
    if follow:
        lines.append(
            f"\nFollow mode, 10 minutes of simulated traffic on a FakeClock against the same moto server "
            f"(4 tasks replaced every 2 minutes, 1 in 7 events ingested late): written {follow['written']}, "
            f"printed {follow['printed']}, lost {follow['lost']}, doubled {follow['doubled']}, "
            f"{follow['streams']} streams picked up, {follow['polls']} polls, de-dup ids at peak "
            f"{follow['peak_ids']} (bounded by the 10 s overlap window), Python heap peak "
            f"{follow['heap_peak_mb']} MB, {follow['seconds']} s real time."
        )
    with open(args.results, "a") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"results appended to {args.results}")


if __name__ == "__main__":
    main()
