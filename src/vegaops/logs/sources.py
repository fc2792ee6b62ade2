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
    # FireLens to CloudWatch: the stream name with "{task}" where the task id goes ("app-web-firelens-{task}",
    # "{task}"), or a fixed name shared by every task (no "{task}": no task mapping)
    template: str | None = None

    @property
    def tailable(self) -> bool:
        return self.driver in ("awslogs", "awsfirelens") and bool(self.group)

    def _parts(self) -> tuple[str, str] | None:
        """(head, tail) around the task id in this container's stream names (None: no task mapping)."""
        if self.template is not None:
            head, sep, tail = self.template.partition(TASK)
            return (head, tail) if sep else None
        return (f"{self.prefix}/{self.container}/", "") if self.prefix else None

    @property
    def stream_head(self) -> str | None:
        """What every stream of this container starts with, before the task id (None: no task mapping)."""
        parts = self._parts()
        return parts[0] if parts and parts[0] else None

    def stream_for(self, task_id: str) -> str | None:
        """The stream name of this container in a task (None when streams do not name tasks)."""
        parts = self._parts()
        return parts[0] + task_id + parts[1] if parts else None

    def matches(self, stream: str) -> str | None:
        """The task id when ``stream`` belongs to this container, else None."""
        parts = self._parts()
        if parts is None:
            if self.template is not None:  # one fixed stream for every task: no task mapping
                return stream if stream == self.template else None
            return stream  # awslogs without a prefix names streams by container id: no task mapping
        head, tail = parts
        if not stream.startswith(head) or not stream.endswith(tail) or len(stream) <= len(head) + len(tail):
            return None
        return stream[len(head) : len(stream) - len(tail)] if tail else stream[len(head) :]


TASK = "{task}"


def _fill(text: str, container: str, cluster: str | None) -> str | None:
    """Fluent Bit's ECS record templating with what is known for every task; the task id stays a
    placeholder. None when something per-record (another ``$(...)``) remains: no fixed name to tail."""
    import re

    out = text.replace("$(ecs_task_id)", TASK).replace("$(container_name)", container)
    out = out.replace("$(ecs_container_name)", container)
    if cluster:
        out = out.replace("$(ecs_cluster)", cluster)
    return None if re.search(r"\$\(|\$\{", out) else out


def _firelens_cloudwatch(
    service: str, name: str, options: dict[str, str], default_region: str | None, cluster: str | None
) -> LogSource | None:
    """A FireLens output to CloudWatch Logs as a tailable source (None: not CloudWatch, or a group that
    depends on each record)."""
    if options.get("Name", "").lower() not in FIRELENS_CLOUDWATCH:
        return None
    group = _fill(options.get("log_group_name", ""), name, cluster)
    if not group or TASK in group:
        return None
    prefix = options.get("log_stream_prefix") or None
    fixed = options.get("log_stream_name") or None
    if fixed:
        template = _fill(fixed, name, cluster)
        if template is None:
            return None
    elif prefix:  # Fluent Bit names the stream prefix + tag; FireLens tags <container>-firelens-<task id>
        template = f"{prefix}{name}-firelens-{TASK}"
    else:
        return None
    return LogSource(
        service,
        name,
        "awsfirelens",
        group=group,
        region=options.get("region") or default_region,
        prefix=prefix,
        template=template,
    )


def _destination(driver: str, options: dict[str, Any], container: dict[str, Any]) -> str:
    parts = [f"{k}={options[k]}" for k in _DESTINATION_KEYS if k in options]
    if driver == "awsfirelens":
        return "FireLens (" + (", ".join(parts) or "router configured in the log router container") + ")"
    if driver == "none":
        return "logging disabled (no log configuration)"
    return f"{driver} driver" + (f" ({', '.join(parts)})" if parts else "")


def discover(
    service: str, task_definition: dict[str, Any], default_region: str | None = None, cluster: str | None = None
) -> list[LogSource]:
    """One source per container of a described task definition (the API's ``taskDefinition`` object);
    ``cluster`` fills FireLens's ``$(ecs_cluster)`` in CloudWatch group and stream names."""
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
        elif driver == "awsfirelens" and (fl := _firelens_cloudwatch(service, name, options, default_region, cluster)):
            out.append(fl)
        else:
            out.append(LogSource(service, name, driver, destination=_destination(driver, options, c)))
    return out


def task_id(task_arn: str) -> str:
    return task_arn.rsplit("/", 1)[-1]
