"""Real task definitions from public repositories (tests/fixtures/taskdefs, each citing its repository, path and
commit in ``_source``) registered on a **plain moto server** with a service each, then run through the real
``vegaops`` executable: env vars, secret refs, logs tail, status, debug, deploy --dry-run and deploy.

What the test adjusts before registering, and why (nothing else is touched):
- placeholders the sources leave for the reader (``${Region}``, ``${Account}``, ``${SecretId}``, ``region``/
  ``aws_account_id`` in ARNs, ``XXXXXXXXXXXX``, ecspresso's ``{{must_env `AWS_ACCOUNT_ID`}}`` and
  ``{{ env `TAG` `latest` }}``) are filled with this test's region, account and names;
- a missing or invalid family (``<TASK_NAME>``, documentation snippets) becomes the fixture's name; the
  documentation snippets that give only a logConfiguration get a container name (``app``) and a Docker Hub
  image without a tag (``httpd``);
- container ``cpu``/``memory`` given as strings become integers and ``null`` values are dropped (botocore
  validates parameter types before anything reaches an endpoint); ``status``/``revision`` (read-only
  fields ecspresso keeps) are dropped; a container without memory in a task definition without task memory
  gets ``memoryReservation: 128`` (ECS and moto require one of them; the documentation examples omit it).
The referenced secrets and parameters are created by name, so references by partial ARN or name resolve and
references by a full ARN whose suffix moto does not reproduce (``-AbCdEf``) are what a deleted-and-recreated
secret looks like: a stale ARN, which ``secret refs`` must find by name.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from vegaops.aws.ecs import REGISTRABLE_FIELDS
from vegaops.images.containers import choose
from vegaops.logs.sources import discover
from vegaops.refs import parse_value_from, variables

pytestmark = pytest.mark.e2e

REGION = "eu-central-1"
ACCOUNT = "123456789012"
CLUSTER = "corpus"
REPO = "corpus-app"
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "taskdefs"
FIXTURES = sorted(CORPUS.glob("*.json"))


def test_the_corpus_is_cited_and_covers_the_shapes() -> None:
    assert len(FIXTURES) >= 10
    text = ""
    for path in FIXTURES:
        doc = json.loads(path.read_text())
        source = doc["_source"]
        assert (
            source["repository"].count("/") == 1 and source["path"] and re.fullmatch(r"[0-9a-f]{40}", source["commit"])
        )
        text += path.read_text()
    for shape in (
        '"awsfirelens"',
        '"splunk"',
        "secretOptions",
        "datadog/agent",
        "aws-appmesh-envoy",
        '"bridge"',
        '"EC2"',
    ):
        assert shape in text, shape
    assert '"image": "httpd"' in text and '"image": "nginx"' in text  # Docker Hub, no registry, no tag


def materialise(path: Path) -> dict[str, Any]:
    stem = path.stem
    text = path.read_text()
    for old, new in (
        ("${Partition}", "aws"),
        ("${Region}", REGION),
        ("${RegionID}", REGION),
        ("${Account}", ACCOUNT),
        ("${AccountID}", ACCOUNT),
        ("${SecretId}", f"corpus/{stem}"),
        (":region:aws_account_id:", f":{REGION}:{ACCOUNT}:"),
        ("aws_account_id", ACCOUNT),
        ("XXXXXXXXXXXX", ACCOUNT),
        ("{{must_env `AWS_ACCOUNT_ID`}}", ACCOUNT),
        ("{{ env `TAG` `latest` }}", "latest"),
    ):
        text = text.replace(old, new)
    doc = json.loads(text)
    doc = doc.get("taskDefinition", doc)
    spec = {k: v for k, v in doc.items() if k in REGISTRABLE_FIELDS}
    if not re.fullmatch(r"[A-Za-z0-9_-]+", str(spec.get("family", ""))):
        spec["family"] = stem
    for c in spec["containerDefinitions"]:
        c.setdefault("name", "app")
        c.setdefault("image", "httpd")
        for key in ("cpu", "memory", "memoryReservation"):
            if isinstance(c.get(key), str):
                c[key] = int(c[key])
        if "memory" not in spec and "memory" not in c and "memoryReservation" not in c:
            c["memoryReservation"] = 128
    return _drop_none(spec)  # type: ignore[no-any-return]


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def client(name: str, url: str, region: str = REGION) -> Any:
    return boto3.client(name, endpoint_url=url, region_name=region)


def _store(url: str, spec: dict[str, Any]) -> None:
    """Create every referenced secret and parameter by name (a full ARN's suffix is moto's to choose)."""
    for v in variables(spec):
        if not v.value_from:
            continue
        ref = parse_value_from(v.value_from)
        parts = v.value_from.split(":")
        region = parts[3] if v.value_from.startswith("arn:") else REGION  # where the ARN says
        sm, ssm = client("secretsmanager", url, region), client("ssm", url, region)
        if ref.kind == "secretsmanager":
            name = ref.secret_name
            if ref.arn_prefix and re.search(r"-[A-Za-z0-9]{6}$", name):
                name = name[:-7]
            with contextlib.suppress(sm.exceptions.ResourceExistsException):
                sm.create_secret(Name=name, SecretString=json.dumps({"value": "corpus-secret-value"}))
        else:
            ssm.put_parameter(Name=ref.store_id, Value="corpus-param", Type="SecureString", Overwrite=True)


def _logs(url: str, stem: str, spec: dict[str, Any]) -> list[str]:
    """One line in every tailable stream of a task; returns the lines written."""
    written = []
    import hashlib

    task = hashlib.md5(stem.encode()).hexdigest()  # one task id per service: streams of shared groups differ
    for src in discover(stem, spec, REGION, CLUSTER):
        stream = src.stream_for(task) or src.template or f"{src.container}-{task}"  # awslogs without a prefix
        if not src.tailable or src.group is None:
            continue
        logs = client("logs", url, src.region or REGION)
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=src.group)
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_stream(logGroupName=src.group, logStreamName=stream)
        line = f"corpus line from {stem}/{src.container}"

        logs.put_log_events(
            logGroupName=src.group,
            logStreamName=stream,
            logEvents=[{"timestamp": int(time.time() * 1000) - 1000, "message": line}],
        )
        written.append(line)
    return written


@pytest.fixture
def corpus(moto_url: str, project: Path) -> dict[str, dict[str, Any]]:
    ecs, ecr = client("ecs", moto_url), client("ecr", moto_url)
    ecs.create_cluster(clusterName=CLUSTER)
    ecr.create_repository(repositoryName=REPO)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 2,
                "digest": "sha256:" + "a" * 64,
            },
            "layers": [],
        }
    )
    ecr.put_image(repositoryName=REPO, imageManifest=manifest, imageTag="v2")
    config = [
        "[project]",
        'name = "corpus"',
        f'region = "{REGION}"',
        'default_env = "staging"',
        "",
        "[env.staging]",
        f'cluster = "{CLUSTER}"',
        'secrets_prefix = "corpus/"',
        "",
    ]
    out: dict[str, dict[str, Any]] = {}
    for path in FIXTURES:
        spec = materialise(path)
        _store(moto_url, spec)
        td = ecs.register_task_definition(**spec)["taskDefinition"]
        launch = (
            "EC2"
            if "EC2" in spec.get("requiresCompatibilities", []) or spec.get("networkMode") in ("bridge", "host")
            else "FARGATE"
        )
        ecs.create_service(
            cluster=CLUSTER,
            serviceName=path.stem,
            taskDefinition=td["taskDefinitionArn"],
            desiredCount=0,
            launchType=launch,
        )
        config += [f"[service.{path.stem}]", f'ecs_service = "{path.stem}"', f'ecr_repo = "{REPO}"', ""]
        out[path.stem] = {"spec": spec, "lines": _logs(moto_url, path.stem, spec), "arn": td["taskDefinitionArn"]}
    (project / "vegaops.toml").write_text("\n".join(config))
    return out


def _json(r: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    return doc


def test_corpus_through_the_real_executable(run_vegaops, corpus, moto_url: str) -> None:  # type: ignore[no-untyped-def]
    ecs = client("ecs", moto_url)

    # env vars: every container's variables, secretOptions included, values never shown
    r = run_vegaops("-o", "json", "env", "vars")
    assert r.exit_code == 0, r.output
    rows = _json(r)["data"]["variables"]
    assert "corpus-secret-value" not in r.stdout and "corpus-param" not in r.stdout
    seen = {(v["service"], v["container"], v["name"], v["via"]) for v in rows}
    assert ("firelens-datadog", "app", "apikey", "secretOptions") in seen
    assert ("awsdocs-splunk", "app", "splunk-token", "secretOptions") in seen
    assert ("firelens-appmesh-envoy", "envoy", "ENVOY_LOG_LEVEL", "environment") in seen  # a sidecar's variable
    assert {v["name"] for v in rows if v["service"] == "ecspresso-daemon-ec2"} == {"FOO", "BAR", "BAZ"}
    by = {(v["service"], v["name"]): v for v in rows}
    assert by[("ecspresso-daemon-ec2", "FOO")]["resolves"] is True  # SSM by name
    assert by[("ecspresso-daemon-ec2", "BAR")]["resolves"] is True  # SSM by ARN
    assert by[("firelens-datadog", "apikey")]["resolves"] is True  # Secrets Manager by partial ARN
    stale = by[("ecspresso-daemon-ec2", "BAZ")]  # full ARN with a suffix the secret does not have
    assert stale["resolves"] is False and "stale ARN" in stale["why"]

    # secret refs: by name, through secretOptions, stale full ARNs called so
    r = run_vegaops("-o", "json", "secret", "refs", "/corpus/firelens-datadog")
    assert r.exit_code == 0, r.output
    assert [x["service"] for x in _json(r)["data"]["references"]] == ["firelens-datadog"]
    r = run_vegaops("secret", "refs", "/splunk-token")
    assert r.exit_code == 0 and "awsdocs-splunk" in r.stdout and "OLD ARN" in r.stdout, r.output
    assert "--repoint" in r.output

    # status: every service, the deployable container's image and the tag it pulls
    r = run_vegaops("-o", "json", "status")
    assert r.exit_code == 0, r.output
    status = {row["service"]: row for row in _json(r)["data"]["services"]}
    assert status["firelens-datadog"]["image"] == "httpd" and status["firelens-datadog"]["tag"] == "latest"
    assert status["firelens-appmesh-envoy"]["image"].endswith("/colorteller:latest")
    assert status["awsdocs-appmesh-gateway"]["image"] == "application_image"

    # logs tail: FireLens-to-CloudWatch and awslogs containers are tailable; the others say where logs go
    stems = sorted(corpus)
    r = run_vegaops("logs", "tail", *stems, "--since", "1h")
    assert r.exit_code == 0 and "Traceback" not in r.stderr, r.output
    for stem, item in corpus.items():
        for line in item["lines"]:
            assert line in r.stdout, (stem, line, r.output)
        if not item["lines"]:
            assert f"{stem}/" in r.stderr, (stem, r.stderr)  # "<service>/<container>: logs go to ..."
    assert "firelens-datadog/app: logs go to FireLens (Name=datadog" in r.stderr

    # deploy --dry-run and deploy: the right container gets the image, sidecars untouched
    r = run_vegaops("-o", "json", "--dry-run", "deploy", "--tag", "v2", *stems)
    assert r.exit_code == 0, r.output
    changes = [c for c in _json(r)["changes"] if c["summary"].startswith("register ")]  # one revision each
    assert len(changes) == len(stems)
    wanted = {}
    for stem, item in corpus.items():
        spec = item["spec"]
        wanted[stem] = want = choose(spec, None, REPO).name
        old = {c["name"]: c["image"] for c in spec["containerDefinitions"]}
        revision = item["arn"].rsplit("/", 1)[-1]
        (change,) = [c for c in changes if f" from {revision}: " in c["summary"]]
        assert f": {want} -> " in change["summary"] and change["detail"]["image"]["from"] == old[want], (stem, change)
    r = run_vegaops("--yes", "deploy", "--tag", "v2", *stems, "--timeout", "5s", "--poll-interval", "0.5")
    assert r.exit_code in (0, 6), r.output  # 6 only while a desired count of 0 is not yet success
    for stem, item in corpus.items():
        spec = item["spec"]
        old = {c["name"]: c["image"] for c in spec["containerDefinitions"]}
        after = ecs.describe_services(cluster=CLUSTER, services=[stem])["services"][0]["taskDefinition"]
        new = ecs.describe_task_definition(taskDefinition=after)["taskDefinition"]
        assert new["taskDefinitionArn"] != item["arn"] and new["family"] == spec["family"], stem
        for c in new["containerDefinitions"]:
            if c["name"] == wanted[stem]:
                assert f"/{REPO}@sha256:" in c["image"], (stem, c)
            else:
                assert c["image"] == old[c["name"]], (stem, c["name"])


def test_corpus_debug_never_exits_1(cli, corpus) -> None:  # type: ignore[no-untyped-def]
    """debug on every shape of the corpus, on a plain moto server (no ServiceDeployment APIs: HTTP 500):
    a report, and the stale ARN of a recreated secret named with its fix. In-process (the real executable runs
    the corpus in the test above): one interpreter start-up per shape cost most of this test's time."""
    for stem in sorted(corpus):
        r = cli("-o", "json", "debug", stem)
        assert r.exit_code in (0, 5), (stem, r.output)
        assert "Traceback" not in r.stderr
        if stem == "ecspresso-daemon-ec2":
            report = _json(r)["data"]
            (baz,) = [u for u in report["unresolved_secrets"] if u["name"] == "BAZ"]
            assert baz["current_arn"] and "stale ARN" in baz["error"] and baz["via"] == "secrets"
