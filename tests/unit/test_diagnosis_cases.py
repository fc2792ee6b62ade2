"""Table-driven: real stop reasons and service events, collected from public issue trackers and docs, each
with its source next to it, must be named by the cause they really had.

The texts are quoted as their reporters posted them (ids and accounts redacted by them, "..." where they cut
the message); only container names/exit codes that the reporter stated in prose are put into the structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from vegaops import diagnosis as dg
from vegaops.diagnosis import ContainerState, TaskStop


@dataclass(frozen=True)
class Case:
    source: str
    task: TaskStop
    kind: str
    says: str = ""  # a word the one-line reason or explanation must contain


def C(name: str, code: int | None = None, reason: str | None = None, **kw: object) -> ContainerState:
    return ContainerState(name, code, reason, **kw)  # type: ignore[arg-type]


TASKS = [
    # ELB health check failures: ECS SIGKILLs the containers (137); that is not OOM.
    Case(
        "https://github.com/boltops-tools/ufo/pull/171",
        TaskStop("ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group...)", (C("web", 137),)),
        dg.ELB_HEALTH,
        "health",
    ),
    Case(
        "https://github.com/aws/containers-roadmap/issues/612 (stoppedReason is the only indication)",
        TaskStop(
            "ServiceSchedulerInitiated",
            "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/x/y)",
            (C("app", 143),),
        ),
        dg.ELB_HEALTH,
    ),
    # Container health checks
    Case(
        "https://repost.aws/knowledge-center/ecs-task-stopped ('Failed container health checks'); "
        "https://github.com/aws/containers-roadmap/issues/1373",
        TaskStop(
            "ServiceSchedulerInitiated",
            "Task failed container health checks",
            (C("api", 137, health="UNHEALTHY", essential=True),),
        ),
        dg.CONTAINER_HEALTH,
    ),
    # Out of memory: only when the reason says so (exit 137 or even 0)
    Case(
        "https://github.com/aws/amazon-ecs-agent/issues/1187",
        TaskStop(
            "EssentialContainerExited",
            "Essential container in task exited",
            (C("app", 137, "OutOfMemoryError: Container killed due to memory usage"),),
        ),
        dg.OOM,
        "memory",
    ),
    Case(
        "https://github.com/aws/amazon-ecs-agent/issues/2467 (exit code 0 with the OOM reason)",
        TaskStop(
            "EssentialContainerExited",
            "Essential container in task exited",
            (C("app", 0, "OutOfMemoryError: Container killed due to memory usage"),),
        ),
        dg.OOM,
    ),
    Case(
        "https://github.com/aws/copilot-cli/issues/3470",
        TaskStop(
            "EssentialContainerExited",
            "Essential container in task exited",
            (C("node", 137, "OutOfMemoryError: Container killed due to memory usage"),),
        ),
        dg.OOM,
    ),
    # Network paths (NAT, VPC endpoints, security groups): not "secrets"
    Case(
        "https://github.com/Releem/releem-agent/issues/195",
        TaskStop(
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
            "failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch "
            "secret arn:aws:secretsmanager:us-west-2:*:secret:DBPasswordSecret-* from secrets manager: "
            "RequestCanceled: request context canceled caused by: context deadline exceeded. Please check your task "
            "network configuration.",
        ),
        dg.NETWORK,
        "NAT",
    ),
    Case(
        "https://github.com/aws/aws-app-mesh-examples/issues/413",
        TaskStop(
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
            "failed: unable to retrieve ecr registry auth: service call has been retried 5 time(s): RequestError: "
            "send request failed caused by: Post https://api.ecr....",
        ),
        dg.NETWORK,
        "ECR",
    ),
    Case(
        "https://github.com/deepfence/terraform-aws-cloud-scanner/issues/13",
        TaskStop(
            "TaskFailedToStart",
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
            'quay.io/deepfenceio/cloud-scanner:latest: failed to do request: Head "https://quay.io/v2/deepfenceio/'
            'cloud-scanner/manifests/latest": dial tcp 3.210.148.47:443: i/o timeout',
        ),
        dg.NETWORK,
        "registry",
    ),
    Case(
        "https://github.com/aws/amazon-ecs-agent/issues/1204",
        TaskStop(
            "TaskFailedToStart",
            "CannotPullContainerError: API error (500): Get https://xxxxxxx.dkr.ecr.us-east-1.amazonaws.com/v2/: "
            "net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting "
            "headers)",
        ),
        dg.NETWORK,
    ),
    # Secrets: access denied vs missing vs invalid
    Case(
        "https://github.com/aws/copilot-cli/issues/3104",
        TaskStop(
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
            "failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): "
            "AccessDeniedException: User: ....",
        ),
        dg.SECRET_DENIED,
        "SSM",
    ),
    Case(
        "https://github.com/aws-samples/dify-self-hosted-on-aws/pull/35",
        TaskStop(
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
            "failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch "
            "secret arn:aws:secretsmanager:ap-southeast-1:redact:secret:test-secret from secrets manager: "
            "AccessDeniedException: User: arn:aws:sts::redact:assumed-role/DifyOnAwsStack-WebServiceTaskExecution"
            "Role4406CA16-redact is not authorized to perform: secretsmanager:GetSecretValue on resource: "
            "arn:aws:secretsmanager:ap-southeast-1:redact:secret:test-secret because no identity-based policy "
            "allows the secretsmanager:GetSecretValue action status code: 400,",
        ),
        dg.SECRET_DENIED,
        "secretsmanager:GetSecretValue",
    ),
    Case(
        "https://github.com/GiamPy5/terraform-aws-directus/issues/10",
        TaskStop(
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
            "failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch "
            "secret arn:aws:secretsmanager:eu-central-1:account_id:secret:algo-dev-directus-secret2024062618320335"
            "8800000004-EaPYTy from secrets manager: AccessDeniedException: Access to KMS is not allowed status "
            "code: 400, request id: a87a66d9-f839-4353-b8c2-9984b1465695",
        ),
        dg.SECRET_DENIED,
        "kms:Decrypt",
    ),
    Case(
        "message format: the sandbox's ResourceInitializationError (src/vegaops/sandbox/simulator.py) with the "
        "Secrets Manager error text reported in https://github.com/lgallard/terraform-aws-secrets-manager/issues/24",
        TaskStop(
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
            "failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch "
            "secret arn:aws:secretsmanager:eu-central-1:123456789012:secret:vega/db-AbCdEf from secrets manager: "
            "ResourceNotFoundException: Secrets Manager can't find the specified secret.",
        ),
        dg.SECRET_MISSING,
        "does not exist",
    ),
    Case(
        "https://github.com/rileydakota/valheim-ecs-fargate-cdk/issues/9",
        TaskStop(
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
            "failed: unable to retrieve secret from asm: service call has been retried 1 time(s): invalid "
            "character '\\'' looking for beginning of value",
        ),
        dg.SECRET_INVALID,
    ),
    Case(
        "https://github.com/docker-archive/compose-cli/issues/1510 (the message is cut before the cause)",
        TaskStop(
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
            "failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch "
            "secret arn:aws:secretsmanager:eu-west-1:123456789...",
        ),
        dg.SECRETS,
    ),
    # Images: not found vs denied
    Case(
        "https://github.com/aws/aws-cdk/issues/14457",
        TaskStop(
            "TaskFailedToStart",
            'CannotPullContainerError: inspect image has been retried 1 time(s): failed to resolve ref "xxxxx.xxx": '
            "unexpected status code [manifests 6981141]: 403 Forbidden",
        ),
        dg.IMAGE_DENIED,
    ),
    Case(
        "https://github.com/RafalWilinski/deploy-with-serverless/issues/11",
        TaskStop(
            "EssentialContainerExited",
            "Essential container in task exited",
            (
                C(
                    "batch",
                    None,
                    "CannotPullContainerError: API error (404): repository serverless-batch not found: does not "
                    "exist or no pull access",
                ),
            ),
        ),
        dg.IMAGE_NOT_FOUND,
    ),
    Case(
        "https://github.com/CircleCI-Public/circleci-demo-aws-ecs-ecr/issues/4",
        TaskStop(
            "TaskFailedToStart",
            "CannotPullContainerError: Error response from daemon: manifest for "
            "nginx:0f6b3cdf5e24f0da3dd932acd84fd90e9786a522 not found",
        ),
        dg.IMAGE_NOT_FOUND,
    ),
    Case(
        "https://github.com/aws/containers-roadmap/issues/2687",
        TaskStop(
            "TaskFailedToStart",
            "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref "
            "12345678-eu-west-1.amazonaws.com/example-service:example-image:image-tag@sha256:sha digest: not found",
        ),
        dg.IMAGE_NOT_FOUND,
    ),
    Case(
        "https://fixdevs.com/blog/aws-ecs-task-failed-to-start",
        TaskStop(
            "TaskFailedToStart",
            "CannotPullContainerError: ref pull has been retried 1 time(s): failed to pull and unpack image "
            '"123456789.dkr.ecr.us-east-1.amazonaws.com/myapp:latest": failed to resolve reference: unexpected '
            "status code 403 Forbidden",
        ),
        dg.IMAGE_DENIED,
    ),
    # Platform mismatch: exec format error (in the logs, exit 1) and no matching manifest
    Case(
        "https://github.com/aws-samples/amazon-bedrock-serverless-prompt-chaining/issues/213",
        TaskStop(
            "EssentialContainerExited",
            "Essential container in task exited",
            (C("streamlit", 1),),
            log_lines=("exec /usr/local/bin/streamlit: exec format error",),
        ),
        dg.PLATFORM,
        "architecture",
    ),
    Case(
        "https://github.com/aws/copilot-cli/issues/6095",
        TaskStop(
            "EssentialContainerExited",
            "Essential container in task exited",
            (C("web", 1),),
            log_lines=("exec /docker-entrypoint.sh: exec format error",),
        ),
        dg.PLATFORM,
    ),
    Case(
        "https://github.com/runatlantis/atlantis/issues/2001 (arm64 Fargate)",
        TaskStop(
            "EssentialContainerExited",
            "Essential container in task exited",
            (C("atlantis", 1),),
            log_lines=("standard_init_linux.go:228: exec user process caused: exec format error",),
        ),
        dg.PLATFORM,
    ),
    Case(
        "https://github.com/nodejs/docker-node/issues/675 (the daemon's message, which ECS wraps in "
        "CannotPullContainerError)",
        TaskStop(
            "TaskFailedToStart",
            "CannotPullContainerError: no matching manifest for linux/amd64 in the manifest list entries",
        ),
        dg.PLATFORM,
    ),
    # Crashes and sidecars
    Case(
        "https://github.com/aws/amazon-ecs-agent/issues/625",
        TaskStop("EssentialContainerExited", "Essential container in task exited", (C("app", 139),)),
        dg.CRASH,
        "segmentation",
    ),
    Case(
        "https://fixdevs.com/blog/aws-ecs-task-failed-to-start ('Essential container in task exited / Exit Code: 1')",
        TaskStop("EssentialContainerExited", "Essential container in task exited", (C("myapp", 1),)),
        dg.CRASH,
    ),
    Case(
        "scenario of https://github.com/aws/copilot-cli/issues/3255 (the essential FireLens container exited "
        "non-zero and took the main container with it)",
        TaskStop(
            "EssentialContainerExited",
            "Essential container in task exited",
            (
                C("app", 137, essential=True, sidecar=False),
                C("firelens_log_router", 1, essential=True, sidecar=True),
            ),
        ),
        dg.SIDECAR,
        "sidecar",
    ),
    # Start-up failures that are not secrets, although the message says ResourceInitializationError
    Case(
        "https://github.com/jenkinsci/amazon-ecs-plugin/issues/258",
        TaskStop(
            "TaskFailedToStart",
            "CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: "
            "failed to create shim: OCI runtime create failed: container_linux.go:380: starting container process "
            'caused: exec: "-url": executable file not found in',
        ),
        dg.START,
        "command",
    ),
    Case(
        "https://github.com/aws/amazon-ecs-cli/issues/1136",
        TaskStop(
            "TaskFailedToStart",
            "CannotStartContainerError: Error response from daemon: OCI runtime create failed: container_linux.go:380"
            ': starting container process caused: exec: "python": executable file not found in $PATH: unknown',
        ),
        dg.START,
        "python",
    ),
    Case(
        "https://github.com/cn-terraform/terraform-aws-nexus/issues/35",
        TaskStop(
            "TaskFailedToStart",
            "CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to "
            "create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist",
        ),
        dg.LOGGING,
        "log group",
    ),
    Case(
        "https://github.com/apptension/saas-boilerplate/issues/204 (the registry's answer, which ECS wraps in "
        "CannotPullContainerError)",
        TaskStop(
            "TaskFailedToStart",
            "CannotPullContainerError: failed to copy: httpReadSeeker: failed open: unexpected status code "
            "https://registry-1.docker.io/v2/cypress/included/manifests/sha256:86e3bff9634b85a5239a65974ac3c98f5127"
            "7a8e1519fbd57b5e528f55ab8bf7: 429 Too Many Requests - Server message: toomanyrequests: You have reached "
            "your pull rate limit. You may increase the limit by authenticating and upgrading: "
            "https://www.docker.com/increase-rate-limit",
        ),
        dg.RATE_LIMITED,
    ),
    # Not failures
    Case(
        "stop reasons of scale-in (ECS docs: service-event messages)",
        TaskStop("ServiceSchedulerInitiated", "Scaling activity initiated by (deployment ecs-svc/123)", (C("a", 143),)),
        "",
    ),
    Case("a user's stop", TaskStop("UserInitiated", "Task stopped by user", (C("a", 137),)), ""),
]


@pytest.mark.parametrize("case", TASKS, ids=[f"{i}-{c.kind or 'none'}" for i, c in enumerate(TASKS)])
def test_real_stop_reasons_name_the_real_cause(case: Case) -> None:
    got = dg.classify_task(case.task, "api")
    if not case.kind:
        assert got is None, case.source
        return
    assert got is not None, case.source
    assert got.kind == case.kind, f"{case.source}: {got}"
    if case.says:
        assert case.says.lower() in (got.reason + " " + got.explanation + " " + got.fix).lower(), case.source
    assert got.fix and got.explanation and "\n" not in got.reason


EVENTS = [
    (
        "https://github.com/ptokito/ECSClusterWithTerraform/issues/3",
        "service authentication_services was unable to place a task because no container instance met all of its "
        "requirements. Reason: No Container Instances were found in your cluster.",
        dg.PLACEMENT,
        "no container instances",
    ),
    (
        "https://github.com/pulumi/pulumi-cloud/issues/454",
        "service examples-nginx-5b107b8 was unable to place a task because no container instance met all of its "
        "requirements. The closest matching container-instance 333ba941-dd6f-4762-985d-b166b212d795 is missing an "
        "attribute required by your task. For more information, see the Troubleshooting section.",
        dg.PLACEMENT,
        "attribute",
    ),
    (
        "https://github.com/Shippable/support/issues/4462",
        "(service deploy-ecs-frontend-test-deploy-deploy-ecs-frontend-manifest-1) was unable to place a task "
        "because no container instance met all of its requirements. The closest matching (container-instance "
        "47d5cb9a-6e38-495e-9777-5ae6d02a3720) is already using a port required by your task. For more "
        "information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
        dg.PLACEMENT,
        "port",
    ),
    (
        "https://github.com/sil-org/ecs-deploy/issues/277",
        "was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a "
        "different availability zone",
        dg.PLACEMENT,
        "availability zone",
    ),
    (
        "https://github.com/wellcomecollection/platform/issues/3875",
        "service storage-prod-bag-unpacker was unable to place a task. Reason: You've reached the limit on the "
        "number of tasks you can run concurrently. For more information, see the Troubleshooting section.",
        dg.PLACEMENT,
        "quota",
    ),
    (
        "https://github.com/aws-samples/cost-effective-aws-deployment-of-comfyui/issues/39",
        "service ComfyUIStack-ComfyUIService6B91FEDA-6l6z6AJugL5Q was unable to place a task because no container "
        "instance met all of its requirements. Reason: No Container Instances were found in your capacity "
        "provider. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
        dg.PLACEMENT,
    ),
    (
        "https://github.com/hackforla/CivicTechJobs/issues/436",
        "(service civictechjobs-fullstack-stage) (port 8000) is unhealthy in (target-group arn:aws:"
        "elasticloadbalancing:us-west-2:035866691871:targetgroup/civictechjobs-fullstack-stage/555a47e25c5a1850) "
        "due to (reason Health checks failed).",
        dg.ELB_HEALTH,
    ),
    (
        "https://github.com/towardsthecloud/aws-cdk-examples/issues/1",
        "Invalid request provided: Create TaskDefinition: No Fargate configuration exists for given values: 512 CPU"
        ", 512 memory. See the Amazon ECS documentation for the valid values.",
        dg.RESOURCES,
    ),
    (
        "https://github.com/pulumi/pulumi-awsx/issues/1220",
        "ClientException: The 'memory' setting for container 'worker' is greater than for the task.",
        dg.RESOURCES,
    ),
    (
        "https://github.com/mongodb/terraform-aws-ecs-task-definition/issues/38",
        "Error: ClientException: Fargate requires that 'cpu' be defined at the task level.",
        dg.RESOURCES,
    ),
    (
        "https://github.com/aws-samples/aws-modern-application-workshop/issues/149",
        "service MythicalMysfits-Service failed to launch a task with (error ECS was unable to assume the role "
        "'arn:aws:iam::xxxxx' that was provided for this task. Please verify that the role being passed has the "
        "proper trust relationship and permissions and that your IAM user has permissions to pass this role.).",
        dg.ROLE,
        "trust",
    ),
    ("ordinary event", "(service vega-api) has reached a steady state.", "", ""),
    ("ordinary event", "(service vega-api) has started 2 tasks: (task 1a2b) (task 3c4d).", "", ""),
]


@pytest.mark.parametrize(("source", "message", "kind", "says"), [(*e, "")[:4] for e in EVENTS])
def test_real_service_events_name_the_real_cause(source: str, message: str, kind: str, says: str) -> None:
    got = dg.classify_event(message, "api")
    if not kind:
        assert got is None, source
        return
    assert got is not None and got.kind == kind, f"{source}: {got}"
    if says:
        assert says.lower() in (got.reason + " " + got.fix).lower(), source


def test_exit_137_without_an_oom_reason_is_not_oom() -> None:
    got = dg.classify_task(TaskStop("EssentialContainerExited", "Essential container in task exited", (C("api", 137),)))
    assert got is not None and got.kind == dg.KILLED and "not out of memory" in got.explanation


def test_task_from_api_marks_sidecars_from_the_task_definition() -> None:
    td = {
        "containerDefinitions": [
            {"name": "app", "essential": True},
            {"name": "log_router", "essential": True, "firelensConfiguration": {"type": "fluentbit"}},
            {"name": "xray", "essential": False},
        ]
    }
    task = {
        "stopCode": "EssentialContainerExited",
        "stoppedReason": "Essential container in task exited",
        "containers": [{"name": "app", "exitCode": 0}, {"name": "log_router", "exitCode": 1}, {"name": "xray"}],
    }
    stop = dg.task_from_api(task, td)
    assert [(c.name, c.essential, c.sidecar) for c in stop.containers] == [
        ("app", True, False),
        ("log_router", True, True),
        ("xray", False, True),
    ]
    got = dg.classify_task(stop)
    assert got is not None and got.kind == dg.SIDECAR and got.container == "log_router"
    # the configured app container decides over hints
    assert dg.task_from_api(task, td, app_container="log_router").containers[0].sidecar is True
    # a single-container task is never a sidecar, whatever its name
    single = dg.task_from_api({"containers": [{"name": "envoy", "exitCode": 1}]}, None)
    assert single.containers[0].sidecar is False


def test_deploy_fail_fast_uses_the_same_diagnosis() -> None:
    from vegaops.deploy.snapshot import StoppedTask
    from vegaops.deploy.verdict import task_failure_reason

    elb = StoppedTask(
        "t", "ecs-svc/2", "ServiceSchedulerInitiated", TASKS[0].task.stopped_reason, (("web", 137, None),)
    )
    reason = task_failure_reason(elb)
    assert reason is not None and "health" in reason and "OutOfMemory" not in reason
    network = StoppedTask("t", "ecs-svc/2", "TaskFailedToStart", TASKS[6].task.stopped_reason)
    assert "cannot reach Secrets Manager" in (task_failure_reason(network) or "")
    sidecar = StoppedTask(
        "t",
        "ecs-svc/2",
        "EssentialContainerExited",
        "Essential container in task exited",
        (("api", 143, None), ("log_router", 1, None)),
    )
    assert (task_failure_reason(sidecar) or "").startswith("essential sidecar log_router exited with code 1")
    spot = StoppedTask("t", "ecs-svc/2", "SpotInterruption", "Your Spot Task was interrupted.")
    assert task_failure_reason(spot) is None


def test_an_application_named_like_a_proxy_is_not_a_sidecar() -> None:
    from vegaops.deploy.snapshot import StoppedTask
    from vegaops.deploy.verdict import task_failure_reason

    task = StoppedTask(
        "t",
        "ecs-svc/2",
        "EssentialContainerExited",
        "Essential container in task exited",
        (("llm-proxy", 1, None), ("envoy", 137, None)),
    )
    assert task_failure_reason(task) == "essential container llm-proxy exited with code 1"
