"""The sandbox server process: moto for every service vegaops uses, the ECS simulator, the admin API.

    python -m vegaops.sandbox.server --port 0 --speed 1 --state-dir DIR

Binds 127.0.0.1 only, seeds the estate, waits for the seeded services to reach a steady state, then records
its address in DIR/sandbox.json (which is what ``vegaops sandbox up`` waits for).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vegaops.sandbox import estate


def _log_writer(account: str, region: str) -> Any:
    from moto.logs.models import logs_backends

    def write(sim_service: Any, sim_task: Any, lines: list[tuple[datetime, str]]) -> None:
        from moto.ecs.models import ecs_backends

        backend = logs_backends[account][region]
        td = ecs_backends[account][region].describe_task_definition(sim_task.task.task_definition_arn)
        containers: list[dict[str, Any]] = td.container_definitions
        for container in containers:
            log_config: dict[str, Any] = container.get("logConfiguration") or {}
            options: dict[str, str] = log_config.get("options") or {}
            group = backend.groups.get(options.get("awslogs-group", ""))
            if group is None:
                continue
            stream = f"{options.get('awslogs-stream-prefix', 'ecs')}/{container['name']}/{sim_task.id}"
            if stream not in group.streams:
                group.create_log_stream(stream)
            group.put_log_events(stream, [{"timestamp": int(at.timestamp() * 1000), "message": msg}
                                          for at, msg in lines])

    return write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vegaops-sandbox-server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[key] = "sandbox"
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["MOTO_ALLOW_NONEXISTENT_REGION"] = "false"

    import logging

    import boto3
    from botocore.config import Config
    from moto.moto_api import state_manager
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from vegaops.sandbox.middleware import SandboxApp
    from vegaops.sandbox.seed import seed, wait_steady
    from vegaops.sandbox.simulator import Simulator
    from vegaops.sandbox.state import SandboxState, save

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    sim = Simulator(speed=args.speed, log_writer=_log_writer(estate.ACCOUNT, estate.REGION))
    app = SandboxApp(DomainDispatcherApplication(create_backend_app), sim)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    port = server.server_port
    endpoint = f"http://127.0.0.1:{port}"
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()

    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            try:
                sim.tick(datetime.now(UTC))
            except Exception as exc:  # keep simulating; say what went wrong
                print(f"sandbox: simulator error: {exc!r}", file=sys.stderr, flush=True)
            stop.wait(0.05)

    session = boto3.Session()

    def client(service: Any) -> Any:
        return session.client(service, endpoint_url=endpoint, region_name=estate.REGION,
                            aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                            config=Config(retries={"mode": "standard"}))

    sim.behaviours.update(seed(client))
    threading.Thread(target=ticker, name="simulator", daemon=True).start()
    if not wait_steady(sim.steady, timeout=120.0):
        print("sandbox: the seeded services did not reach a steady state", file=sys.stderr, flush=True)
        return 1
    app.calls.clear()
    app.ready = True
    save(SandboxState(pid=os.getpid(), port=port, endpoint=endpoint, region=estate.REGION,
                      started_at=datetime.now(UTC).isoformat(timespec="seconds"), speed=args.speed), args.state_dir)
    print(f"sandbox: ready at {endpoint}", flush=True)

    def shutdown(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    while not stop.is_set():
        time.sleep(0.2)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
