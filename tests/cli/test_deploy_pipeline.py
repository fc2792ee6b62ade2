"""``vegaops deploy`` as one pipeline through the engine (issue 14): every change it makes is a step, so the dry
run shows the deploy lock, the outcome records, the pruning and the automatic rollback, and the journal records
them; the engine's run result carries each step's typed outcome (the watch's verdicts), failures included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.cli.test_deploy_cli import estate  # noqa: F401  (the fixture: vega-api on vega-api:1, images v1..v3)
from vegaops.context import AppContext
from vegaops.deploy import verdict as vd
from vegaops.deploy.watch import WatchResult
from vegaops.paths import state_dir
from vegaops.runbook import engine
from vegaops.runbook.model import StepCall

pytestmark = pytest.mark.usefixtures("aws")

LOCK = "/vegaops/locks/staging/deploy/vega-api"


def _journal(runbook: str) -> list[dict[str, Any]]:
    path = state_dir() / "journal.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [r for r in records if r["runbook"] == runbook]


def _tags(arn: str) -> dict[str, str]:
    tags = boto3.client("ecs").list_tags_for_resource(resourceArn=arn)["tags"]
    return {t["key"]: t["value"] for t in tags}


def test_dry_run_shows_every_step_of_the_deploy_and_changes_nothing(cli: Any, estate: dict[str, Any]) -> None:  # noqa: F811
    r = cli("deploy", "--tag", "v2-stable", "api", "--dry-run", "--rollback-on-failure")
    assert r.exit_code == 0, r.output
    for step in (
        "lock-api (deploy.lock)",
        "settle-api (ecs.record-outcomes)",
        "register-api (ecs.register)",
        "deploy-api (ecs.deploy)",
        "watch (ecs.watch)",
        "rollback-vega-api (ecs.rollback-on-failure)",
        "record-api (ecs.tag-outcome)",
        "prune-api (ecs.prune)",
    ):
        assert step in r.stderr, (step, r.stderr)
    assert "lock deploys of vega-api until" in r.stderr
    assert "applied only if a step before it calls for it" in r.stderr
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []  # no lock taken
    r = cli("-o", "json", "deploy", "--tag", "v2-stable", "api", "--dry-run")
    changes = json.loads(r.stdout)["changes"]
    assert [c["action"] for c in changes] == ["create", "deploy"]  # records are not the deploy's changes


def test_a_deploy_journals_its_lock_and_outcome_record_and_releases_the_lock(
    app_context: AppContext,
    estate: dict[str, Any],  # noqa: F811
) -> None:
    from vegaops.pipeline.deploy import DeployOptions, deploy

    # In-process moto never rolls a new deployment out: the watch times out (fake clock), and the verdict is
    # recorded on the revision by the record step after the failed watch.
    result = deploy(app_context, DeployOptions("v2-stable", ["api"], timeout=60))
    assert result.exit_code == 6, result.errors
    assert [c["action"] for c in result.changes] == ["create", "deploy"]
    row = result.data["services"][0]
    assert row["outcome"] == vd.TIMED_OUT
    assert result.data["api_calls"]["polls"] >= 1  # from the watch's typed result
    (record,) = _journal("deploy")
    steps = {s["id"]: s for s in record["steps"]}
    assert list(steps)[:7] == [
        "lock-api",
        "settle-api",
        "register-api",
        "deploy-api",
        "watch",
        "record-api",
        "prune-api",
    ]
    # scheduled tasks follow a succeeded deployment only; after this timeout they stay where they are
    assert list(steps)[7:] == ["schedules-follow", "release-api"] and steps["schedules-follow"]["changes"] == []
    # the lock the run took is released by a step of the run, after the failure (always), and journaled
    assert steps["release-api"]["status"] == "done"
    assert steps["release-api"]["changes"] == ["release the deploy lock of vega-api"]
    # what vega-api:1's deployment became (steady in the service before the deploy) is recorded as a step too
    assert steps["settle-api"]["changes"] == ["record succeeded on vega-api:1 (resolved from ecs:DescribeServices)"]
    assert steps["lock-api"]["status"] == "done" and steps["lock-api"]["changes"][0].startswith("lock deploys")
    assert steps["watch"]["status"] == "failed"
    assert steps["record-api"]["status"] == "done"
    assert steps["record-api"]["changes"] == [f"record timed_out on vega-api:2 (deployment {row['deployment_id']})"]
    assert steps["prune-api"]["status"] == "unchanged"  # pruned only after a success
    assert _tags(row["new_task_definition"])["vegaops:outcome"] == vd.TIMED_OUT
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []  # released


def test_the_dry_run_shows_the_release_and_a_run_never_releases_another_deploys_lock(
    app_context: AppContext,
    estate: dict[str, Any],  # noqa: F811
) -> None:
    from vegaops.deploy import core
    from vegaops.runbook import engine
    from vegaops.runbook.model import StepCall

    app_context.options.dry_run = True
    planned = engine.execute(
        app_context,
        "t",
        [
            StepCall(
                "lock", "deploy.lock", {"service": "vega-api", "tag": "v2", "holder": {"who": "me"}}, literal=True
            ),
            StepCall("release", "deploy.release", {"service": "vega-api", "holder": {"who": "me"}}, literal=True),
        ],
    )
    release = planned.step("release")
    assert release is not None and release.status == "waiting"  # planned when the run reaches it, after the lock
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []
    app_context.options.dry_run = False
    theirs = core.acquire_lock(app_context, "vega-api", "v1", ttl=600)
    report = engine.execute(
        app_context,
        "t",
        [StepCall("release", "deploy.release", {"service": "vega-api", "holder": {"who": "me"}}, literal=True)],
    )
    step = report.step("release")
    assert step is not None and step.status == "unchanged" and "not by this run" in " ".join(step.notes)
    assert core.read_lock(app_context, "vega-api") == theirs.holder  # left alone


def test_deploy_unlock_is_a_journaled_step(cli: Any, estate: dict[str, Any]) -> None:  # noqa: F811
    boto3.client("ssm").put_parameter(
        Name=LOCK, Type="String", Value=json.dumps({"who": "bob@ci", "at": "2026-01-01T00:00:00+00:00"})
    )
    r = cli("deploy", "unlock", "api")
    assert r.exit_code == 0 and "bob@ci" in r.stdout, r.output
    (record,) = _journal("deploy-unlock")
    assert [(s["id"], s["status"]) for s in record["steps"]] == [("unlock", "done")]
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []
    again = cli("deploy", "unlock", "api")
    assert again.exit_code == 0 and "not locked" in again.stdout


def test_the_run_result_carries_the_failed_watch_and_records_it_after_the_failure(
    app_context: AppContext,
    estate: dict[str, Any],  # noqa: F811
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MOTO_ECS_SERVICE_RUNNING")  # moto: a rollout that never finishes
    ecs = boto3.client("ecs")
    ecs.create_service(cluster="vega-staging", serviceName="stuck", taskDefinition="vega-api:1", desiredCount=2)
    (svc,) = ecs.describe_services(cluster="vega-staging", services=["stuck"])["services"]
    deployment, td = svc["deployments"][0]["id"], svc["taskDefinition"]
    calls = [
        StepCall("watch", "ecs.watch", {"services": ["stuck"], "timeout": 60}, literal=True),
        StepCall(
            "record",
            "ecs.tag-outcome",
            {
                "service": "stuck",
                "task_definition": td,
                "deployment_id": deployment,
                "outcomes": "${steps.watch.final}",
            },
            always=True,
        ),
        StepCall("after", "ecs.watch", {"services": ["stuck"], "timeout": 60}, literal=True),
    ]
    report = engine.execute(app_context, "t", calls)
    failed = report.failed
    assert failed is not None and failed.id == "watch"
    assert failed.exception is not None and int(failed.exception.exit_code) == 6
    assert failed.outcome is not None and isinstance(failed.outcome.watch, WatchResult)
    assert failed.outcome.watch.verdicts["stuck"].outcome == vd.TIMED_OUT
    assert failed.outcome.watch.polls >= 1
    assert [s.status for s in report.steps] == ["failed", "done", "not_run"]
    assert _tags(td)["vegaops:outcome"] == vd.TIMED_OUT
    with pytest.raises(engine.RunFailed) as info:  # run() is execute() that raises the failure
        engine.run(app_context, "t", calls[:1])
    assert int(info.value.exit_code) == 6


def test_deploy_history_records_what_it_resolved_by_a_step(cli: Any, estate: dict[str, Any]) -> None:  # noqa: F811
    # vega-api:1 is steady in the service and carries no outcome: history resolves it from ECS (succeeded)
    arn = estate["ecs"].describe_task_definition(taskDefinition="vega-api:1")["taskDefinition"]["taskDefinitionArn"]
    r = cli("--dry-run", "deploy", "history", "api")
    assert r.exit_code == 0, r.output
    assert "record (ecs.record-outcomes):" in r.stderr, r.stderr  # the write, shown as a plan
    assert "record succeeded on vega-api:1 (resolved from ecs:DescribeServices)" in r.stderr
    assert "vegaops:outcome" not in _tags(arn) and _journal("deploy-history") == []  # a dry run writes nothing
    r = cli("-o", "json", "deploy", "history", "api")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["data"]["deployments"][0]["outcome"] == "succeeded"
    assert _tags(arn)["vegaops:outcome"] == "succeeded"
    (record,) = _journal("deploy-history")  # the write is journaled as the run's step
    assert record["steps"] == [
        {
            "id": "record",
            "status": "done",
            "changes": ["record succeeded on vega-api:1 (resolved from ecs:DescribeServices)"],
        }
    ]
    again = cli("deploy", "history", "api")  # recorded: nothing left to write, no engine run
    assert again.exit_code == 0 and "ecs.record-outcomes" not in again.stderr, again.output
    assert len(_journal("deploy-history")) == 1


def test_a_denied_outcome_record_is_reported_and_not_journaled_as_written(
    app_context: AppContext,
    estate: dict[str, Any],  # noqa: F811
) -> None:
    from vegaops.pipeline.history import history

    def deny(**_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        body = {
            "Error": {"Code": "AccessDeniedException", "Message": "no"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("http://127.0.0.1/", 400, {}, None), body

    app_context.aws.ecs.client.meta.events.register("before-call.ecs.TagResource", deny)
    warnings: list[str] = []
    app_context.enrichment.warn = warnings.append
    result = history(app_context, "api", 10)
    assert result.data["deployments"][0]["outcome"] == "succeeded"  # the answer is what ECS said
    assert len(warnings) == 1 and "ecs:TagResource denied" in warnings[0]
    assert _journal("deploy-history") == []  # nothing was written: the journal claims nothing


def test_rollback_records_what_its_search_resolved_by_a_step(
    cli: Any,
    app_context: AppContext,
    estate: dict[str, Any],  # noqa: F811
) -> None:
    from vegaops.pipeline.rollback import rollback

    ecs = estate["ecs"]
    spec = ecs.describe_task_definition(taskDefinition="vega-api:1")["taskDefinition"]
    ecs.register_task_definition(family="vega-api", containerDefinitions=spec["containerDefinitions"])  # :2
    ecs.update_service(cluster="vega-staging", service="vega-api", taskDefinition="vega-api:2")
    # moto lists vega-api:1's deployment as ACTIVE and COMPLETED (it reached steady state): succeeded
    one = ecs.describe_task_definition(taskDefinition="vega-api:1")["taskDefinition"]["taskDefinitionArn"]
    line = "record succeeded on vega-api:1 (resolved from ecs:DescribeServices)"
    plan = cli("--dry-run", "rollback", "api", "--to", "1")
    assert plan.exit_code == 0, plan.output
    assert f"settle-api (ecs.record-outcomes):\n  ~ {line}" in plan.stderr, plan.stderr
    assert "vegaops:outcome" not in _tags(one)  # shown, not written
    result = rollback(app_context, "api", 1, timeout=60, poll_interval=None)
    assert result.exit_code == 0, result.errors
    (record,) = _journal("rollback")
    steps = {s["id"]: s for s in record["steps"]}
    assert list(steps)[:3] == ["lock-api", "rollback", "settle-api"]
    assert steps["settle-api"]["changes"] == [line]
    assert _tags(one)["vegaops:outcome"] == "succeeded"
