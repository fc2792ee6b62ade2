"""Translation of botocore errors into vegaops errors, in one place."""

from __future__ import annotations

from vegaops.errors import (
    AuthError,
    AwsError,
    NotFoundError,
    Refused,
    Unavailable,
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
# Codes botocore's retry modes treat as temporary (throttling, transient): still failing after retries -> 75.
_TEMPORARY_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServiceError",
    "InternalServiceErrorException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "ServerException",
}
UNAVAILABLE_HINT = "temporary: try again later; check the network, --region, AWS_ENDPOINT_URL or VEGAOPS_AWS_TIMEOUT"

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
    if isinstance(exc, bce.InvalidRegionError):
        return UsageError(
            f"invalid AWS region {exc.kwargs.get('region_name')!r}",
            hint="a region looks like eu-central-1; check --region, VEGAOPS_REGION or region in vegaops.toml",
        )
    if isinstance(exc, bce.ConnectionError | bce.HTTPClientError):
        return unreachable(exc)
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
        status = _http_status(exc)
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts")
        if code in _TEMPORARY_CODES or status >= 500 or not code:
            from vegaops.aws.clients import ENDPOINT_KEY

            after = f" after {int(attempts) + 1} attempts" if attempts else ""
            what = f"HTTP {status}" if status >= 500 and (not code or code.isdigit()) else code
            endpoint = exc.response.get("ResponseMetadata", {}).get(ENDPOINT_KEY)
            where = f" ({operation} at {endpoint})" if endpoint else _where(operation)
            return AwsError(f"AWS kept failing{after}: {what}{where}", hint=UNAVAILABLE_HINT)
        if 400 <= status < 500 or status == 0:
            # A client error code vegaops has no special meaning for: AWS refused this input.
            return UsageError(f"AWS rejected the request: {code}: {text}", hint="check the names and values given")
        return AwsError(f"AWS error {code}: {text}", hint=UNAVAILABLE_HINT)
    if isinstance(exc, bce.BotoCoreError):
        return AwsError(f"AWS client error: {exc}", hint=UNAVAILABLE_HINT)
    return AwsError(str(exc), hint=UNAVAILABLE_HINT)


def _http_status(exc: BaseException) -> int:
    response = getattr(exc, "response", None) or {}
    try:
        return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    except (TypeError, ValueError):
        return 0


def unreachable(exc: BaseException) -> Unavailable:
    """Refused, reset, closed or timed out: name the endpoint and the kind of failure."""
    from botocore import exceptions as bce

    kwargs = getattr(exc, "kwargs", {}) or {}
    endpoint = kwargs.get("endpoint_url") or kwargs.get("proxy_url") or "the AWS endpoint"
    if isinstance(exc, bce.ReadTimeoutError | bce.ConnectTimeoutError):
        what = "did not answer in time"
    elif isinstance(exc, bce.EndpointConnectionError):
        what = "could not be reached"
    elif isinstance(exc, bce.ConnectionClosedError):
        what = "closed the connection"
    else:
        what = f"failed: {kwargs.get('error') or type(exc).__name__}"
    return Unavailable(f"AWS endpoint {endpoint} {what} (after retries)", hint=UNAVAILABLE_HINT)


def is_botocore_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("botocore")


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ClientError, else None (no botocore import needed)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None
