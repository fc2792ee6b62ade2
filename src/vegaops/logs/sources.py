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


# Fluent Bit output plugins that write to CloudWatch Logs (``cloudwatch`` is the older Go plugin).
FIRELENS_CLOUDWATCH = ("cloudwatch", "cloudwatch_logs")


@dataclass(frozen=True)
class LogSource:
    service: str  # the service key the user named
    container: str
    driver: str  # awslogs | awsfirelens | splunk | ... | none
    group: str | None = None
    region: str | None = None
    prefix: str | None = None  # awslogs-stream-prefix, or FireLens's log_stream_prefix
    destination: str | None = None  # where the logs go when not tailable
    stream: str | None = None  # FireLens log_stream_name: one fixed stream for every task

    @property
    def tailable(self) -> bool:
        return self.driver in ("awslogs", "awsfirelens") and bool(self.group)

    @property
    def stream_head(self) -> str | None:
        """What every stream of this container starts with, before the task id (None: no task mapping)."""
        if not self.prefix:
            return None
        if self.driver == "awsfirelens":  # FireLens tags records <container>-firelens-<task id>
            return f"{self.prefix}{self.container}-firelens-"
        return f"{self.prefix}/{self.container}/"

    def stream_for(self, task_id: str) -> str | None:
        """The stream name of this container in a task (None when streams do not name tasks)."""
        head = self.stream_head
        return head + task_id if head else None

    def matches(self, stream: str) -> str | None:
        """The task id when ``stream`` belongs to this container, else None."""
        if self.stream is not None:
            return stream if stream == self.stream else None  # one shared stream: no task mapping
        head = self.stream_head
        if head is None:
            return stream  # awslogs without a prefix names streams by container id: no task mapping
        return stream[len(head) :] if stream.startswith(head) else None


def _firelens_cloudwatch(
    service: str, name: str, options: dict[str, str], default_region: str | None
) -> LogSource | None:
    """A FireLens output to CloudWatch Logs with a fixed group, as a tailable source (None otherwise)."""
    if options.get("Name", "").lower() not in FIRELENS_CLOUDWATCH:
        return None
    group = options.get("log_group_name", "")
    if not group or "$(" in group or "${" in group:
        return None  # templated per record (log_group_template / $(ecs_task_id)): no fixed group to tail
    prefix = options.get("log_stream_prefix") or None
    stream = options.get("log_stream_name") or None
    if stream and ("$(" in stream or "${" in stream):
        stream = None
    return LogSource(
        service,
        name,
        "awsfirelens",
        group=group,
        region=options.get("region") or default_region,
        prefix=prefix if not stream else None,
        stream=stream,
    )


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
        elif driver == "awsfirelens" and (fl := _firelens_cloudwatch(service, name, options, default_region)):
            out.append(fl)
        else:
            out.append(LogSource(service, name, driver, destination=_destination(driver, options, c)))
    return out


def task_id(task_arn: str) -> str:
    return task_arn.rsplit("/", 1)[-1]
