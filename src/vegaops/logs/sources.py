"""Where a service's logs are: from the live task definition's log configuration, per container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Options of other log drivers that say where the logs go (never credentials or tokens).
_DESTINATION_KEYS = (
    "Name",
    "splunk-url",
    "splunk-index",
    "splunk-source",
    "syslog-address",
    "fluentd-address",
    "gelf-address",
    "awslogs-group",
    "log_group_name",
    "region",
    "dd_service",
    "dd_source",
    "delivery_stream",
    "bucket",
    "Host",
    "host",
    "index",
)


@dataclass(frozen=True)
class LogSource:
    service: str  # the service key the user named
    container: str
    driver: str  # awslogs | awsfirelens | splunk | ... | none
    group: str | None = None
    region: str | None = None
    prefix: str | None = None
    destination: str | None = None  # where the logs go when not tailable

    @property
    def tailable(self) -> bool:
        return self.driver == "awslogs" and bool(self.group)

    def stream_for(self, task_id: str) -> str | None:
        """The awslogs stream name of this container in a task (None without a stream prefix)."""
        return f"{self.prefix}/{self.container}/{task_id}" if self.prefix else None

    def matches(self, stream: str) -> str | None:
        """The task id when ``stream`` belongs to this container, else None."""
        if not self.prefix:
            return stream  # awslogs without a prefix names streams by container id: no task mapping
        head = f"{self.prefix}/{self.container}/"
        return stream[len(head) :] if stream.startswith(head) else None


def _destination(driver: str, options: dict[str, Any], container: dict[str, Any]) -> str:
    parts = [f"{k}={options[k]}" for k in _DESTINATION_KEYS if k in options]
    if driver == "awsfirelens":
        return "FireLens (" + (", ".join(parts) or "router configured in the log router container") + ")"
    if driver == "none":
        return "logging disabled (no log configuration)"
    return f"{driver} driver" + (f" ({', '.join(parts)})" if parts else "")


def discover(service: str, task_definition: dict[str, Any], default_region: str | None = None) -> list[LogSource]:
    """One source per container of a described task definition (the API's ``taskDefinition`` object)."""
    out: list[LogSource] = []
    for c in task_definition.get("containerDefinitions", []):
        name = str(c.get("name", ""))
        config = c.get("logConfiguration") or {}
        driver = str(config.get("logDriver") or "none")
        options = {str(k): str(v) for k, v in (config.get("options") or {}).items()}
        if driver == "awslogs" and options.get("awslogs-group"):
            out.append(
                LogSource(
                    service,
                    name,
                    driver,
                    group=options["awslogs-group"],
                    region=options.get("awslogs-region") or default_region,
                    prefix=options.get("awslogs-stream-prefix") or None,
                )
            )
        else:
            out.append(LogSource(service, name, driver, destination=_destination(driver, options, c)))
    return out


def task_id(task_arn: str) -> str:
    return task_arn.rsplit("/", 1)[-1]
