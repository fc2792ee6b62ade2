"""``vegaops image push`` against a real docker-registry on loopback (+ in-process moto for ECR)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.images.imagegen import write_docker_archive, write_oci
from tests.images.test_push_client import registry_digest
from vegaops.aws.ecr import Ecr, Manifest
from vegaops.context import AppContext
from vegaops.images.localregistry import LocalRegistry
from vegaops.images.source import load_source
from vegaops.steps.ecr import PushImage, PushParams

pytestmark = pytest.mark.usefixtures("aws")


def config(registry_host: str) -> str:
    return f"""\
[project]
name = "vega"
region = "eu-central-1"
default_env = "staging"

[env.staging]
cluster = "vega-staging"
ecr_registry = "{registry_host}"

[service.api]
ecs_service = "vega-api"
container = "api"
ecr_repo = "vega-api"

[service.worker]
ecs_service = "vega-worker"
ecr_repo = "vega-worker"
"""


@pytest.fixture
def env(project: Path, local_registry: LocalRegistry) -> Path:
    (project / "vegaops.toml").write_text(config(local_registry.host))
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="vega-api", imageTagMutability="IMMUTABLE")
    ecr.create_repository(repositoryName="vega-worker")
    return project


def mirror(repo: str, tag: str, source_path: str, kind: str = "oci") -> None:
    """What the sandbox registry's notification mirror (and real ECR itself) does: ECR knows the push."""
    s = load_source(kind, source_path)
    Ecr(boto3.client("ecr")).put_image(repo, Manifest(s.manifest.decode(), s.media_type, s.digest), tag)


def test_push_oci_prints_registry_digest_then_repush_sends_nothing(
    cli: Any, env: Path, local_registry: LocalRegistry
) -> None:
    digest = write_oci(env / "img", [200_000, 30_000, 4_000], label="cli-oci")
    r = cli("--output", "json", "image", "push", "api", "--tag", "v1", "--source", f"oci:{env / 'img'}")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["data"]["digest"] == digest == registry_digest(local_registry, "vega-api", "v1")
    assert out["data"]["bytes_uploaded"] == load_source("oci", str(env / "img")).size
    assert "uploaded" in r.stderr  # one progress line per blob on a non-terminal stderr
    # ECR does not know it yet (no mirror here): the re-push still sends zero layer bytes
    again = cli("--output", "json", "image", "push", "api", "--tag", "v1", "--source", f"oci:{env / 'img'}")
    data = json.loads(again.stdout)["data"]
    assert data["bytes_uploaded"] == 0 and {b["status"] for b in data["blobs"]} == {"already present"}
    # once ECR reports the tag with this digest, the plan is empty: nothing is contacted at all
    mirror("vega-api", "v1", str(env / "img"))
    human = cli("image", "push", "api", "--tag", "v1", "--source", f"oci:{env / 'img'}")
    assert human.exit_code == 0 and f"already present: vega-api:v1 is {digest}" in human.stdout


def test_push_mounts_from_other_repos(cli: Any, env: Path, local_registry: LocalRegistry) -> None:
    write_oci(env / "img", [50_000, 6_000], label="shared")
    assert cli("image", "push", "worker", "--tag", "w1", "--source", f"oci:{env / 'img'}").exit_code == 0
    r = cli("--output", "json", "image", "push", "api", "--tag", "a1", "--source", f"oci:{env / 'img'}")
    data = json.loads(r.stdout)["data"]
    assert {b["status"] for b in data["blobs"]} == {"mounted from vega-worker"}
    assert data["bytes_uploaded"] == 0


def test_push_docker_archive(cli: Any, env: Path, local_registry: LocalRegistry) -> None:
    write_docker_archive(env / "image.tar", [30_000, 2_000], label="cli-archive")
    r = cli("image", "push", "api", "--tag", "d1", "--source", f"docker-archive:{env / 'image.tar'}")
    assert r.exit_code == 0, r.output
    digest = registry_digest(local_registry, "vega-api", "d1")
    assert f"pushed vega-api:d1 {digest}" in r.stdout


def test_immutable_tag_clash_exit_8_before_any_upload(cli: Any, env: Path, local_registry: LocalRegistry) -> None:
    write_oci(env / "one", [1_000], label="one")
    write_oci(env / "two", [1_000], label="two")
    mirror("vega-api", "v9", str(env / "one"))
    r = cli("image", "push", "api", "--tag", "v9", "--source", f"oci:{env / 'two'}")
    assert r.exit_code == 8 and "IMMUTABLE" in r.stderr
    assert cli("image", "push", "api", "--tag", "nope", "--source", "oci:/nonexistent").exit_code == 2


def test_push_step_contract(app_context: AppContext, env: Path, local_registry: LocalRegistry) -> None:
    write_oci(env / "img", [10_000], label="contract")
    step = PushImage(PushParams(repository="vega-worker", tag="c1", source=f"oci:{env / 'img'}"))
    plan = step.plan(app_context)
    assert [c.action for c in plan.changes] == ["push"]
    outcome = step.apply(app_context, plan)
    assert outcome.outputs["digest"] == registry_digest(local_registry, "vega-worker", "c1")
    mirror("vega-worker", "c1", str(env / "img"))
    assert step.plan(app_context).empty


FAKE_DOCKER = """#!/bin/sh
log="$FAKE_DOCKER_LOG"
printf 'ARGV %s\\n' "$*" >> "$log"
if [ "$1" = "version" ]; then
  [ -n "$FAKE_DOCKER_NO_ENGINE" ] && { echo "Cannot connect to the Docker daemon" >&2; exit 1; }
  echo "27.0.1"; exit 0
fi
if [ "$1" = "login" ]; then printf 'STDIN %s\\n' "$(cat)" >> "$log"; echo "Login Succeeded"; exit 0; fi
if [ "$1" = "push" ]; then
  echo "c1: Pushed"; echo "v1: digest: sha256:FAKEDIGEST size: 528"; exit 0
fi
exit 0
"""


@pytest.fixture
def fake_docker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    exe = bindir / "docker"
    exe.write_text(FAKE_DOCKER.replace("FAKEDIGEST", "e" * 64))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "docker.log"
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(log))
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return log


def test_docker_source_logs_in_on_stdin_tags_and_pushes(
    cli: Any, env: Path, fake_docker: Path, local_registry: LocalRegistry
) -> None:
    r = cli("--output", "json", "image", "push", "worker", "--tag", "v1", "--source", "docker://vega/worker:dev")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["data"]["digest"] == "sha256:" + "e" * 64
    lines = fake_docker.read_text().splitlines()
    password = Ecr(boto3.client("ecr")).auth().password.value
    host = local_registry.host
    assert f"ARGV login --username AWS --password-stdin {host}" in lines
    assert f"STDIN {password}" in lines
    assert not any(password in line for line in lines if line.startswith("ARGV"))
    assert f"ARGV tag vega/worker:dev {host}/vega-worker:v1" in lines
    assert f"ARGV push {host}/vega-worker:v1" in lines


def test_docker_source_without_engine_is_exit_2(
    cli: Any, env: Path, fake_docker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DOCKER_NO_ENGINE", "1")
    r = cli("image", "push", "worker", "--tag", "v1", "--source", "docker://vega/worker:dev")
    assert r.exit_code == 2 and "no Docker engine is reachable" in r.stderr
    assert not any(line.startswith("ARGV push") for line in fake_docker.read_text().splitlines())
    monkeypatch.setenv("PATH", str(env / "empty-bin"))
    r = cli("image", "push", "worker", "--tag", "v1", "--source", "docker://vega/worker:dev")
    assert r.exit_code == 2 and "docker CLI is not installed" in r.stderr


def test_mirror_wait_times_out_on_the_injected_clock(
    app_context: AppContext, env: Path, local_registry: LocalRegistry
) -> None:
    from vegaops.errors import TimedOut

    app_context.settings.extras["registry_mirror"] = True  # as --env sandbox sets it; no mirror runs here
    write_oci(env / "img", [1_000], label="no-mirror")
    step = PushImage(PushParams(repository="vega-worker", tag="m1", source=f"oci:{env / 'img'}"))
    start = app_context.clock.monotonic()
    with pytest.raises(TimedOut, match="did not mirror vega-worker:m1"):
        step.apply(app_context, step.plan(app_context))
    assert app_context.clock.monotonic() - start >= 15
