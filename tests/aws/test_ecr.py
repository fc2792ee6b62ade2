"""The ECR layer against in-process moto: resolve, list (all pages), manifests, put_image, auth."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest

from vegaops.aws.ecr import DOCKER_MANIFEST_V2, OCI_MANIFEST, Ecr, Manifest, manifest_digest
from vegaops.errors import NotFoundError, Refused

pytestmark = pytest.mark.usefixtures("aws")


def manifest(layer: str, media_type: str = DOCKER_MANIFEST_V2) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": media_type,
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
def client() -> Any:
    c = boto3.client("ecr")
    c.create_repository(repositoryName="vega-api")
    c.create_repository(repositoryName="vega-prod", imageTagMutability="IMMUTABLE")
    return c


def test_resolve_distinguishes_missing_repo_from_missing_tag(client: Any) -> None:
    body = manifest("a")
    client.put_image(repositoryName="vega-api", imageManifest=body, imageTag="v1", imageDigest=manifest_digest(body))
    ecr = Ecr(client)
    ref = ecr.resolve("vega-api", "v1")
    assert ref.digest == manifest_digest(body)
    assert ref.pinned == f"123456789012.dkr.ecr.eu-central-1.amazonaws.com/vega-api@{ref.digest}"
    assert ecr.find("vega-api", "nope") is None
    with pytest.raises(NotFoundError, match="tag 'nope' not found in ECR repository 'vega-api'"):
        ecr.resolve("vega-api", "nope")
    with pytest.raises(NotFoundError, match="repository 'absent' does not exist"):
        ecr.resolve("absent", "v1")


def test_registry_override_is_for_push_and_login_only(client: Any) -> None:
    body = manifest("a")
    client.put_image(repositoryName="vega-api", imageManifest=body, imageTag="v1")
    ecr = Ecr(client, registry_override="127.0.0.1:5000")
    assert ecr.resolve("vega-api", "v1").pinned.startswith(
        "123456789012.dkr.ecr.eu-central-1.amazonaws.com/vega-api@sha256:"
    )
    assert ecr.auth().host == "127.0.0.1:5000"


def test_list_images_follows_next_token() -> None:
    # moto ignores nextToken (one page): a real client answered by botocore's Stubber gives two pages
    from botocore.stub import Stubber

    pages = {
        None: {
            "imageDetails": [{"imageDigest": "sha256:1", "imageTags": ["a"]}],
            "nextToken": "t1",
        },
        "t1": {
            "imageDetails": [
                {
                    "imageDigest": "sha256:2",
                    "imageTags": ["b"],
                    "imageSizeInBytes": 5,
                    "imageScanFindingsSummary": {"findingSeverityCounts": {"HIGH": 2}},
                    "imageScanStatus": {"status": "COMPLETE"},
                }
            ]
        },
    }
    calls: list[dict[str, Any]] = []
    paged = boto3.client("ecr", region_name="eu-central-1")
    paged.meta.events.register(
        "before-parameter-build.ecr.DescribeImages", lambda params, **_: calls.append(dict(params))
    )
    with Stubber(paged) as stub:
        for page in pages.values():
            stub.add_response("describe_images", page)
        images = Ecr(paged).list_images("vega-api")
    assert sorted(i.digest for i in images) == ["sha256:1", "sha256:2"]
    assert [c.get("nextToken") for c in calls] == [None, "t1"]
    scanned = next(i for i in images if i.digest == "sha256:2")
    assert scanned.scan is not None and scanned.scan.text == "high 2" and scanned.size == 5


def test_list_images_in_moto(client: Any) -> None:
    for i, layer in enumerate("abc"):
        client.put_image(repositoryName="vega-api", imageManifest=manifest(layer), imageTag=f"v{i}")
    images = Ecr(client).list_images("vega-api")
    assert sorted(t for i in images for t in i.tags) == ["v0", "v1", "v2"]
    with pytest.raises(NotFoundError):
        Ecr(client).list_images("absent")


@pytest.mark.parametrize("media_type", [DOCKER_MANIFEST_V2, OCI_MANIFEST])
def test_get_manifest_and_put_keeps_digest(client: Any, media_type: str) -> None:
    body = manifest("a", media_type)
    # seeded WITHOUT imageDigest: moto makes up a digest that is not sha256(manifest)
    seeded = client.put_image(
        repositoryName="vega-api", imageManifest=body, imageTag="v1", imageManifestMediaType=media_type
    )["image"]["imageId"]["imageDigest"]
    ecr = Ecr(client)
    m = ecr.get_manifest("vega-api", tag="v1")
    assert (m.body, m.media_type, m.digest) == (body, media_type, seeded)
    assert ecr.put_image("vega-prod", m, tag="v1") == seeded
    assert ecr.resolve("vega-prod", "v1").digest == seeded
    # a fresh manifest gets its content digest, like real ECR
    fresh = Manifest(body=manifest("b"), media_type=DOCKER_MANIFEST_V2, digest="")
    assert ecr.put_image("vega-api", fresh, tag="v2") == manifest_digest(fresh.body)
    with pytest.raises(NotFoundError, match="tag 'zz' not found"):
        ecr.get_manifest("vega-api", tag="zz")


def test_put_image_immutable_clash_is_refused_and_same_digest_is_fine(client: Any) -> None:
    ecr = Ecr(client)
    one = Manifest(manifest("a"), DOCKER_MANIFEST_V2, "")
    two = Manifest(manifest("b"), DOCKER_MANIFEST_V2, "")
    ecr.put_image("vega-prod", one, tag="v1")
    assert ecr.put_image("vega-prod", one, tag="v1") == manifest_digest(one.body)
    with pytest.raises(Refused, match="IMMUTABLE") as info:
        ecr.put_image("vega-prod", two, tag="v1")
    assert info.value.exit_code == 8


def test_auth_token_and_override(client: Any) -> None:
    auth = Ecr(client).auth()
    assert auth.host == "123456789012.dkr.ecr.eu-central-1.amazonaws.com"
    assert auth.username == "AWS" and auth.url.startswith("https://")
    token = base64.b64decode(client.get_authorization_token()["authorizationData"][0]["authorizationToken"])
    assert auth.password.value == token.decode().split(":", 1)[1]
    assert auth.password.value not in repr(auth)
    local = Ecr(client).auth(registry_override="127.0.0.1:5555")
    assert local.host == "127.0.0.1:5555" and local.url == "http://127.0.0.1:5555"
