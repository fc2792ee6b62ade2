"""Log lines of simulated tasks, written into moto's CloudWatch Logs as the awslogs driver would."""

from __future__ import annotations

import json
import random
from datetime import datetime
from typing import Any

from vegaops.sandbox.state import ACCOUNT_ID

PATHS = ("/v1/health", "/v1/items", "/v1/items/42", "/v1/chat/completions", "/v1/users/me")


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


class TaskLog:
    """One container's awslogs stream ``<prefix>/<container>/<task-id>``."""

    def __init__(self, region: str, container: dict[str, Any], task_id: str) -> None:
        options = (container.get("logConfiguration") or {}).get("options") or {}
        driver = (container.get("logConfiguration") or {}).get("logDriver")
        self.enabled = driver == "awslogs" and bool(options.get("awslogs-group"))
        self.group = str(options.get("awslogs-group", ""))
        self.region = str(options.get("awslogs-region", region))
        prefix = options.get("awslogs-stream-prefix")
        name = str(container.get("name", "app"))
        self.stream = f"{prefix}/{name}/{task_id}" if prefix else task_id
        self.container = name
        self._rng = random.Random(task_id)
        self._created = False

    def _put(self, when: datetime, messages: list[str]) -> None:
        if not self.enabled or not messages:
            return
        from moto.logs.models import logs_backends

        backend = logs_backends[ACCOUNT_ID][self.region]
        group = backend.groups.get(self.group)
        if group is None:
            backend.create_log_group(self.group, tags={})
            group = backend.groups[self.group]
        if not self._created:
            if self.stream not in group.streams:
                group.create_log_stream(self.stream)
            self._created = True
        base = _ms(when)
        group.put_log_events(self.stream, [{"timestamp": base + i, "message": m} for i, m in enumerate(messages)])

    def started(self, when: datetime, image: str) -> None:
        self._put(
            when,
            [
                f"Starting {self.container} (image {image})",
                json.dumps({"level": "INFO", "msg": "configuration loaded", "logger": "app.config"}),
                json.dumps({"level": "INFO", "msg": "listening on 0.0.0.0:8080", "logger": "app.server"}),
            ],
        )

    def requests(self, when: datetime, count: int = 2, unhealthy: bool = False) -> None:
        lines = []
        for _ in range(count):
            path = self._rng.choice(PATHS)
            if unhealthy and path == "/v1/health":
                status, level = 503, "ERROR"
            else:
                roll = self._rng.random()
                status, level = (500, "ERROR") if roll < 0.03 else (429, "WARNING") if roll < 0.08 else (200, "INFO")
            lines.append(
                json.dumps(
                    {
                        "level": level,
                        "msg": "request",
                        "method": "GET",
                        "path": path,
                        "status": status,
                        "duration_ms": round(self._rng.uniform(2, 180), 1),
                        "logger": "app.access",
                    }
                )
            )
        self._put(when, lines)

    def crashed(self, when: datetime, behaviour: str) -> None:
        if behaviour == "oom":
            lines = [
                json.dumps({"level": "WARNING", "msg": "memory usage at 97% of limit", "logger": "app.runtime"}),
                "Killed",
            ]
        else:
            lines = [
                json.dumps({"level": "ERROR", "msg": "unhandled exception during start-up", "logger": "app.main"}),
                "Traceback (most recent call last):",
                '  File "/app/main.py", line 42, in <module>',
                "    app = create_app(settings)",
                '  File "/app/factory.py", line 17, in create_app',
                '    raise RuntimeError("required setting FEATURE_FLAGS_URL is not set")',
                "RuntimeError: required setting FEATURE_FLAGS_URL is not set",
            ]
        self._put(when, lines)

    def stopping(self, when: datetime) -> None:
        self._put(
            when,
            [
                json.dumps(
                    {"level": "INFO", "msg": "received SIGTERM, shutting down gracefully", "logger": "app.server"}
                )
            ],
        )
