"""Why a task stopped, or why a service cannot start tasks: one classification for deploy and debug.

Pure functions over what ECS says (a task's stopCode, stoppedReason, each container's exitCode/reason and
health, the essential flags of its task definition, the last log lines; a service event message), so the
deploy watch's fail-fast and ``vegaops debug`` name the same cause with the same words.

Order matters and follows how ECS really stops tasks:

1. The scheduler's own reasons first: a task that failed its **ELB health checks** or its **container
   health checks** is stopped by ECS, and its containers then show SIGKILL (exit 137) or SIGTERM (143).
   Exit 137 is therefore *not* out of memory unless a reason says ``OutOfMemory``.
2. Start-up failures (``ResourceInitializationError``, ``CannotPullContainerError``,
   ``CannotStartContainerError``), split by what the message says: a network path that times out (NAT,
   VPC endpoints, security groups), access denied (the execution role, KMS), a secret or parameter that
   does not exist, an image that does not exist, a platform mismatch.
3. Then the containers: out of memory (only when a reason says so), a killed container, an essential
   application container or an essential *sidecar* that exits.
4. Reasons that are not failures (scale-in, a user's stop, a deployment replacing tasks) give ``None``;
   Spot interruptions are causes but not deterministic ones (a fail-fast must not count them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vegaops.cmdline import prog

# Kinds (stable: they are in --output json and in the tests).
ELB_HEALTH = "elb-health"
CONTAINER_HEALTH = "container-health"
NETWORK = "network"
SECRET_MISSING = "secret-missing"
SECRET_DENIED = "secret-denied"
SECRET_INVALID = "secret-invalid"
SECRETS = "secrets"  # a secret could not be fetched and the message does not say why
REGISTRY_DENIED = "registry-auth-denied"
IMAGE_NOT_FOUND = "image-not-found"
IMAGE_DENIED = "image-pull-denied"
RATE_LIMITED = "registry-rate-limited"
IMAGE_PULL = "image-pull"  # the pull failed and the message does not say why
PLATFORM = "platform"
RESOURCES = "cpu-memory"
PLACEMENT = "placement"
LOGGING = "log-config"
ENV_FILES = "env-files"
ROLE = "execution-role"
DISK = "disk-full"
START = "start-failed"
OOM = "oom"
KILLED = "killed"
CRASH = "crash"
SIDECAR = "sidecar"
INTERRUPTED = "interrupted"

KINDS = (
    ELB_HEALTH,
    CONTAINER_HEALTH,
    NETWORK,
    SECRET_MISSING,
    SECRET_DENIED,
    SECRET_INVALID,
    SECRETS,
    REGISTRY_DENIED,
    IMAGE_NOT_FOUND,
    IMAGE_DENIED,
    RATE_LIMITED,
    IMAGE_PULL,
    PLATFORM,
    RESOURCES,
    PLACEMENT,
    LOGGING,
    ENV_FILES,
    ROLE,
    DISK,
    START,
    OOM,
    KILLED,
    CRASH,
    SIDECAR,
    INTERRUPTED,
)

# Containers that are sidecars by convention when the task definition does not tell (no app container known).
_SIDECAR_NAMES = (
    "log_router",
    "log-router",
    "logrouter",
    "firelens",
    "fluent",
    "datadog",
    "dd-agent",
    "envoy",
    "xray",
    "x-ray",
    "otel",
    "adot",
    "cloudwatch-agent",
    "cwagent",
    "newrelic",
    "splunk",
    "appmesh",
)

_NETWORK_MARKERS = (
    "i/o timeout",
    "dial tcp",
    "context deadline exceeded",
    "client.timeout",
    "request canceled",
    "requestcanceled",
    "send request failed",
    "requesterror",
    "connection timed out",
    "connect: connection refused",
    "no such host",
    "tls handshake timeout",
    "network is unreachable",
    "connection reset",
    "check your task network configuration",
)
_DENIED_MARKERS = (
    "accessdenied",
    "access denied",
    "not authorized to perform",
    "access to kms is not allowed",
    "403 forbidden",
    "401 unauthorized",
    "pull access denied",
    "no basic auth credentials",
    "denied: requested access",
    "unauthorized: authentication required",
    "kms.kmsaccessdenied",
)
_MISSING_SECRET_MARKERS = (
    "resourcenotfoundexception",
    "can't find the specified secret",
    "can’t find the specified secret",
    "parameternotfound",
    "invalid ssm parameters",
    "invalidparameters",
    "secret not found",
)
_INVALID_SECRET_MARKERS = (
    "invalid character",
    "json key",
    "jsonkey",
    "did not contain",
    "unexpected end of json",
    "cannot unmarshal",
    "version stage",
    "versionstage",
)
_PLATFORM_MARKERS = (
    "exec format error",
    "no matching manifest for",
    "no match for platform",
    "does not contain descriptor matching platform",
    "image manifest does not contain descriptor",
    "platform (linux/",
    "does not match the detected host platform",
)
_RESOURCE_MARKERS = (
    "no fargate configuration exists",
    "fargate requires that 'cpu'",
    "fargate requires that 'memory'",
    "is greater than for the task",
    "invalid 'cpu' setting",
    "invalid 'memory' setting",
    "invalid cpu or memory",
    "at least one of 'memory' or 'memoryreservation'",
    "resource requirements",
)
_NOT_FAILURES = (
    "scaling activity initiated",
    "task stopped by user",
    "stopped by user",
    "deployment",  # "ECS deployment ... stopped" / replaced by a newer deployment
    "service was deleted",
    "taskset",
)


@dataclass(frozen=True)
class ContainerState:
    """One container of a stopped task, as DescribeTasks and its task definition tell it."""

    name: str
    exit_code: int | None = None
    reason: str | None = None
    essential: bool | None = None  # from the task definition; None: not known
    sidecar: bool = False  # not the application container
    health: str | None = None  # HEALTHY | UNHEALTHY | UNKNOWN

    @property
    def role(self) -> str:
        if self.sidecar:
            return "essential sidecar" if self.essential is not False else "sidecar (non-essential)"
        return "container"

    def label(self) -> str:
        return f"{self.role} {self.name}"


@dataclass(frozen=True)
class TaskStop:
    """What ECS says about one stopped task."""

    stop_code: str | None = None
    stopped_reason: str | None = None
    containers: tuple[ContainerState, ...] = ()
    health: str | None = None  # the task's healthStatus
    log_lines: tuple[str, ...] = ()  # the last lines the task's containers wrote (optional)


@dataclass(frozen=True)
class Diagnosis:
    """A named cause: a kind, one line saying what happened, one saying why, and what to do next."""

    kind: str
    reason: str  # one line; starts with ECS's error name where there is one (fail-fast counts these)
    explanation: str  # what it means, in one line
    fix: str  # the next command or change
    container: str | None = None
    sidecar: bool = False
    deterministic: bool = True  # False: transient (Spot interruption, capacity): never a fail-fast reason
    evidence: str = ""  # the ECS text it was read from (shortened)
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reason": self.reason,
            "explanation": self.explanation,
            "fix": self.fix,
            "container": self.container,
            "sidecar": self.sidecar,
            "deterministic": self.deterministic,
            "evidence": self.evidence,
            **({"details": dict(self.extra)} if self.extra else {}),
        }


def _has(text: str, markers: Iterable[str]) -> bool:
    return any(m in text for m in markers)


def _short(text: str, limit: int = 240) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


def _secret_target(text: str) -> str:
    if "from ssm" in text or "ssm parameter" in text or ":ssm:" in text or "parameter store" in text:
        return "SSM Parameter Store"
    if "from asm" in text or "secrets manager" in text or ":secretsmanager:" in text:
        return "Secrets Manager"
    return "Secrets Manager / SSM Parameter Store"


def _named(text: str) -> str | None:
    """The secret/parameter a ResourceInitializationError names, if any."""
    return _first_match(
        text,
        (
            r"failed to fetch secret (\S+?)(?: from|:|$)",
            r"invalid ssm parameters?: ?(\S+)",
            r"on resource: (\S+?)(?: because|$)",
            r"parameter (\S+?) not found",
        ),
        ".,",
    )


def _first_match(text: str, patterns: tuple[str, ...], strip: str) -> str | None:
    """The first group of the first pattern that matches (case-insensitive), trailing ``strip`` removed."""
    for pattern in patterns:
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            return m.group(1).rstrip(strip)
    return None


def _action(text: str) -> str | None:
    m = re.search(r"not authorized to perform: (\S+)", text)
    return m.group(1) if m else None


def _image_ref(text: str) -> str | None:
    return _first_match(
        text,
        (
            r'failed to resolve ref(?:erence)? "?([^\s":]+(?::[^\s":@]+)?(?:@sha256:[0-9a-f]+)?)',
            r"manifest for (\S+) not found",
            r"pull access denied for (\S+?),",
            r"repository (\S+) not found",
            r'pull and unpack image "([^"]+)"',
        ),
        ",.:",
    )


def _network(target: str, text: str, service: str) -> Diagnosis:
    return Diagnosis(
        NETWORK,
        f"{'CannotPullContainerError' if target == 'the image registry' else 'ResourceInitializationError'}: "
        f"the task cannot reach {target} (network timeout)",
        f"the task's network has no path to {target}: a private subnet needs a NAT gateway or VPC endpoints "
        "(ecr.api, ecr.dkr, s3 for image layers, secretsmanager/ssm, logs), and its security group must allow "
        "outbound HTTPS (443); a public subnet needs assignPublicIp=ENABLED. This is not a missing secret.",
        "check the service's subnets (route to a NAT gateway or the VPC endpoints), the security group's "
        f"outbound rules and assignPublicIp; then: {prog()} deploy {service} --force",
    )


def _init_failure(text: str, low: str, service: str) -> Diagnosis | None:
    """ResourceInitializationError / CannotPullContainerError / CannotStartContainerError, by what they say."""
    pull = "cannotpullcontainer" in low
    init = "resourceinitializationerror" in low or "unable to pull secrets or registry auth" in low
    start = "cannotstartcontainer" in low or "cannotcreatecontainer" in low
    if not (pull or init or start):
        return None
    if _has(low, _PLATFORM_MARKERS):
        return _platform(text, service)
    if (init or start) and _has(
        low, ("logging driver", "logger", "log group", "log stream", "awslogs", "firelens", "logs:")
    ):
        if _has(low, _NETWORK_MARKERS):
            return _network("CloudWatch Logs", text, service)
        return Diagnosis(
            LOGGING,
            "ResourceInitializationError: the log configuration cannot be set up",
            "the task's logConfiguration points at something that does not exist or cannot be written "
            "(log group missing without awslogs-create-group, or the execution role lacks logs:CreateLogStream/"
            "logs:PutLogEvents)",
            f"create the log group (or set awslogs-create-group) and check the execution role; then: "
            f"{prog()} deploy {service} --force",
        )
    if "no space left on device" in low:
        return Diagnosis(
            DISK,
            f"{'CannotPullContainerError' if pull else 'the task'}: no space left on device",
            "the image (or what the task writes) does not fit the task's storage: Fargate ephemeral storage "
            "(20 GiB by default) or the EC2 instance's Docker volume",
            "raise ephemeralStorage.sizeInGiB in the task definition (or the instance's volume), or slim the image",
        )
    if init and ("env file" in low or "environment file" in low or "envfile" in low):
        if _has(low, _NETWORK_MARKERS):
            return _network("S3 (environmentFiles)", text, service)
        denied = _has(low, _DENIED_MARKERS)
        return Diagnosis(
            ENV_FILES,
            "ResourceInitializationError: the task's environmentFiles cannot be downloaded from S3"
            + (" (access denied)" if denied else ""),
            "an environmentFiles object in the task definition is missing, or the task execution role lacks "
            "s3:GetObject (and s3:GetBucketLocation) on it",
            "check the environmentFiles ARNs exist and grant the executionRoleArn s3:GetObject on them",
        )
    secrets_context = _has(low, ("secret", "from ssm", "ssm parameter", "from asm", "parameter store", ":ssm:"))
    if init and "ecr registry auth" in low:
        if _has(low, _DENIED_MARKERS):
            return Diagnosis(
                REGISTRY_DENIED,
                "ResourceInitializationError: the execution role may not get an ECR authorization token",
                "the task execution role lacks ecr:GetAuthorizationToken (and ecr:BatchGetImage, "
                "ecr:GetDownloadUrlForLayer)",
                "attach AmazonECSTaskExecutionRolePolicy (or those actions) to the task's executionRoleArn",
            )
        return _network("ECR (registry authentication)", text, service)
    if init and not pull and not start and secrets_context:
        target = _secret_target(low)
        name = _named(text)
        named = f" {name}" if name else ""
        if _has(low, _DENIED_MARKERS):
            action = _action(text)
            kms = "kms" in low
            return Diagnosis(
                SECRET_DENIED,
                f"ResourceInitializationError: access denied reading{named or ' a secret'} from {target}",
                "the task execution role may not read it"
                + (f" (missing {action})" if action else "")
                + ("; the secret's KMS key does not allow kms:Decrypt to the role" if kms else ""),
                "grant the task's executionRoleArn "
                + (
                    "kms:Decrypt on the secret's KMS key"
                    if kms
                    else (action or "secretsmanager:GetSecretValue / ssm:GetParameters")
                )
                + f"{' on' + named if named else ''}; then: {prog()} deploy {service} --force",
                extra={"secret": name} if name else {},
            )
        if _has(low, _MISSING_SECRET_MARKERS):
            return Diagnosis(
                SECRET_MISSING,
                f"ResourceInitializationError: secret{named} does not exist in {target}",
                "a valueFrom in the task definition names a secret/parameter that does not exist (deleted, a "
                "typo, another region or account, or deleted and recreated with a new ARN suffix)",
                f"{prog()} secret refs {service}  (create it, or point valueFrom at the existing one and redeploy)",
                extra={"secret": name} if name else {},
            )
        if _has(low, _INVALID_SECRET_MARKERS):
            return Diagnosis(
                SECRET_INVALID,
                f"ResourceInitializationError: secret{named} exists but its value does not fit the reference",
                "valueFrom asks for a JSON key, version stage or version id the secret value does not have "
                "(or the value is not JSON)",
                f"{prog()} secret refs {service}  (fix the JSON key/version in valueFrom or the secret's value)",
                extra={"secret": name} if name else {},
            )
        if _has(low, _NETWORK_MARKERS):
            return _network(target, text, service)
        return Diagnosis(
            SECRETS,
            f"ResourceInitializationError: a secret cannot be fetched from {target}",
            "ECS could not fetch a secret at start-up and did not say why: the secret may not exist, the "
            "execution role may not read it, or the network may not reach the service",
            f"{prog()} debug {service}  (checks every secret reference)",
            extra={"secret": name} if name else {},
        )
    if pull or (init and "image" in low):
        ref = _image_ref(text)
        image = f" {ref}" if ref else ""
        if "toomanyrequests" in low or "rate limit" in low or "429" in low:
            return Diagnosis(
                RATE_LIMITED,
                f"CannotPullContainerError: the registry rate-limits pulls of{image or ' the image'}",
                "Docker Hub limits anonymous pulls per IP; tasks behind one NAT address share the limit",
                "mirror the image to ECR (or a pull-through cache) and deploy that",
                extra={"image": ref} if ref else {},
            )
        if _has(low, _DENIED_MARKERS):
            return Diagnosis(
                IMAGE_DENIED,
                f"CannotPullContainerError: the registry refused to serve{image or ' the image'}",
                "the execution role may not pull it (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, a repository "
                "policy for another account), or a private registry needs repositoryCredentials",
                f"check the repository policy and the task execution role; {prog()} image list to see what exists",
                extra={"image": ref} if ref else {},
            )
        if _has(low, _NETWORK_MARKERS) or "api error (500)" in low:
            return _network("the image registry", text, service)
        if "not found" in low or "manifest unknown" in low or "404" in low or "does not exist" in low:
            return Diagnosis(
                IMAGE_NOT_FOUND,
                f"CannotPullContainerError: image{image} does not exist in the registry",
                "the tag or digest in the task definition is not in the repository (never pushed, a typo, "
                "deleted by a lifecycle policy, or a digest that belongs to another tag)",
                f"{prog()} image list  (then deploy an existing tag, or {prog()} rollback {service})",
                extra={"image": ref} if ref else {},
            )
        return Diagnosis(
            IMAGE_PULL,
            f"CannotPullContainerError: the image{image} cannot be pulled",
            "the image pull failed; the message does not say whether it is missing, denied or unreachable",
            f"{prog()} image list  (or {prog()} rollback {service})",
            extra={"image": ref} if ref else {},
        )
    if start:
        if "executable file not found" in low or "no such file or directory" in low:
            m = re.search(r'exec: \\?"([^"\\]+)', text)
            what = f" ({m.group(1)})" if m else ""
            return Diagnosis(
                START,
                f"CannotStartContainerError: the command to run does not exist in the image{what}",
                "the container's entryPoint/command names a program or file the image does not have (a command "
                "given as one string instead of a list, a wrong path, or a volume mounted over it)",
                "fix command/entryPoint in the task definition (one list item per argument), or the image",
            )
        if "already allocated" in low or "address already in use" in low:
            return Diagnosis(
                START,
                "CannotStartContainerError: the host port is already in use",
                "another container on the instance holds the fixed hostPort (bridge/host networking)",
                "use dynamic host ports (hostPort 0) or awsvpc networking",
            )
        return Diagnosis(
            START,
            f"CannotStartContainerError: {_short(text, 160)}",
            "the container runtime could not start the container (entrypoint/command not found, a host port "
            "already in use, a bad mount)",
            "check the task definition's command, entryPoint, ports and mounts",
        )
    return Diagnosis(
        START,
        f"ResourceInitializationError: {_short(text, 160)}",
        "ECS could not set up the task's resources before starting it",
        f"{prog()} debug {service}",
    )


def _platform(text: str, service: str) -> Diagnosis:
    return Diagnosis(
        PLATFORM,
        "the image was built for another CPU architecture or OS (exec format error / no matching manifest)",
        "the task runs on one platform (runtimePlatform.cpuArchitecture, X86_64 by default) and the image holds "
        "binaries for another (typically an arm64 image built on an Apple-silicon laptop)",
        "rebuild with docker buildx --platform linux/amd64 (or a multi-arch image), or set the task definition's "
        f"runtimePlatform to match; then deploy again (or {prog()} rollback {service})",
        evidence=_short(text),
    )


def classify_message(text: str, service: str = "SERVICE") -> Diagnosis | None:
    """Classify one ECS message (a stop reason, a container reason, a service event, an API error)."""
    if not text:
        return None
    low = text.lower()
    if "unable to place a task" in low or "unable to place task" in low:
        return _placement(text, low)
    if "elb health check" in low or re.search(r"is unhealthy in \(?target-group", low):
        return Diagnosis(
            ELB_HEALTH,
            "tasks failed the load balancer (ELB) health checks",
            "ECS stops a task its target group reports unhealthy; its containers then show exit 137/143 "
            "because ECS killed them, not because they ran out of memory",
            f"{prog()} health {service}  (does the health check path answer 200 on the container port, within the "
            "grace period? does the task's security group allow the load balancer?)",
            evidence=_short(text),
        )
    if "container health check" in low:
        return Diagnosis(
            CONTAINER_HEALTH,
            "tasks failed their container health checks",
            "an essential container's healthCheck command kept failing, so ECS replaced the task",
            f"{prog()} logs tail {service} --since 30m  (and check the healthCheck command, its startPeriod and "
            "that the tool it runs, e.g. curl, exists in the image)",
            evidence=_short(text),
        )
    if "unable to assume the role" in low or "unable to assume role" in low:
        m = re.search(r"assume the role '([^']+)'", text)
        return Diagnosis(
            ROLE,
            "ECS cannot assume the task's role" + (f" {m.group(1)}" if m else ""),
            "the executionRoleArn/taskRoleArn does not exist, its trust policy does not allow "
            "ecs-tasks.amazonaws.com, or the deployer lacks iam:PassRole on it",
            "fix the role's trust relationship (Principal ecs-tasks.amazonaws.com) or the ARN in the task "
            "definition; grant iam:PassRole to whoever deploys",
            evidence=_short(text),
        )
    if "network interface provisioning" in low or "no available ip" in low or "insufficient free addresses" in low:
        return Diagnosis(
            NETWORK,
            "the task's network interface could not be provisioned",
            "the service's subnets have no free IP addresses (or the account hit its ENI limit)",
            "give the service larger or more subnets, or free addresses in them",
            evidence=_short(text),
        )
    if _has(low, _RESOURCE_MARKERS):
        return Diagnosis(
            RESOURCES,
            "the task definition's CPU/memory combination is not valid",
            "Fargate accepts only fixed cpu/memory pairs (e.g. 256 CPU with 512-2048 MiB), both must be set at the "
            "task level, and no container may reserve more than the task",
            "set a valid cpu/memory pair in the task definition "
            "(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html)",
            evidence=_short(text),
        )
    found = _init_failure(text, low, service)
    if found is not None:
        return _with_evidence(found, text)
    if _has(low, _PLATFORM_MARKERS):
        return _platform(text, service)
    if "outofmemory" in low or "out of memory" in low:
        return Diagnosis(
            OOM,
            "OutOfMemoryError: container killed for exceeding its memory",
            "the container used more memory than its hard limit (container memory, or the task's memory)",
            f"{prog()} logs tail {service} --since 30m  (then raise memory in the task definition, or "
            f"{prog()} rollback {service})",
            evidence=_short(text),
        )
    return None


def _with_evidence(d: Diagnosis, text: str) -> Diagnosis:
    if d.evidence:
        return d
    return Diagnosis(
        d.kind, d.reason, d.explanation, d.fix, d.container, d.sidecar, d.deterministic, _short(text), d.extra
    )


def _placement(text: str, low: str) -> Diagnosis:
    detail = "no container instance has room for the task"
    fix = "add capacity (scale the Auto Scaling group / capacity provider) or lower the task's cpu/memory"
    deterministic = True
    if "no container instances were found" in low:
        detail = "the cluster (or capacity provider) has no container instances registered"
        fix = "start EC2 capacity (check the Auto Scaling group and that instances join the cluster) or use FARGATE"
    elif "capacity is unavailable" in low:
        detail = "AWS has no Fargate/EC2 capacity of that kind in the subnet's availability zone right now"
        fix = "give the service subnets in more availability zones, or retry later"
        deterministic = False
    elif "already using a port" in low:
        detail = "a fixed hostPort is already taken on every instance (bridge/host networking)"
        fix = "use dynamic host ports (hostPort 0) or awsvpc networking, or add instances"
    elif "missing an attribute" in low:
        detail = "no instance has an attribute the task requires (platform, network mode, a capability or constraint)"
        fix = f"compare requiresAttributes/placementConstraints with the instances ({prog()} status, AWS console)"
    elif "insufficient memory" in low or "enough memory" in low:
        detail = "no instance has enough free memory for the task's reservation"
    elif "insufficient cpu" in low or "enough cpu" in low:
        detail = "no instance has enough free CPU units for the task's reservation"
    elif "reached the limit on the number of tasks" in low:
        detail = "the account's quota of concurrently running tasks is reached"
        fix = "request a Service Quotas increase, or stop unused tasks"
    return Diagnosis(
        PLACEMENT,
        f"ECS cannot place a task: {detail}",
        "the scheduler found nowhere to run the task, so no task even starts",
        fix,
        deterministic=deterministic,
        evidence=_short(text),
    )


def classify_event(message: str, service: str = "SERVICE") -> Diagnosis | None:
    """A cause from one service event, or None for ordinary events (started, registered, steady state)."""
    low = message.lower()
    if "unable to place a task" in low or "unable to place task" in low:
        return _placement(message, low)
    if re.search(r"is unhealthy in \(?target-group", low) or "elb health check" in low:
        return classify_message(message, service)
    if _has(low, _RESOURCE_MARKERS) or "unable to assume" in low or "failed to launch a task" in low:
        return classify_message(message, service) or Diagnosis(
            START,
            f"ECS failed to launch a task: {_short(message, 160)}",
            "ECS could not launch the task (see the error in the event)",
            f"{prog()} debug {service}",
            evidence=_short(message),
        )
    return None


def _failed_containers(task: TaskStop) -> list[ContainerState]:
    bad = [c for c in task.containers if c.exit_code not in (None, 0) or (c.reason and c.reason.strip())]
    # essential ones first: they are what stopped the task
    return sorted(bad, key=lambda c: (c.essential is False, c.sidecar))


def classify_task(task: TaskStop, service: str = "SERVICE") -> Diagnosis | None:
    """The cause of one stopped task, or None when it was stopped on purpose (scale-in, a user, a deployment)."""
    reason = task.stopped_reason or ""
    low = reason.lower()
    code = task.stop_code or ""
    codes = ", ".join(f"{c.name}={c.exit_code}" for c in task.containers if c.exit_code is not None)

    # 1. the scheduler stopped it for failing health checks: exit codes are ECS's SIGKILL, not the cause
    if "elb health check" in low:
        d = classify_message(reason, service)
        assert d is not None
        return _with_evidence(d, reason + (f" (exit codes {codes}: ECS stopped the containers)" if codes else ""))
    unhealthy = [c for c in task.containers if (c.health or "").upper() == "UNHEALTHY" and c.essential is not False]
    if "container health check" in low or (
        unhealthy and code == "ServiceSchedulerInitiated" and not _has(low, ("scaling activity", "deployment"))
    ):
        who = unhealthy[0] if unhealthy else None
        d = classify_message("Task failed container health checks", service)
        assert d is not None
        return Diagnosis(
            d.kind,
            d.reason + (f" ({who.label()})" if who else ""),
            d.explanation,
            d.fix,
            container=who.name if who else None,
            sidecar=bool(who and who.sidecar),
            evidence=_short(reason),
        )

    # 2. start-up failures, from the task's or a container's reason
    texts = [reason, *(c.reason or "" for c in task.containers)]
    for c, text in zip((None, *task.containers), texts, strict=True):
        found = _init_failure(text, text.lower(), service) if text else None
        if found is not None:
            found = _with_evidence(found, text)
            if c is not None:
                found = _on_container(found, c)
            return found
    if code == "SpotInterruption" or ("spot" in low and "interrupt" in low) or code == "TerminationNotice":
        return Diagnosis(
            INTERRUPTED,
            f"the task was interrupted ({code or reason})",
            "Fargate Spot reclaimed the capacity, or the host is being retired; not a fault of the deployment",
            "nothing to fix; use FARGATE for tasks that must not be interrupted",
            deterministic=False,
            evidence=_short(reason),
        )

    # 3. the containers
    logs = " ".join(task.log_lines).lower()
    for c in _failed_containers(task):
        r = (c.reason or "").lower()
        if "outofmemory" in r or "out of memory" in r:
            return Diagnosis(
                OOM,
                f"OutOfMemoryError: {c.label()} killed for exceeding its memory (exit {c.exit_code})",
                "the container used more memory than its hard limit (container memory, or the task's memory)",
                f"{prog()} logs tail {service} --since 30m  (then raise its memory in the task definition, or "
                f"{prog()} rollback {service})",
                container=c.name,
                sidecar=c.sidecar,
                evidence=_short(f"{reason}; {c.name}: {c.reason}"),
            )
    if "outofmemory" in low:
        return classify_message(reason, service)
    if _has(logs, _PLATFORM_MARKERS) or any(_has((c.reason or "").lower(), _PLATFORM_MARKERS) for c in task.containers):
        d = _platform(" ".join(task.log_lines) or reason, service)
        return _on_container(d, _failed_containers(task)[0]) if _failed_containers(task) else d
    essential_exit = code == "EssentialContainerExited" or "essential container" in low
    if essential_exit or code == "TaskFailedToStart":
        # The container that stopped the task exited on its own; the others were then stopped by ECS (SIGTERM
        # then SIGKILL: 143/137). So an essential container with another exit code goes first.
        failed = sorted(
            (c for c in _failed_containers(task) if c.exit_code not in (None, 0)),
            key=lambda c: (c.essential is False, c.exit_code in (137, 143)),
        )
        stopped_it = failed[0] if failed else None
        if stopped_it is None:
            zero = next((c for c in task.containers if c.exit_code == 0 and c.essential is not False), None)
            if zero is not None and essential_exit:
                return Diagnosis(
                    SIDECAR if zero.sidecar else CRASH,
                    f"essential {('sidecar ' if zero.sidecar else 'container ')}{zero.name} exited with code 0",
                    "its main process finished; a service's essential containers must keep running",
                    "check the container's command (it must not exit), or mark a one-shot sidecar essential=false",
                    container=zero.name,
                    sidecar=zero.sidecar,
                    evidence=_short(reason),
                )
            if essential_exit:
                return Diagnosis(
                    CRASH,
                    "essential container exited",
                    "an essential container stopped; ECS did not report which one or its exit code",
                    f"{prog()} logs tail {service} --since 30m",
                    evidence=_short(reason),
                )
            known = classify_message(reason, service)
            if known is not None:
                return known
            return Diagnosis(
                START,
                f"task failed to start: {_short(reason, 160)}" if reason else "task failed to start",
                "ECS could not start the task",
                f"{prog()} debug {service}",
                evidence=_short(reason),
            )
        return _exited(stopped_it, reason, task, service)
    return None


def _on_container(d: Diagnosis, c: ContainerState) -> Diagnosis:
    reason = d.reason if not c.sidecar else f"{d.reason} ({c.label()})"
    return Diagnosis(
        d.kind, reason, d.explanation, d.fix, c.name, c.sidecar, d.deterministic, d.evidence, dict(d.extra)
    )


def _exited(c: ContainerState, reason: str, task: TaskStop, service: str) -> Diagnosis:
    code = c.exit_code
    last = next((line for line in reversed(task.log_lines) if line.strip()), "")
    evidence = _short(f"{reason}; {c.name} exit {code}" + (f"; last log: {last}" if last else ""))
    if code == 137:
        return Diagnosis(
            KILLED,
            f"{'essential sidecar' if c.sidecar else 'essential container'} {c.name} was killed (SIGKILL, exit 137)",
            "SIGKILL without an OutOfMemoryError reason is not out of memory: the process was killed (it ignored "
            "SIGTERM for stopTimeout, or something in the container killed it)",
            f"{prog()} logs tail {service} --since 30m",
            container=c.name,
            sidecar=c.sidecar,
            evidence=evidence,
        )
    what = {139: "a segmentation fault (SIGSEGV)", 143: "SIGTERM", 134: "an abort (SIGABRT)"}.get(code or 0)
    if c.sidecar:
        return Diagnosis(
            SIDECAR,
            f"essential sidecar {c.name} exited with code {code}" + (f" ({what})" if what else ""),
            f"the sidecar {c.name} is essential, so its exit stopped the task and the application with it",
            f"{prog()} logs tail {service} --since 30m  (check {c.name}'s configuration and image; a sidecar that "
            "may fail without taking the task down can be marked essential=false)",
            container=c.name,
            sidecar=True,
            evidence=evidence,
        )
    return Diagnosis(
        CRASH,
        f"essential container {c.name} exited with code {code}" + (f" ({what})" if what else ""),
        "the application exits on start-up or soon after (a crash, a missing setting, a failed connection)",
        f"{prog()} logs tail {service} --deployment current --since 30m  (or {prog()} rollback {service})",
        container=c.name,
        sidecar=False,
        evidence=evidence,
    )


def is_sidecar(name: str, app_container: str | None, definition: Mapping[str, Any] | None = None) -> bool:
    """Is this container a sidecar? The configured app container decides; else the task definition's hints."""
    if app_container:
        return name != app_container
    if definition is not None:
        if definition.get("firelensConfiguration"):
            return True
        if definition.get("essential") is False:
            return True
    low = name.lower()
    return any(hint in low for hint in _SIDECAR_NAMES)


def task_from_api(
    task: Mapping[str, Any],
    task_definition: Mapping[str, Any] | None = None,
    app_container: str | None = None,
    log_lines: Sequence[str] = (),
) -> TaskStop:
    """A ``TaskStop`` from DescribeTasks' task (and its task definition, for essential/sidecar)."""
    defs = {str(d.get("name")): d for d in (task_definition or {}).get("containerDefinitions", []) or []}
    several = len(task.get("containers", []) or []) > 1 or len(defs) > 1
    containers = []
    for c in task.get("containers", []) or []:
        name = str(c.get("name", ""))
        definition = defs.get(name)
        essential = definition.get("essential", True) if definition is not None else None
        containers.append(
            ContainerState(
                name=name,
                exit_code=c.get("exitCode"),
                reason=c.get("reason"),
                essential=bool(essential) if essential is not None else None,
                sidecar=several and is_sidecar(name, app_container, definition),
                health=c.get("healthStatus"),
            )
        )
    return TaskStop(
        stop_code=task.get("stopCode"),
        stopped_reason=task.get("stoppedReason"),
        containers=tuple(containers),
        health=task.get("healthStatus"),
        log_lines=tuple(log_lines),
    )


def not_a_failure(task: TaskStop) -> bool:
    """Stopped on purpose: scale-in, a user, a newer deployment replacing it."""
    low = (task.stopped_reason or "").lower()
    return task.stop_code == "UserInitiated" or (
        task.stop_code in (None, "ServiceSchedulerInitiated") and _has(low, _NOT_FAILURES)
    )
