from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

from vegaops.aws.errors import translate
from vegaops.errors import ExitCode


def client_error(code: str, message: str = "boom") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "GetParameter")


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (NoCredentialsError(), ExitCode.AUTH),
        (client_error("ExpiredTokenException"), ExitCode.AUTH),
        (client_error("AccessDeniedException"), ExitCode.AUTH),
        (client_error("UnrecognizedClientException"), ExitCode.AUTH),
        (client_error("ParameterNotFound"), ExitCode.NOT_FOUND),
        (client_error("ServiceNotFoundException"), ExitCode.NOT_FOUND),
        (client_error("ValidationException"), ExitCode.USAGE),
        (client_error("InvalidParameterException"), ExitCode.USAGE),
        (NoRegionError(), ExitCode.USAGE),
        (client_error("ParameterAlreadyExists"), ExitCode.REFUSED),
        (client_error("InternalFailure"), ExitCode.UNAVAILABLE),
    ],
)
def test_translate_maps_exit_codes(exc: Exception, code: ExitCode) -> None:
    err = translate(exc)
    assert err.exit_code == code
    assert err.message


def test_auth_errors_carry_a_hint() -> None:
    assert "aws sso login" in (translate(NoCredentialsError()).hint or "")
    assert "GetParameter" in translate(client_error("AccessDeniedException", "nope")).message
