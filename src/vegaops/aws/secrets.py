"""Secrets Manager, typed. No printing; values are returned wrapped in Sensitive."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from vegaops.aws.errors import error_code
from vegaops.sensitive import Sensitive

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_secretsmanager.type_defs import (
        CreateSecretRequestTypeDef,
        DeleteSecretRequestTypeDef,
        GetSecretValueRequestTypeDef,
        ListSecretsRequestPaginateTypeDef,
        ListSecretVersionIdsRequestTypeDef,
        UpdateSecretVersionStageRequestTypeDef,
    )


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
    still makes a new version instead of being swallowed as a repeat of the first write. The token becomes
    the version id that `secret history` and anyone with ListSecretVersionIds sees, so it is keyed (HMAC with
    the installation's fingerprint key, ``vegaops.sensitive``): a plain hash would let a short value be
    confirmed offline from its version id.
    """
    from vegaops.sensitive import fingerprint_key

    digest = hmac.new(fingerprint_key(), f"{name}\0{base_version}\0{value}".encode(), hashlib.sha256).hexdigest()
    return f"vegaops-{digest[:56]}"


def _secret_text(response: Mapping[str, object]) -> str:
    """GetSecretValue's SecretString, else its SecretBinary as text (the stubs declare both; one is sent)."""
    text = response.get("SecretString")
    if isinstance(text, str):
        return text
    binary = response.get("SecretBinary", b"")
    return binary.decode("utf-8", "replace") if isinstance(binary, bytes) else str(binary)


class Secrets:
    def __init__(self, client: SecretsManagerClient) -> None:
        self.client = client

    def get(self, name: str, version_id: str | None = None, stage: str | None = None) -> SecretValue | None:
        request: GetSecretValueRequestTypeDef = {"SecretId": name}
        if version_id:
            request["VersionId"] = version_id
        if stage or not version_id:
            # explicit AWSCURRENT: moto 5.2.5 keeps serving the old version after a stage move otherwise
            request["VersionStage"] = stage or "AWSCURRENT"
        try:
            r = self.client.get_secret_value(**request)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        return SecretValue(
            r["Name"],
            r["ARN"],
            r["VersionId"],
            Sensitive(_secret_text(r)),
            tuple(r.get("VersionStages", ())),
            r.get("CreatedDate"),
        )

    def describe(self, name: str) -> SecretMeta | None:
        try:
            r = self.client.describe_secret(SecretId=name)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        return SecretMeta(
            name=r["Name"],
            arn=r["ARN"],
            description=r.get("Description"),
            last_changed=r.get("LastChangedDate"),
            deleted=r.get("DeletedDate"),
            tags={t["Key"]: t["Value"] for t in r.get("Tags", [])},
            versions={k: tuple(v) for k, v in r.get("VersionIdsToStages", {}).items()},
        )

    def create(
        self,
        name: str,
        value: str,
        description: str | None = None,
        kms_key: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> tuple[str, str]:
        request: CreateSecretRequestTypeDef = {
            "Name": name,
            "SecretString": value,
            "ClientRequestToken": request_token(name, value),
        }
        if description:
            request["Description"] = description
        if kms_key:
            request["KmsKeyId"] = kms_key
        if tags:
            request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        r = self.client.create_secret(**request)
        return r["ARN"], r["VersionId"]

    def put(self, name: str, value: str, base_version: str) -> str:
        r = self.client.put_secret_value(
            SecretId=name, SecretString=value, ClientRequestToken=request_token(name, value, base_version)
        )
        version: str = r["VersionId"]
        self._only_current(name, version)
        return version

    def _only_current(self, name: str, version: str) -> None:
        """Make sure the version just written is the only AWSCURRENT one.

        Secrets Manager moves AWSCURRENT off the previous holder on every write. moto 5.2.5 (the sandbox)
        does not after a stage move (a rollback): it leaves two versions AWSCURRENT and keeps serving the
        old one. One DescribeSecret tells; the move is made only when needed, so on AWS it is never made.
        """
        stages = self.client.describe_secret(SecretId=name).get("VersionIdsToStages", {})
        for other, labels in stages.items():
            if other != version and "AWSCURRENT" in labels:
                request: UpdateSecretVersionStageRequestTypeDef = {
                    "SecretId": name,
                    "VersionStage": "AWSCURRENT",
                    "RemoveFromVersionId": other,
                }
                if "AWSCURRENT" not in stages.get(version, []):
                    request["MoveToVersionId"] = version
                self.client.update_secret_version_stage(**request)

    def update_description(self, name: str, description: str) -> None:
        self.client.update_secret(SecretId=name, Description=description)

    def add_tags(self, name: str, tags: dict[str, str]) -> None:
        self.client.tag_resource(SecretId=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def names(self, prefix: str = "") -> set[str]:
        found: set[str] = set()
        request: ListSecretsRequestPaginateTypeDef = {"PaginationConfig": {"PageSize": 100}}
        if prefix:
            request["Filters"] = [{"Key": "name", "Values": [prefix]}]
        for page in self.client.get_paginator("list_secrets").paginate(**request):
            found.update(s["Name"] for s in page.get("SecretList", []) if s["Name"].startswith(prefix))
        return found


@dataclass(frozen=True)
class SecretListing:
    name: str
    arn: str
    last_changed: datetime | None
    versions: int
    deleted: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SecretVersion:
    version_id: str
    stages: tuple[str, ...]
    created: datetime | None


def _list_request(prefix: str, include_deleted: bool) -> ListSecretsRequestPaginateTypeDef:
    request: ListSecretsRequestPaginateTypeDef = {"PaginationConfig": {"PageSize": 100}}
    if prefix:
        request["Filters"] = [{"Key": "name", "Values": [prefix]}]
    if include_deleted:
        request["IncludePlannedDeletion"] = True
    return request


class SecretsCatalog(Secrets):
    """Listing, history and the mutations behind delete/restore/rollback."""

    def listing(self, prefix: str = "", include_deleted: bool = False) -> list[SecretListing]:
        found: list[SecretListing] = []
        for page in self.client.get_paginator("list_secrets").paginate(**_list_request(prefix, include_deleted)):
            for s in page.get("SecretList", []):
                if not s["Name"].startswith(prefix):
                    continue
                found.append(
                    SecretListing(
                        s["Name"],
                        s["ARN"],
                        s.get("LastChangedDate"),
                        len(s.get("SecretVersionsToStages", {}) or {}),
                        s.get("DeletedDate"),
                        {t["Key"]: t.get("Value", "") for t in s.get("Tags", []) or []},
                    )
                )
        return sorted(found, key=lambda s: s.name)

    def versions(self, name: str) -> list[SecretVersion]:
        out: list[SecretVersion] = []
        # botocore has no paginator for ListSecretVersionIds: its NextToken is followed here
        request: ListSecretVersionIdsRequestTypeDef = {"SecretId": name, "IncludeDeprecated": True, "MaxResults": 100}
        while True:
            r = self.client.list_secret_version_ids(**request)
            out.extend(
                SecretVersion(v["VersionId"], tuple(v.get("VersionStages", ())), v.get("CreatedDate"))
                for v in r.get("Versions", [])
            )
            token = r.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
        # newest first by CreatedDate; equal dates (moto keeps whole seconds) keep the listing's order,
        # which is creation order, so of two versions created in the same second the later one is newer
        ordered = sorted(
            enumerate(out), key=lambda iv: (iv[1].created is not None, iv[1].created or 0, iv[0]), reverse=True
        )
        return [v for _, v in ordered]

    def delete(self, name: str, recovery_days: int | None, force: bool) -> datetime | None:
        request: DeleteSecretRequestTypeDef = {"SecretId": name}
        if force:
            request["ForceDeleteWithoutRecovery"] = True
        elif recovery_days is not None:
            request["RecoveryWindowInDays"] = recovery_days
        r = self.client.delete_secret(**request)
        when: datetime | None = r.get("DeletionDate")
        return when

    def restore(self, name: str) -> None:
        self.client.restore_secret(SecretId=name)

    def move_current(self, name: str, to_version: str, from_version: str) -> None:
        """Make ``to_version`` AWSCURRENT; Secrets Manager moves AWSPREVIOUS to the old current itself."""
        self.client.update_secret_version_stage(
            SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=to_version, RemoveFromVersionId=from_version
        )
