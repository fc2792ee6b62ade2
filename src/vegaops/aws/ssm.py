"""SSM Parameter Store, typed (``mypy_boto3_ssm``) and paginated (botocore paginators). No printing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeGuard

from vegaops.aws.errors import error_code

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_ssm.literals import ParameterTypeType
    from mypy_boto3_ssm.type_defs import (
        ParameterHistoryTypeDef,
        ParameterMetadataTypeDef,
        ParameterTypeDef,
        PutParameterRequestTypeDef,
    )

PARAMETER_TYPES = ("String", "StringList", "SecureString")


def is_parameter_type(value: str) -> TypeGuard[ParameterTypeType]:
    return value in PARAMETER_TYPES


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    value: str | None
    version: int
    last_modified: datetime | None = None
    arn: str | None = None
    description: str | None = None
    modified_by: str | None = None
    labels: tuple[str, ...] = ()

    @property
    def secure(self) -> bool:
        return self.type == "SecureString"


def _from_api(p: ParameterTypeDef) -> Parameter:
    return Parameter(
        name=p.get("Name", ""),
        type=p.get("Type", "String"),
        value=p.get("Value"),
        version=int(p.get("Version", 0)),
        last_modified=p.get("LastModifiedDate"),
        arn=p.get("ARN"),
    )


def _from_history(p: ParameterHistoryTypeDef) -> Parameter:
    return Parameter(
        name=p.get("Name", ""),
        type=p.get("Type", "String"),
        value=p.get("Value"),
        version=int(p.get("Version", 0)),
        last_modified=p.get("LastModifiedDate"),
        description=p.get("Description"),
        modified_by=p.get("LastModifiedUser"),
        labels=tuple(p.get("Labels", ())),
    )


class Ssm:
    def __init__(self, client: SSMClient) -> None:
        self.client = client

    def get(self, name: str, decrypt: bool = True) -> Parameter | None:
        try:
            response = self.client.get_parameter(Name=name, WithDecryption=decrypt)
        except Exception as exc:
            if error_code(exc) == "ParameterNotFound":
                return None
            raise
        return _from_api(response["Parameter"])

    def get_many(self, names: list[str], decrypt: bool = True) -> dict[str, Parameter]:
        found: dict[str, Parameter] = {}
        for i in range(0, len(names), 10):
            response = self.client.get_parameters(Names=names[i : i + 10], WithDecryption=decrypt)
            for p in response.get("Parameters", []):
                found[p.get("Name", "")] = _from_api(p)
        return found

    def describe(self, name: str) -> ParameterMetadataTypeDef | None:
        response = self.client.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
        )
        items = response.get("Parameters", [])
        return items[0] if items else None

    def put(
        self,
        name: str,
        value: str,
        type_: str,
        overwrite: bool,
        description: str | None = None,
        kms_key: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> int:
        if not is_parameter_type(type_):
            raise ValueError(f"parameter type {type_!r} is not one of {', '.join(PARAMETER_TYPES)}")
        request: PutParameterRequestTypeDef = {"Name": name, "Value": value, "Type": type_, "Overwrite": overwrite}
        if description is not None:
            request["Description"] = description
        if kms_key and type_ == "SecureString":
            request["KeyId"] = kms_key
        if tags and not overwrite:
            request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        response = self.client.put_parameter(**request)
        return int(response.get("Version", 0))

    def label(self, name: str, version: int, labels: list[str]) -> None:
        self.client.label_parameter_version(Name=name, ParameterVersion=version, Labels=labels)

    def tags(self, name: str) -> dict[str, str]:
        response = self.client.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)
        return {t["Key"]: t["Value"] for t in response.get("TagList", [])}

    def add_tags(self, name: str, tags: dict[str, str]) -> None:
        self.client.add_tags_to_resource(
            ResourceType="Parameter", ResourceId=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )

    def by_path(self, path: str, recursive: bool, decrypt: bool) -> Iterator[Parameter]:
        paginator = self.client.get_paginator("get_parameters_by_path")
        for page in paginator.paginate(
            Path=path, Recursive=recursive, WithDecryption=decrypt, PaginationConfig={"PageSize": 10}
        ):
            for p in page.get("Parameters", []):
                yield _from_api(p)

    def delete(self, names: list[str]) -> tuple[list[str], list[str]]:
        deleted: list[str] = []
        invalid: list[str] = []
        for i in range(0, len(names), 10):
            response = self.client.delete_parameters(Names=names[i : i + 10])
            deleted.extend(response.get("DeletedParameters", []))
            invalid.extend(response.get("InvalidParameters", []))
        return deleted, invalid

    def history(self, name: str, decrypt: bool = True) -> list[Parameter]:
        paginator = self.client.get_paginator("get_parameter_history")
        versions: list[Parameter] = []
        for page in paginator.paginate(Name=name, WithDecryption=decrypt):
            versions.extend(_from_history(p) for p in page.get("Parameters", []))
        return versions
