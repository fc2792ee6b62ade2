"""Deploy outcomes over in-process moto: clones inherit no vegaops:* tag, unknown outcomes are resolved from
ECS evidence only (the resolver only reads; the ``ecs.record-outcomes`` step records them), rollback never
picks an unknown or failed revision, denied reads are reported in place. Errors are injected (and services
answered) through botocore's own event hooks on the context's client."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from vegaops.context import AppContext
from vegaops.deploy import core
from vegaops.deploy.outcomes import Resolver
from vegaops.errors import NotFoundError, Refused
from vegaops.runbook import engine
from vegaops.steps.ecs import RegisterParams, RegisterTaskDefinition, rollback_target

pytestmark = pytest.mark.usefixtures("aws")
ARN = "arn:aws:ecs:eu-central-1:123456789012:task-definition/vega-api:{}"
IMAGE = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/vega-api@sha256:"


@pytest.fixture
def ecs(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "2")
    client = boto3.client("ecs")
    client.create_cluster(clusterName="vega-staging")
    for rev in (1, 2, 3):
        client.register_task_definition(
            family="vega-api",
            containerDefinitions=[{"name": "api", "image": IMAGE + str(rev) * 64, "memory": 512}],
            tags=[{"key": "team", "value": "vega"}],
        )
    client.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="vega-api:1", desiredCount=2)
    return client


def _tags(client: Any, rev: int) -> dict[str, str]:
    out = client.describe_task_definition(taskDefinition=f"vega-api:{rev}", include=["TAGS"])
    return {t["key"]: t["value"] for t in out.get("tags", [])}


def _tag(client: Any, rev: int, **tags: str) -> None:
    client.tag_resource(resourceArn=ARN.format(rev), tags=[{"key": k, "value": v} for k, v in tags.items()])


def _svc(
    running: int, deployments: list[dict[str, Any]] | None = None, events: list[str] | None = None
) -> dict[str, Any]:
    """A DescribeServices service (the shape ECS answers), as the resolver receives it."""
    return {
        "serviceName": "vega-api",
        "taskDefinition": ARN.format(running),
        "deployments": deployments or [_dep("ecs-svc/run", "PRIMARY", running, "COMPLETED")],
        "events": [{"message": f"(service vega-api) {m}"} for m in events or []],
    }


def _dep(dep_id: str, status: str, rev: int, rollout: str) -> dict[str, Any]:
    return {"id": dep_id, "status": status, "taskDefinition": ARN.format(rev), "rolloutState": rollout}


def _answer(ctx: AppContext, operation: str, response: dict[str, Any], status: int = 200) -> None:
    """Answer ``operation`` on the context's ECS client without sending it (botocore before-call hook)."""

    def hook(**_: Any) -> tuple[Any, dict[str, Any]]:
        return _response(response, status)

    ctx.aws.ecs.client.meta.events.register(f"before-call.ecs.{operation}", hook)


def _response(parsed: dict[str, Any], status: int) -> tuple[Any, dict[str, Any]]:
    from botocore.awsrequest import AWSResponse

    http = AWSResponse("http://127.0.0.1/", status, {}, None)
    return http, {**parsed, "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}}}


def _record(ctx: AppContext, svc: dict[str, Any], revisions: list[int]) -> engine.RunReport:
    """Run the ``ecs.record-outcomes`` step for ``revisions`` through the engine, ECS describing ``svc``."""
    from vegaops.steps.deploy import RecordOutcomes, RecordOutcomesParams

    _answer(ctx, "DescribeServices", {"services": [svc], "failures": []})
    params = RecordOutcomesParams("vega-api", [ARN.format(n) for n in revisions])
    return engine.run(ctx, "record", [engine.single(RecordOutcomes, params)])


def test_a_clone_never_inherits_vegaops_tags(app_context: AppContext, ecs: Any) -> None:
    _tag(ecs, 1, **{core.OUTCOME_KEY: "succeeded", core.DEPLOYMENT_KEY: "ecs-svc/old", core.TAG_KEY: "v1"})
    report = engine.run(
        app_context, "t", [engine.single(RegisterTaskDefinition, RegisterParams("api", IMAGE + "f" * 64, "v9"))]
    )
    assert report.steps[0].outputs["task_definition"].endswith("vega-api:4")
    tags = _tags(ecs, 4)
    assert tags.pop(core.DEPLOYER_KEY)
    assert tags == {"team": "vega", core.TAG_KEY: "v9"}  # the user's tag kept; no outcome, no deployment id


def test_unknown_outcome_is_resolved_from_events_and_recorded(app_context: AppContext, ecs: Any) -> None:
    # :2 was deployed (deployment id recorded at UpdateService), then the deploy died; ECS rolled it back.
    _tag(ecs, 2, **{core.OUTCOME_KEY: "unknown", core.DEPLOYMENT_KEY: "ecs-svc/222"})
    _tag(ecs, 3, **{core.OUTCOME_KEY: "unknown", core.DEPLOYMENT_KEY: "ecs-svc/333"})
    svc = _svc(
        1,
        events=[
            "(deployment ecs-svc/333) deployment completed.",  # newest first
            "rolling back to deployment ecs-svc/run.",
            "(deployment ecs-svc/222) deployment failed: tasks failed to start.",
        ],
    )
    rows = {r.revision: r for r in Resolver(app_context, "vega-api", svc).outcomes([ARN.format(n) for n in (3, 2, 1)])}
    assert (rows[2].outcome, rows[2].source) == ("rolled_back", "ecs:events")
    assert (rows[3].outcome, rows[3].source) == ("succeeded", "ecs:events")
    assert (rows[1].outcome, rows[1].source) == ("succeeded", "ecs:DescribeServices")  # runs, completed
    assert _tags(ecs, 2)[core.OUTCOME_KEY] == "unknown"  # resolving only reads
    report = _record(app_context, svc, [3, 2, 1])
    assert [c.summary for c in report.steps[0].changes] == [
        "record succeeded on vega-api:3 (resolved from ecs:events)",
        "record rolled_back on vega-api:2 (resolved from ecs:events)",
        "record succeeded on vega-api:1 (resolved from ecs:DescribeServices)",
    ]
    assert _tags(ecs, 2)[core.OUTCOME_KEY] == "rolled_back"
    assert _tags(ecs, 2)[core.RESOLVED_KEY].startswith("ecs:events")
    assert _tags(ecs, 1)[core.OUTCOME_KEY] == "succeeded"


def test_no_evidence_stays_unknown_and_is_not_recorded(app_context: AppContext, ecs: Any) -> None:
    # killed before UpdateService answered: no deployment id, ECS lists nothing about :3
    rows = Resolver(app_context, "vega-api", _svc(1)).outcomes([ARN.format(3), ARN.format(2)])
    assert [r.outcome for r in rows] == ["unknown", "unknown"]
    assert _record(app_context, _svc(1), [3, 2]).steps[0].status == "unchanged"
    assert core.OUTCOME_KEY not in _tags(ecs, 3)


def test_a_deployment_still_listed_is_not_settled(app_context: AppContext, ecs: Any) -> None:
    deployments = [
        {"id": "ecs-svc/back", "status": "PRIMARY", "taskDefinition": ARN.format(1), "rolloutState": "IN_PROGRESS"},
        {"id": "ecs-svc/333", "status": "ACTIVE", "taskDefinition": ARN.format(3), "rolloutState": "FAILED"},
    ]
    (row,) = Resolver(app_context, "vega-api", _svc(1, deployments)).outcomes([ARN.format(3)])
    assert (row.outcome, row.deployment_id) == ("rolling_back", "ecs-svc/333")
    assert core.DEPLOYMENT_KEY not in _tags(ecs, 3)  # resolving only reads
    _record(app_context, _svc(1, deployments), [3])
    assert _tags(ecs, 3)[core.DEPLOYMENT_KEY] == "ecs-svc/333"  # what was learnt is recorded, no outcome
    assert core.OUTCOME_KEY not in _tags(ecs, 3)


def test_service_deployment_api_status_is_used_where_it_exists(app_context: AppContext, ecs: Any) -> None:
    _tag(ecs, 3, **{core.OUTCOME_KEY: "unknown", core.DEPLOYMENT_KEY: "ecs-svc/333"})
    _tag(ecs, 2, **{core.OUTCOME_KEY: "timed_out", core.DEPLOYMENT_KEY: "ecs-svc/222"})
    base = "arn:aws:ecs:eu-central-1:123456789012:service-deployment/vega-staging/vega-api/"
    _answer(
        app_context,
        "ListServiceDeployments",
        {
            "serviceDeployments": [
                {"serviceDeploymentArn": base + "333", "status": "ROLLBACK_FAILED"},
                {"serviceDeploymentArn": base + "222", "status": "SUCCESSFUL"},
            ]
        },
    )
    rows = Resolver(app_context, "vega-api", _svc(1)).outcomes([ARN.format(3), ARN.format(2)])
    assert [(r.outcome, r.source) for r in rows] == [
        ("failed", "ecs:ListServiceDeployments"),
        ("succeeded", "ecs:ListServiceDeployments"),
    ]


def test_service_deployment_found_by_the_revision_it_created_as_on_aws(app_context: AppContext, ecs: Any) -> None:
    # AWS names a service deployment with its own id; the service revision it creates ends in the ecs-svc id
    # (aws-cli example of list-service-deployments). A later deployment back to that revision says nothing.
    _tag(ecs, 3, **{core.OUTCOME_KEY: "unknown", core.DEPLOYMENT_KEY: "ecs-svc/1485800978477494678"})
    base = "arn:aws:ecs:eu-central-1:123456789012:service-"
    revision = base + "revision/vega-staging/vega-api/1485800978477494678"
    _answer(
        app_context,
        "ListServiceDeployments",
        {
            "serviceDeployments": [
                {
                    "serviceDeploymentArn": base + "deployment/vega-staging/vega-api/zzLater",
                    "targetServiceRevisionArn": revision,
                    "status": "SUCCESSFUL",
                },
                {
                    "serviceDeploymentArn": base + "deployment/vega-staging/vega-api/ejGvqq2ilnbKT9qj0vLJe",
                    "targetServiceRevisionArn": revision,
                    "status": "ROLLBACK_SUCCESSFUL",
                },
            ]
        },
    )
    (row,) = Resolver(app_context, "vega-api", _svc(1)).outcomes([ARN.format(3)])
    assert (row.outcome, row.source) == ("rolled_back", "ecs:ListServiceDeployments")


def test_copied_outcome_tags_are_ignored(app_context: AppContext, ecs: Any) -> None:
    # what older vegaops versions left: :2 cloned from :1 with :1's outcome and deployment id
    same = {core.OUTCOME_KEY: "succeeded", core.DEPLOYMENT_KEY: "ecs-svc/111"}
    _tag(ecs, 1, **same)
    _tag(ecs, 2, **same)
    rows = {r.revision: r for r in Resolver(app_context, "vega-api", _svc(3)).outcomes([ARN.format(2), ARN.format(1)])}
    assert rows[2].outcome == "unknown" and "copied from vega-api:1" in str(rows[2].note)
    assert rows[1].outcome == "succeeded"


def test_rollback_never_picks_unknown_or_failed(app_context: AppContext, ecs: Any) -> None:
    _tag(ecs, 2, **{core.OUTCOME_KEY: "rolled_back", core.DEPLOYMENT_KEY: "ecs-svc/222"})
    with pytest.raises(Refused) as info:  # :2 failed, :1 never seen settle
        rollback_target(app_context, "vega-api", _svc(3), None)
    assert int(info.value.exit_code) == 8
    assert "vega-api:2 rolled_back" in info.value.message and "vega-api:1 unknown" in info.value.message
    assert "--to REVISION" in str(info.value.hint)
    core.tag_outcome(app_context, ARN.format(1), "succeeded", "ecs-svc/111")  # (through the layer's cache)
    assert rollback_target(app_context, "vega-api", _svc(3), None).arn.endswith("vega-api:1")


def test_rollback_goes_older_than_the_running_revision(app_context: AppContext, ecs: Any) -> None:
    for rev in (1, 2, 3):
        _tag(ecs, rev, **{core.OUTCOME_KEY: "succeeded", core.DEPLOYMENT_KEY: f"ecs-svc/{rev}"})
    # right after a good deploy of :2 (while :3 exists, e.g. registered by an interrupted deploy)
    assert rollback_target(app_context, "vega-api", _svc(2), None).arn.endswith("vega-api:1")


def test_rollback_to_a_missing_revision_is_not_found(app_context: AppContext, ecs: Any) -> None:
    with pytest.raises(NotFoundError) as info:
        rollback_target(app_context, "vega-api", _svc(3), 999)
    assert int(info.value.exit_code) == 3 and "vega-api:999" in info.value.message
    with pytest.raises(NotFoundError):  # nothing older than :1
        rollback_target(app_context, "vega-api", _svc(1), None)


def test_denied_reads_are_reported_in_the_row(app_context: AppContext, ecs: Any) -> None:
    _tag(ecs, 2, **{core.OUTCOME_KEY: "succeeded", core.DEPLOYMENT_KEY: "ecs-svc/222"})
    denied = {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}
    calls: list[str] = []

    def deny_tags_of_3(params: dict[str, Any], **_: Any) -> Any:
        body = json.loads(params["body"] or b"{}")
        calls.append(str(body.get("include")))
        if body.get("taskDefinition") == ARN.format(3) and body.get("include"):
            return _response(denied, 400)
        return None

    app_context.aws.ecs.client.meta.events.register("before-call.ecs.DescribeTaskDefinition", deny_tags_of_3)
    warnings: list[str] = []
    app_context.enrichment.warn = warnings.append
    rows = Resolver(app_context, "vega-api", _svc(1)).outcomes([ARN.format(n) for n in (3, 2, 1)])
    assert rows[0].td is not None and rows[0].outcome == "unknown"
    assert "tags unreadable" in str(rows[0].note)
    assert rows[1].outcome == "succeeded"
    assert len(warnings) == 1 and "ecs:ListTagsForResource" in warnings[0]
    # rollback from :3 still works: :2 is known good
    assert rollback_target(app_context, "vega-api", _svc(3), None).arn.endswith("vega-api:2")


def test_tag_writes_denied_never_change_the_answer(app_context: AppContext, ecs: Any) -> None:
    _answer(app_context, "TagResource", {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, status=400)
    warnings: list[str] = []
    app_context.enrichment.warn = warnings.append
    (row,) = Resolver(app_context, "vega-api", _svc(1)).outcomes([ARN.format(1)])
    assert row.outcome == "succeeded"
    assert _record(app_context, _svc(1), [1]).steps[0].status == "done"  # a record that failed: reported, left
    core.tag_outcome(app_context, ARN.format(1), "succeeded", "ecs-svc/1")
    assert len(warnings) == 1 and "ecs:TagResource denied" in warnings[0]
