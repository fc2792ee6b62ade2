"""The least-privilege IAM policy of each command: one table, printed by ``vegaops iam-policy``.

``required`` actions are the minimum a command needs to give its answer (for a deploy: resolve the image,
register the revision, UpdateService, DescribeServices, the deploy lock). ``optional`` actions are
enrichment: without them the command still gives the same verdict and exit code, says once on stderr what
it skipped, and each entry says what it adds. A test runs every command on the sandbox with call counting
and checks that each AWS operation it called is in its row here, so the table cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class CommandPolicy:
    command: str
    summary: str
    required: tuple[str, ...]
    optional: dict[str, str] = field(default_factory=dict)  # action -> what it adds
    notes: tuple[str, ...] = ()

    def actions(self, required_only: bool = False) -> list[str]:
        return sorted(set(self.required) | (set() if required_only else set(self.optional)))


_LOCK = ("ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameters")  # the deploy lock parameter
_WATCH_OPTIONAL = {
    "ecs:ListServiceDeployments": "the service deployment's own status (rollback and alarm detection sooner); "
    "blue/green, linear and canary: the lifecycle stage, traffic weights, hooks and --wait-until",
    "ecs:DescribeServiceDeployments": "the service deployment's own status (rollback and alarm detection sooner); "
    "blue/green, linear and canary: the lifecycle stage, traffic weights, hooks and --wait-until",
    "ecs:ListTasks": "fail-fast: stopped tasks of the new deployment and why they stopped",
    "ecs:DescribeTasks": "fail-fast: stopped tasks of the new deployment and why they stopped",
    "logs:GetLogEvents": "the last log lines of a dying task",
    "elasticloadbalancing:DescribeTargetHealth": "waits for the new tasks' targets to be healthy",
}
_SECRET_CHECK = {
    "ssm:GetParameters": "whether each SSM valueFrom resolves",
    "secretsmanager:DescribeSecret": "whether each Secrets Manager valueFrom resolves",
    "secretsmanager:GetSecretValue": "checks that a valueFrom's JSON key exists in the secret",
}
_FIND_SERVICES = {
    "ecs:ListServices": "finds the services (and task definitions) that reference the secret",
    "ecs:DescribeServices": "finds the services (and task definitions) that reference the secret",
    "ecs:DescribeTaskDefinition": "finds the services (and task definitions) that reference the secret",
}

_SCHEDULES_READ = {
    "scheduler:ListSchedules": "EventBridge Scheduler schedules that run the environment's tasks",
    "scheduler:GetSchedule": "each such schedule's target (task definition, network, input)",
    "events:ListRules": "EventBridge rules on a schedule",
    "events:ListTargetsByRule": "the rules' ECS targets",
}
_SCHEDULES_FOLLOW = {
    **_SCHEDULES_READ,
    "scheduler:UpdateSchedule": "scheduled tasks follow the deploy to the new revision (schedules_follow)",
    "events:PutTargets": "rule targets follow the deploy to the new revision (schedules_follow)",
}

POLICIES: dict[str, CommandPolicy] = {
    p.command: p
    for p in (
        CommandPolicy(
            "deploy",
            "deploy an image tag: new task definition revision, UpdateService, watch until the verdict",
            (
                "ecr:DescribeRepositories",
                "ecr:DescribeImages",
                "ecs:DescribeServices",
                "ecs:DescribeTaskDefinition",
                "ecs:RegisterTaskDefinition",
                "ecs:UpdateService",
                "ecs:TagResource",
                "iam:PassRole",
                *_LOCK,
            ),
            {
                **_WATCH_OPTIONAL,
                "ecs:ListTaskDefinitions": "deploy history and the rollback target; pruning old revisions",
                "ecs:DeregisterTaskDefinition": "prunes revisions beyond the kept number",
                "ecs:StopServiceDeployment": "stops a deployment that fails fast without a circuit breaker",
                **_SCHEDULES_FOLLOW,
            },
            (
                "iam:PassRole on the task definition's taskRoleArn and executionRoleArn (RegisterTaskDefinition "
                "passes them)",
                "ecs:TagResource is required: the new revision is registered with its vegaops:tag/deployer tags, "
                "and AWS authorizes tag-on-create with ecs:TagResource; recording the outcome afterwards uses it too",
            ),
        ),
        CommandPolicy(
            "deploy watch",
            "re-attach to a running deployment and report its verdict",
            ("ecs:DescribeServices",),
            {
                **_WATCH_OPTIONAL,
                "ecs:DescribeTaskDefinition": "names the revisions involved",
                "ecs:ListTaskDefinitions": "resolves an interrupted deploy's unknown outcome when nothing is in flight",
            },
        ),
        CommandPolicy(
            "deploy continue",
            "continue a deployment waiting at a pause hook (ContinueServiceDeployment CONTINUE)",
            (
                "ecs:DescribeServices",
                "ecs:ListServiceDeployments",
                "ecs:DescribeServiceDeployments",
                "ecs:ContinueServiceDeployment",
            ),
        ),
        CommandPolicy(
            "deploy abort",
            "roll back a deployment waiting at a pause hook (ContinueServiceDeployment ROLLBACK)",
            (
                "ecs:DescribeServices",
                "ecs:ListServiceDeployments",
                "ecs:DescribeServiceDeployments",
                "ecs:ContinueServiceDeployment",
            ),
        ),
        CommandPolicy(
            "deploy stop",
            "stop the deployment in flight, of any strategy (StopServiceDeployment ABORT or ROLLBACK)",
            (
                "ecs:DescribeServices",
                "ecs:ListServiceDeployments",
                "ecs:DescribeServiceDeployments",
                "ecs:StopServiceDeployment",
            ),
        ),
        CommandPolicy(
            "deploy history",
            "recent deployments and their recorded outcomes",
            ("ecs:DescribeServices", "ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"),
            {
                "ecs:ListServiceDeployments": "resolves unknown outcomes from ECS's own deployment records",
                "ecs:DescribeServiceDeployments": "resolves unknown outcomes from ECS's own deployment records",
                "ecs:TagResource": "records an outcome it resolved, so the next look is instant",
            },
        ),
        CommandPolicy(
            "rollback",
            "deploy the last revision whose deployment succeeded (or --to)",
            (
                "ecs:DescribeServices",
                "ecs:DescribeTaskDefinition",
                "ecs:ListTaskDefinitions",
                "ecs:UpdateService",
                *_LOCK,
            ),
            {
                **_WATCH_OPTIONAL,
                "ecs:TagResource": "records the rollback's outcome on the revision",
                **_SCHEDULES_FOLLOW,
            },
        ),
        CommandPolicy(
            "status",
            "one line per service: revision, tag, counts, rollout, targets",
            ("ecs:DescribeServices",),
            {
                "ecs:DescribeTaskDefinition": "the image and tag each service runs",
                "elasticloadbalancing:DescribeTargetHealth": "target health counts",
                "application-autoscaling:DescribeScalableTargets": "each service's autoscaling bounds",
                "application-autoscaling:DescribeScalingPolicies": "each service's scaling policies",
            },
        ),
        CommandPolicy(
            "scale",
            "desired counts (watched to a steady state), autoscaling bounds, suspend/resume, --all 0 and --restore",
            (
                "ecs:DescribeServices",
                "ecs:UpdateService",
                "application-autoscaling:DescribeScalableTargets",
                "application-autoscaling:RegisterScalableTarget",
                "ssm:GetParameter",
                "ssm:PutParameter",
                "ssm:GetParametersByPath",
                "ssm:DeleteParameters",
            ),
            dict(_WATCH_OPTIONAL),
            (
                "the ssm actions on /vegaops/scale/<env>/*: what --all 0 saved for --restore",
                "RegisterScalableTarget creates Application Auto Scaling's service-linked role on first use "
                "(iam:CreateServiceLinkedRole)",
            ),
        ),
        CommandPolicy(
            "schedule list",
            "scheduled tasks of the environment: expression, next run, the revision they run, current or not",
            ("ecs:DescribeServices",),
            {**_SCHEDULES_READ, "ecs:DescribeTaskDefinition": "the current revision of a job's own family"},
        ),
        CommandPolicy(
            "schedule run",
            "run a scheduled task now with its target's parameters, wait for it to stop",
            (
                "ecs:DescribeServices",
                *_SCHEDULES_READ,
                "ecs:ListTasks",
                "ecs:DescribeTaskDefinition",
                "ecs:RunTask",
                "ecs:DescribeTasks",
                "ecs:StopTask",
                "iam:PassRole",
            ),
            {"logs:FilterLogEvents": "the task's log lines, live (the exit code does not depend on them)"},
            (
                "iam:PassRole on the task definition's task and execution roles (RunTask passes them)",
                "ecs:StopTask: --timeout and Ctrl-C stop the task (unless --keep-running)",
            ),
        ),
        CommandPolicy(
            "cost",
            "the monthly cost of what runs now, per service and for the environment; month-to-date actual",
            ("ecs:DescribeServices", "ecs:DescribeTaskDefinition"),
            {
                "ecs:ListServices": "the cluster's services when none are configured",
                "ecs:DescribeClusters": "the cluster's default capacity provider strategy (Fargate Spot share)",
                "pricing:GetProducts": "live prices from the AWS Price List (else the shipped dated table)",
                "elasticloadbalancing:DescribeTargetGroups": "the services' load balancers",
                "ec2:DescribeSubnets": "the services' VPC (its NAT gateways, databases, caches)",
                "ec2:DescribeNatGateways": "NAT gateways",
                "rds:DescribeDBInstances": "RDS/Aurora databases",
                "rds:DescribeDBClusters": "Aurora Serverless v2 minimum capacity",
                "elasticache:DescribeCacheClusters": "ElastiCache nodes",
                "elasticache:DescribeCacheSubnetGroups": "which VPC each cache is in",
                "secretsmanager:ListSecrets": "the environment's secrets",
                "cloudwatch:GetMetricStatistics": "log ingestion (IncomingBytes) and idle NAT gateways",
                "ce:GetCostAndUsage": "the month-to-date actual cost (Cost Explorer)",
            },
        ),
        CommandPolicy(
            "health",
            "ECS state, target health, the HTTP health URL and configured environment checks",
            ("ecs:DescribeServices",),
            {
                "elasticloadbalancing:DescribeTargetHealth": "the targets check",
                "rds:DescribeDBInstances": "the RDS check (health_rds)",
                "rds:DescribeDBClusters": "the RDS check for Aurora clusters (health_rds)",
                "elasticache:DescribeReplicationGroups": "the ElastiCache check (health_elasticache)",
                "elasticache:DescribeCacheClusters": "the ElastiCache check (health_elasticache)",
                "sqs:GetQueueUrl": "the SQS depth check (health_sqs)",
                "sqs:GetQueueAttributes": "the SQS depth check (health_sqs)",
                "cloudwatch:GetMetricStatistics": "the age of the oldest SQS message",
            },
        ),
        CommandPolicy(
            "debug",
            "one report on a service: current deployment's causes, history, events, tasks, targets, secrets",
            ("ecs:DescribeServices",),
            {
                "ecs:ListServiceDeployments": "the service's deployment history",
                "ecs:ListTasks": "stopped tasks and their causes",
                "ecs:DescribeTasks": "stopped tasks and their causes",
                "ecs:DescribeTaskDefinition": "secrets, log sources and sidecars of the task definitions",
                "logs:GetLogEvents": "the last log lines of stopped tasks",
                "elasticloadbalancing:DescribeTargetHealth": "unhealthy targets",
                **_SECRET_CHECK,
            },
        ),
        CommandPolicy(
            "logs tail",
            "tail a service's CloudWatch logs",
            ("ecs:DescribeServices", "ecs:DescribeTaskDefinition", "logs:FilterLogEvents"),
            {
                "logs:DescribeLogStreams": "reads streams per task (faster, per-task back-fill)",
                "logs:GetLogEvents": "reads streams per task (faster, per-task back-fill)",
                "logs:StartLiveTail": "--follow with Live Tail instead of polling",
                "ecs:ListTasks": "--deployment: the tasks of one deployment",
                "ecs:DescribeTasks": "--deployment: the tasks of one deployment",
            },
        ),
        CommandPolicy(
            "env vars",
            "every variable a service's tasks get, and whether each secret reference resolves",
            ("ecs:DescribeServices", "ecs:DescribeTaskDefinition"),
            dict(_SECRET_CHECK),
        ),
        CommandPolicy(
            "secret list",
            "the environment's secrets and parameters",
            ("secretsmanager:ListSecrets",),
            {"ssm:DescribeParameters": "the SSM parameters too", **_FIND_SERVICES},
        ),
        CommandPolicy(
            "secret get",
            "one secret's value (masked unless --reveal)",
            ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
            {"ssm:GetParameter": "--param: an SSM parameter", "kms:Decrypt": "secrets under a customer KMS key"},
        ),
        CommandPolicy(
            "secret set",
            "create or update a secret (and optionally redeploy its services)",
            (
                "secretsmanager:DescribeSecret",
                "secretsmanager:CreateSecret",
                "secretsmanager:PutSecretValue",
                "secretsmanager:GetSecretValue",
            ),
            {
                **_FIND_SERVICES,
                "secretsmanager:TagResource": "--tag",
                "ssm:PutParameter": "--param: an SSM parameter",
                "kms:GenerateDataKey": "secrets under a customer KMS key",
            },
        ),
        CommandPolicy(
            "secret delete",
            "schedule a secret's deletion (with a recovery window)",
            ("secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"),
            {**_FIND_SERVICES, "ssm:DeleteParameter": "--param"},
        ),
        CommandPolicy(
            "secret restore",
            "cancel a scheduled deletion",
            ("secretsmanager:DescribeSecret", "secretsmanager:RestoreSecret"),
        ),
        CommandPolicy(
            "secret history",
            "a secret's versions",
            ("secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds"),
            {"ssm:GetParameterHistory": "--param"},
        ),
        CommandPolicy(
            "secret rollback",
            "make the version current before the newest one current again (idempotent)",
            (
                "secretsmanager:DescribeSecret",
                "secretsmanager:ListSecretVersionIds",
                "secretsmanager:UpdateSecretVersionStage",
            ),
            {"ssm:GetParameterHistory": "--param", "ssm:PutParameter": "--param"},
        ),
        CommandPolicy(
            "secret refs",
            "task definitions and services that reference a secret, and tasks older than its last change",
            ("ecs:ListServices", "ecs:DescribeServices", "ecs:DescribeTaskDefinition"),
            {
                "secretsmanager:DescribeSecret": "the secret's ARN and last change",
                "ssm:GetParameter": "--param: the parameter's last change",
                "ecs:ListTasks": "running tasks that predate the secret's last change",
                "ecs:DescribeTasks": "running tasks that predate the secret's last change",
            },
        ),
        CommandPolicy(
            "secret export",
            "the environment's secrets as a .env file",
            ("secretsmanager:ListSecrets", "secretsmanager:GetSecretValue"),
            {"ssm:GetParametersByPath": "the SSM parameters too", "kms:Decrypt": "customer KMS keys"},
        ),
        CommandPolicy(
            "run",
            "a one-off task of a service (its task definition, network, launch type): logs live, its exit code",
            (
                "ecs:DescribeServices",
                "ecs:DescribeTaskDefinition",
                "ecs:RunTask",
                "ecs:DescribeTasks",
                "ecs:StopTask",
                "iam:PassRole",
            ),
            {
                "logs:FilterLogEvents": "the task's log lines, live (the exit code does not depend on them)",
                "ecs:ListTasks": "ecs.run with a key (runbooks): skips a run that already exited 0",
            },
            (
                "iam:PassRole on the task definition's taskRoleArn and executionRoleArn (RunTask passes them)",
                "ecs:StopTask: --timeout and Ctrl-C stop the task (unless --keep-running)",
            ),
        ),
        CommandPolicy(
            "shell",
            "ECS Exec into a running task of a service, after a preflight",
            (
                "ecs:DescribeServices",
                "ecs:ListTasks",
                "ecs:DescribeTasks",
                "ecs:DescribeTaskDefinition",
                "ecs:ExecuteCommand",
            ),
            {
                "iam:SimulatePrincipalPolicy": "checks the task role's ssmmessages permissions in the preflight",
                "ecs:UpdateService": "--enable: turns ECS Exec on and starts a new deployment",
                "ssm:GetParameter": "sandbox without the plugin: the container's parameters for the local shell",
                "secretsmanager:GetSecretValue": "sandbox without the plugin: the secrets for the local shell",
            },
            (
                "the task role needs ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and "
                "OpenDataChannel; the task must reach ssmmessages (NAT or a VPC endpoint)",
            ),
        ),
        CommandPolicy(
            "port-forward",
            "a local port to a host inside the VPC (RDS, Aurora, ElastiCache) through a running task (SSM)",
            (
                "ecs:DescribeServices",
                "ecs:ListTasks",
                "ecs:DescribeTasks",
                "ecs:DescribeTaskDefinition",
                "ssm:StartSession",
            ),
            {
                "iam:SimulatePrincipalPolicy": "checks the task role's ssmmessages permissions in the preflight",
                "rds:DescribeDBInstances": "--remote db: the endpoint of the environment's database (health_rds)",
                "rds:DescribeDBClusters": "--remote db: the endpoint of an Aurora cluster (health_rds)",
            },
            (
                "ssm:StartSession on the ECS task (arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/*) and on the document "
                "AWS-StartPortForwardingSessionToRemoteHost",
            ),
        ),
        CommandPolicy(
            "exec",
            "run a command with the environment's secrets and config as variables",
            ("secretsmanager:ListSecrets", "secretsmanager:GetSecretValue"),
            {
                "ssm:GetParametersByPath": "the SSM parameters too",
                "ecs:DescribeServices": "--service: the variables of a service's task definition",
                "ecs:DescribeTaskDefinition": "--service: the variables of a service's task definition",
            },
        ),
        CommandPolicy(
            "image list",
            "the tags and digests of a service's repository, and which one runs",
            ("ecr:DescribeImages",),
            {
                "ecs:DescribeServices": "marks the image each service runs",
                "ecs:DescribeTaskDefinition": "marks the image each service runs",
            },
        ),
        CommandPolicy(
            "image promote",
            "give an existing image a new tag (no pull, no push)",
            ("ecr:BatchGetImage", "ecr:PutImage"),
            {"ecr:DescribeImages": "checks the target tag before writing"},
        ),
        CommandPolicy(
            "image push",
            "push a local image to ECR",
            (
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
            ),
            {"ecr:DescribeRepositories": "checks the repository first", "ecr:DescribeImages": "tag mutability"},
        ),
    )
}


def names() -> list[str]:
    return sorted(POLICIES)


def policy_document(commands: list[str], required_only: bool = False) -> dict[str, Any]:
    """A pasteable IAM policy: one statement of required actions, one of optional ones (unless required_only)."""
    chosen = [POLICIES[c] for c in commands]
    required = sorted({a for p in chosen for a in p.required})
    optional = sorted({a for p in chosen for a in p.optional} - set(required))
    label = "".join(w.capitalize() for w in ("all" if len(chosen) > 1 else chosen[0].command).replace("-", " ").split())
    statements: list[dict[str, Any]] = [
        {"Sid": f"Vegaops{label}Required", "Effect": "Allow", "Action": required, "Resource": "*"}
    ]
    if optional and not required_only:
        statements.append({"Sid": f"Vegaops{label}Optional", "Effect": "Allow", "Action": optional, "Resource": "*"})
    return {"Version": POLICY_VERSION, "Statement": statements}


def markdown_table() -> str:
    """The README's table (kept in sync by a test)."""
    lines = ["| command | required | optional (what each adds) |", "|---|---|---|"]
    for name in names():
        p = POLICIES[name]
        optional = "; ".join(f"`{a}`: {why}" for a, why in sorted(p.optional.items())) or "-"
        lines.append(f"| `{name}` | {', '.join(f'`{a}`' for a in p.required)} | {optional} |")
    return "\n".join(lines)


def policy_result(a: AppContext, commands: list[str], all_: bool, required_only: bool, list_: bool) -> Result:
    """The policy for ``commands`` (every command with ``all_``) as pasteable JSON; with ``list_``, what each
    command needs and what each optional action adds."""
    import json

    from vegaops.errors import UsageError
    from vegaops.output.result import Lines, Result, Reveal

    if list_:
        out = []
        for name in names():
            p = POLICIES[name]
            out.append(f"{name}: {p.summary}")
            out.append(f"  required: {', '.join(p.required)}")
            out += [f"  optional: {action}: {why}" for action, why in sorted(p.optional.items())]
        return Result(a.command, data={n: _row(n) for n in names()}, views=[Lines(out)])
    wanted = names() if all_ else _commands(commands)
    if not wanted:
        raise UsageError(
            "name the commands whose policy to print, or --all",
            hint="vegaops iam-policy deploy  (vegaops iam-policy --list shows them)",
        )
    unknown = [c for c in wanted if c not in POLICIES]
    if unknown:
        raise UsageError(
            f"no IAM policy known for {', '.join(repr(c) for c in unknown)}",
            hint="one of: " + ", ".join(names()),
        )
    document = policy_document(wanted, required_only=required_only)
    return Result(
        a.command,
        data={"commands": wanted, "required_only": required_only, "policy": document},
        views=[Reveal(json.dumps(document, indent=2))],
    )


def _commands(words: list[str]) -> list[str]:
    """``deploy history`` may come as one argument or two."""
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2])
        if i + 1 < len(words) and pair in POLICIES:
            out.append(pair)
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


def _row(name: str) -> dict[str, object]:
    p = POLICIES[name]
    return {"summary": p.summary, "required": list(p.required), "optional": dict(p.optional), "notes": list(p.notes)}
