"""Secrets Manager, typed. No printing; values are returned wrapped in Sensitive."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vegaops.aws.errors import error_code
from vegaops.sensitive import Sensitive


@dataclass(frozen=True)
class SecretValue:
    name: str
    arn: str
    version_id: str
    value: Sensitive
    stages: tuple[str, ...]
    created: datetime | None


@dataclass(frozen=True)
class SecretMeta:
    name: str
    arn: str
    description: str | None
    last_changed: datetime | None
    deleted: datetime | None
    tags: dict[str, str]
    versions: dict[str, tuple[str, ...]]  # version id -> stages


def request_token(name: str, value: str, base_version: str = "") -> str:
    """A deterministic ClientRequestToken: a retried write cannot make two versions.

    The version the write replaces is part of the token, so setting a value back to an older one (A -> B -> A)
    still makes a new version instead of being swallowed as a repeat of the first write.
    """
    digest = hashlib.sha256(f"{name}\0{base_version}\0{value}".encode()).hexdigest()
    return f"vegaops-{digest[:56]}"


class Secrets:
    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, name: str, version_id: str | None = None, stage: str | None = None) -> SecretValue | None:
        kwargs: dict[str, Any] = {"SecretId": name}
        if version_id:
            kwargs["VersionId"] = version_id
        if stage:
            kwargs["VersionStage"] = stage
        try:
            r = self.client.get_secret_value(**kwargs)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        raw = r.get("SecretString")
        if raw is None:
            binary = r.get("SecretBinary", b"")
            raw = binary.decode("utf-8", "replace") if isinstance(binary, bytes) else str(binary)
        return SecretValue(r["Name"], r["ARN"], r["VersionId"], Sensitive(raw),
                           tuple(r.get("VersionStages", ())), r.get("CreatedDate"))

    def describe(self, name: str) -> SecretMeta | None:
        try:
            r = self.client.describe_secret(SecretId=name)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        return SecretMeta(
            name=r["Name"], arn=r["ARN"], description=r.get("Description"),
            last_changed=r.get("LastChangedDate"), deleted=r.get("DeletedDate"),
            tags={t["Key"]: t["Value"] for t in r.get("Tags", [])},
            versions={k: tuple(v) for k, v in r.get("VersionIdsToStages", {}).items()},
        )

    def create(self, name: str, value: str, description: str | None = None, kms_key: str | None = None,
               tags: dict[str, str] | None = None) -> tuple[str, str]:
        kwargs: dict[str, Any] = {"Name": name, "SecretString": value,
                                  "ClientRequestToken": request_token(name, value)}
        if description:
            kwargs["Description"] = description
        if kms_key:
            kwargs["KmsKeyId"] = kms_key
        if tags:
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        r = self.client.create_secret(**kwargs)
        return r["ARN"], r["VersionId"]

    def put(self, name: str, value: str, base_version: str) -> str:
        r = self.client.put_secret_value(SecretId=name, SecretString=value,
                                         ClientRequestToken=request_token(name, value, base_version))
        version: str = r["VersionId"]
        return version

    def update_description(self, name: str, description: str) -> None:
        self.client.update_secret(SecretId=name, Description=description)

    def add_tags(self, name: str, tags: dict[str, str]) -> None:
        self.client.tag_resource(SecretId=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def names(self, prefix: str = "") -> set[str]:
        found: set[str] = set()
        kwargs: dict[str, Any] = {"MaxResults": 100}
        if prefix:
            kwargs["Filters"] = [{"Key": "name", "Values": [prefix]}]
        for page in self.client.get_paginator("list_secrets").paginate(**kwargs):
            found.update(s["Name"] for s in page.get("SecretList", []) if s["Name"].startswith(prefix))
        return found
