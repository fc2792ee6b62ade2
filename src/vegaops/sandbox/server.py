"""The sandbox server process: ``python -m vegaops.sandbox.server --port N --speed X --state-file PATH``.

moto's WSGI app behind the sandbox middleware on 127.0.0.1, the estate seeded through the AWS APIs,
and a thread that advances the ECS simulator. SIGTERM/SIGINT stop it and remove the state file.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from vegaops.sandbox.env import CREDENTIALS
from vegaops.sandbox.state import REGION, SandboxState, clear_state, write_state

TICK_SECONDS = 0.05
SANDBOX_MINUTE = 10.0


class SandboxServer:
    def __init__(self, port: int, speed: float, config_path: Path | None, say: Callable[[str], None]) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                pass

        from vegaops.sandbox.middleware.admin import SandboxMiddleware
        from vegaops.sandbox.simulator import Simulator

        self.speed = speed
        self.say = say  # a line on stderr (the server's log): vegaops.output's, the only place that prints
        self.config_path = config_path
        self.lock = threading.RLock()
        self.sim = Simulator(speed=speed)
        # Bake times, step bakes and hook timeouts are minutes: the sandbox runs a minute as SANDBOX_MINUTE
        # simulated seconds (10 by default, VEGAOPS_SANDBOX_MINUTE to change), so the demo's bake is short.
        self.sim.minute = float(os.environ.get("VEGAOPS_SANDBOX_MINUTE") or SANDBOX_MINUTE)
        self.stopping = threading.Event()
        moto_app = DomainDispatcherApplication(create_backend_app)
        self.app = SandboxMiddleware(moto_app, self.sim, self.lock, reset=self.reset)
        self.http = make_server("127.0.0.1", port, self.app, threaded=True, request_handler=QuietHandler)
        self.port = int(self.http.server_port)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def serve(self) -> None:
        threading.Thread(target=self.http.serve_forever, name="sandbox-http", daemon=True).start()

    def seed(self) -> None:
        import boto3

        from vegaops.sandbox.seed import adopt_seeded, seed

        self.sim.paused = True
        try:
            session: Any = boto3.session.Session(
                region_name=REGION,
                aws_access_key_id=CREDENTIALS["aws_access_key_id"],
                aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
            )
            result = seed(lambda name: session.client(name, endpoint_url=self.endpoint), self.config_path)
            with self.lock:
                self.sim.set_now(datetime.now(UTC))
                adopt_seeded(self.sim, result)
        finally:
            self.sim.paused = False

    def reset(self) -> None:
        """Wipe every backend and the simulator, then seed again."""
        from moto.moto_api._internal.models import moto_api_backend

        with self.lock:
            self.sim.paused = True
            self.sim.stop_processes()
            moto_api_backend.reset()
            self.sim.services.clear()
            self.sim.faults.clear()
            self.sim.behaviours.clear()
            self.app.counts.clear()
            self.app.injected.clear()
            self.app.plain.clear()
        self.seed()

    def run_ticks(self) -> None:
        while not self.stopping.wait(TICK_SECONDS):
            with self.lock:
                try:
                    self.sim.tick(datetime.now(UTC))
                except Exception as exc:
                    self.say(f"sandbox simulator error: {exc!r}")

    def start_registry(self, workdir: Path) -> str | None:
        """Debian's docker-registry on loopback, mirrored into this ECR (None when not installed)."""
        from vegaops.sandbox import registry

        if not registry.available():
            return None
        try:
            self.registry = registry.start(
                workdir,
                self.endpoint,
                REGION,
                credentials=(CREDENTIALS["aws_access_key_id"], CREDENTIALS["aws_secret_access_key"]),
            )
        except Exception as exc:
            self.say(f"sandbox registry not started: {exc}")
            return None
        return self.registry.host

    def shutdown(self) -> None:
        """Stop simulating and stop the registry child; the process exits right after (no HTTP teardown)."""
        self.stopping.set()
        with self.lock:
            self.sim.stop_processes()  # one-off tasks' local processes never outlive the sandbox
        if getattr(self, "registry", None) is not None:
            self.registry.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vegaops-sandbox-server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args(argv)

    import os

    from vegaops.output.render import Output

    output = Output("human")
    server = SandboxServer(args.port, args.speed, args.config, output.say)
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> Any:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.serve()
    server.seed()
    ticker = threading.Thread(target=server.run_ticks, name="sandbox-sim", daemon=True)
    ticker.start()
    registry_host = server.start_registry(args.state_file.parent / "sandbox-registry")
    write_state(
        args.state_file,
        SandboxState(
            pid=os.getpid(),
            port=server.port,
            endpoint=server.endpoint,
            region=REGION,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            speed=args.speed,
            registry=registry_host,
        ),
    )
    output.say(f"vegaops sandbox listening on {server.endpoint} (speed {args.speed})")
    while not done.wait(0.1):
        pass
    server.shutdown()
    clear_state(args.state_file, os.getpid())
    # Nothing to flush or join: skip the slow interpreter teardown of moto's modules.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
