"""The enrichment rule's extensions used by the deploy watch: an emulator's HTML 500 is "unsupported",
and an operation once denied or unsupported is not asked again in the same command."""

from __future__ import annotations

from botocore.exceptions import ClientError

from vegaops.aws.optional import DENIED, FAILING, UNSUPPORTED, Enrichment, skip_kind

HTML = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>"


def client_error(code: str, message: str, status: int, op: str = "ListServiceDeployments") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},  # type: ignore[typeddict-item]
        op,
    )


def test_plain_motos_html_500_is_unsupported_and_a_json_500_is_failing() -> None:
    assert skip_kind(client_error("500", HTML, 500)) == UNSUPPORTED
    assert skip_kind(client_error("InternalError", "We encountered an internal error.", 500)) == FAILING
    assert skip_kind(client_error("AccessDeniedException", "not authorized", 400)) == DENIED


def test_denied_or_unsupported_is_asked_once_and_said_once() -> None:
    said: list[str] = []
    enrichment = Enrichment(warn=said.append)
    calls = {"n": 0}

    def denied() -> list[str]:
        calls["n"] += 1
        raise client_error(
            "AccessDeniedException", "User is not authorized to perform: ecs:ListTasks", 400, "ListTasks"
        )

    nothing: list[str] = []
    for _ in range(3):
        assert enrichment.call("ecs:ListTasks", denied, nothing, "the stopped tasks' reasons") == []
    assert calls["n"] == 1 and len(said) == 1 and "grant ecs:ListTasks" in said[0]
    assert enrichment.as_json() == [
        {
            "operation": "ecs:ListTasks",
            "kind": "denied",
            "lost": "the stopped tasks' reasons",
            "detail": "An error occurred (AccessDeniedException) when calling the ListTasks operation: "
            "User is not authorized to perform: ecs:ListTasks",
        }
    ]


def test_failing_is_asked_again_but_said_once() -> None:
    said: list[str] = []
    enrichment = Enrichment(warn=said.append)
    calls = {"n": 0}

    def throttled() -> None:
        calls["n"] += 1
        raise client_error("ThrottlingException", "Rate exceeded", 400, "ListTasks")

    for _ in range(3):
        enrichment.call("ecs:ListTasks", throttled, None, "x")
    assert calls["n"] == 3 and len(said) == 1
