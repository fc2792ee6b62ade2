"""Translation of botocore errors into vegaops errors, in one place."""

from __future__ import annotations

from vegaops.errors import (
    AuthError,
    AwsError,
    NotFoundError,
    Refused,
    UsageError,
    VegaopsError,
)

_AUTH_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "RequestExpired",
}
_NOT_FOUND_SUFFIXES = ("NotFound", "NotFoundException", "NotFoundFault", "NoSuchEntity")
_NOT_FOUND_CODES = {
    "ParameterNotFound",
    "ParameterVersionNotFound",
    "ResourceNotFoundException",
    "ClusterNotFoundException",
    "ServiceNotFoundException",
    "RepositoryNotFoundException",
    "ImageNotFoundException",
    "TargetGroupNotFound",
}
_VALIDATION_CODES = {
    "ValidationException",
    "ValidationError",
    "InvalidParameterException",
    "InvalidParameterValueException",
    "InvalidParameterValue",
    "InvalidRequestException",
    "ParameterPatternMismatchException",
    "InvalidKeyId",
    "ParameterMaxVersionLimitExceeded",
    "HierarchyLevelLimitExceededException",
    "UnsupportedParameterType",
}
_REFUSED_CODES = {"ParameterAlreadyExists", "ResourceExistsException", "ImageTagAlreadyExistsException"}

CREDENTIALS_HINT = (
    "configure credentials (aws configure / aws sso login), pass --profile, or use the local sandbox with --env sandbox"
)


def _where(operation: str | None) -> str:
    return f" ({operation})" if operation else ""


def translate(exc: BaseException) -> VegaopsError:
    """Map a botocore exception to the vegaops error with the right exit code and a hint."""
    from botocore import exceptions as bce

    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return AuthError("no AWS credentials found", hint=CREDENTIALS_HINT)
    if isinstance(exc, bce.ProfileNotFound):
        return AuthError(f"AWS profile not found: {exc.kwargs.get('profile')}", hint="check --profile / AWS_PROFILE")
    if isinstance(exc, bce.TokenRetrievalError | bce.SSOTokenLoadError | bce.UnauthorizedSSOTokenError):
        return AuthError("AWS SSO token is missing or expired", hint="run aws sso login")
    if isinstance(exc, bce.NoRegionError):
        return UsageError(
            "no AWS region configured", hint="pass --region, set region in vegaops.toml, or export AWS_REGION"
        )
    if isinstance(exc, bce.EndpointConnectionError | bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return AwsError(f"cannot reach AWS endpoint: {exc}", hint="check the network, the region or AWS_ENDPOINT_URL")
    if isinstance(exc, bce.ParamValidationError):
        return UsageError(f"invalid request: {exc}")
    if isinstance(exc, bce.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        message = str(err.get("Message", "")) or code
        operation = getattr(exc, "operation_name", None)
        text = f"{message}{_where(operation)}"
        if code in _AUTH_CODES:
            hint = "run aws sso login or refresh credentials" if "xpired" in code else CREDENTIALS_HINT
            if code.startswith("AccessDenied") or code == "UnauthorizedOperation":
                hint = "the credentials in use lack this permission; check the IAM policy or --profile"
            return AuthError(f"AWS refused the credentials: {text}", hint=hint)
        if code in _NOT_FOUND_CODES or code.endswith(_NOT_FOUND_SUFFIXES):
            return NotFoundError(f"not found: {text}")
        if code in _VALIDATION_CODES:
            return UsageError(f"AWS rejected the request: {text}")
        if code in _REFUSED_CODES:
            return Refused(f"already exists: {text}")
        return AwsError(f"AWS error {code}: {text}")
    if isinstance(exc, bce.BotoCoreError):
        return AwsError(f"AWS client error: {exc}")
    return AwsError(str(exc))


def is_botocore_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("botocore")


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ClientError, else None (no botocore import needed)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None
