"""ecr.resolve and ecr.promote: the step contract against in-process moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from vegaops.context import AppContext
from vegaops.errors import NotFoundError, Refused
from vegaops.runbook import engine
from vegaops.steps.ecr import PromoteImage, PromoteParams, ResolveImage, ResolveParams
from vegaops.steps.registry import get_step

pytestmark = pytest.mark.usefixtures("aws")


def manifest(layer: str) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 7,
                "digest": "sha256:" + "c" * 64,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 9,
                    "digest": "sha256:" + layer * 64,
                }
            ],
        }
    )


@pytest.fixture
def repos() -> dict[str, str]:
    c = boto3.client("ecr")
    c.create_repository(repositoryName="staging/vega-api")
    c.create_repository(repositoryName="vega-api", imageTagMutability="IMMUTABLE")
    c.create_repository(repositoryName="vega-mutable")
    digests = {}
    for tag, layer in (("v1", "a"), ("v2", "b")):
        r = c.put_image(repositoryName="staging/vega-api", imageManifest=manifest(layer), imageTag=tag)
        digests[tag] = r["image"]["imageId"]["imageDigest"]
    return digests


def test_registered() -> None:
    assert get_step("ecr.resolve") is ResolveImage and get_step("ecr.promote") is PromoteImage


def test_resolve_is_read_only(app_context: AppContext, repos: dict[str, str]) -> None:
    plan = ResolveImage(ResolveParams(repository="staging/vega-api", tag="v1")).plan(app_context)
    assert plan.empty
    assert plan.outputs["digest"] == repos["v1"]
    assert plan.outputs["image"].endswith(f"/staging/vega-api@{repos['v1']}")
    assert (plan.outputs["repository"], plan.outputs["tag"]) == ("staging/vega-api", "v1")
    with pytest.raises(NotFoundError):
        ResolveImage(ResolveParams(repository="staging/vega-api", tag="nope")).plan(app_context)


@pytest.mark.parametrize("new_tag", [None, "v1-prod"])
def test_promote_contract_same_digest(app_context: AppContext, repos: dict[str, str], new_tag: str | None) -> None:
    step = PromoteImage(
        PromoteParams(tag="v1", source_repository="staging/vega-api", repository="vega-api", new_tag=new_tag)
    )
    plan = step.plan(app_context)
    assert [c.action for c in plan.changes] == ["promote"]
    outcome = step.apply(app_context, plan)
    assert outcome.outputs["digest"] == repos["v1"]
    again = step.plan(app_context)
    assert again.empty and again.notes[0].startswith("already there")
    got = boto3.client("ecr").describe_images(repositoryName="vega-api", imageIds=[{"imageTag": new_tag or "v1"}])
    assert got["imageDetails"][0]["imageDigest"] == repos["v1"]


def test_promote_immutable_clash_refused(app_context: AppContext, repos: dict[str, str]) -> None:
    first = PromoteImage(
        PromoteParams(tag="v1", source_repository="staging/vega-api", repository="vega-api", new_tag="live")
    )
    first.apply(app_context, first.plan(app_context))
    clash = PromoteImage(
        PromoteParams(tag="v2", source_repository="staging/vega-api", repository="vega-api", new_tag="live")
    )
    with pytest.raises(Refused) as info:
        clash.plan(app_context)
    assert info.value.exit_code == 8 and "IMMUTABLE" in info.value.message


def test_promote_moves_a_mutable_tag(app_context: AppContext, repos: dict[str, str]) -> None:
    def promote(tag: str) -> Any:
        return PromoteImage(
            PromoteParams(tag=tag, source_repository="staging/vega-api", repository="vega-mutable", new_tag="live")
        )

    promote("v1").apply(app_context, promote("v1").plan(app_context))
    step = promote("v2")
    plan = step.plan(app_context)
    assert [c.action for c in plan.changes] == ["update"]
    step.apply(app_context, plan)
    assert step.plan(app_context).empty
    ref = boto3.client("ecr").describe_images(repositoryName="vega-mutable", imageIds=[{"imageTag": "live"}])
    assert ref["imageDetails"][0]["imageDigest"] == repos["v2"]


def test_promote_through_engine_dry_run_changes_nothing(app_context: AppContext, repos: dict[str, str]) -> None:
    app_context.options.dry_run = True
    params = PromoteParams(tag="v1", source_repository="staging/vega-api", repository="vega-api")
    report = engine.run(app_context, "promote", [engine.single(PromoteImage, params)])
    assert report.steps[0].status == "planned"
    assert boto3.client("ecr").describe_images(repositoryName="vega-api")["imageDetails"] == []
    app_context.options.dry_run = False
    app_context.options.yes = True
    report = engine.run(app_context, "promote", [engine.single(PromoteImage, params)])
    assert report.steps[0].status == "done" and report.steps[0].outputs["digest"] == repos["v1"]


def test_promote_missing_source_tag(app_context: AppContext, repos: dict[str, str]) -> None:
    step = PromoteImage(PromoteParams(tag="nope", source_repository="staging/vega-api", repository="vega-api"))
    with pytest.raises(NotFoundError, match="tag 'nope'"):
        step.plan(app_context)
