from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from vegaops.errors import RunbookError
from vegaops.runbook.model import builtin_dir, parse

GOOD = """
name = "demo"
[vars.level]
default = "info"
[[steps]]
id = "a"
uses = "ssm.put"
with = { name = "log-level", value = "${vars.level}" }
[[steps]]
id = "b"
uses = "ssm.put"
with = { name = "copy", value = "v${steps.a.version}-${env.cluster}" }
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace('value = "${vars.level}"', 'valeu = "x"'),
            'steps[0] (a).with.valeu: unknown parameter for ssm.put; did you mean "value"?',
        ),
        (GOOD.replace('uses = "ssm.put"', 'uses = "ssm.putt"', 1), "steps[0] (a).uses: unknown step 'ssm.putt'"),
        (GOOD.replace("${vars.level}", "${vars.levle}"), 'undefined variable ${vars.levle}; did you mean "level"?'),
        (GOOD.replace('id = "b"', 'id = "a"'), "steps[1] (a).id: duplicate step id (also steps[0])"),
        (GOOD.replace("${steps.a.version}", "${steps.b.version}"), "refers to step 'b', which does not run before"),
        (GOOD.replace("${steps.a.version}", "${steps.a.verison}"), "ssm.put has no output 'verison'"),
        (GOOD.replace("${env.cluster}", "${env.clustre}"), "unknown environment setting ${env.clustre}"),
        (GOOD.replace("${env.cluster}", "${foo.bar}"), "bad reference ${foo.bar}"),
        (
            GOOD.replace('with = { name = "log-level", value = "${vars.level}" }', 'with = { name = "x" }'),
            "missing required parameter 'value'",
        ),
        (GOOD.replace('name = "log-level"', "name = 3"), "steps[0] (a).with.name: expected str, got 3"),
        (GOOD + "\n[[stepz]]\n", 'stepz: unknown key; did you mean "steps"?'),
    ],
)
def test_validation_names_key_path(text: str, expected: str) -> None:
    with pytest.raises(RunbookError) as err:
        parse(text, Path("rb.toml"))
    assert expected in err.value.message
    assert err.value.message.startswith("rb.toml: ")


def test_shipped_runbooks_are_valid() -> None:
    paths = sorted(builtin_dir().glob("*.toml"))
    assert paths
    for path in paths:
        parse(path.read_text(), path)


@pytest.fixture
def aws_requests(aws: None, project: Path) -> Iterator[Callable[[], list[str]]]:
    """The requests that reached (in-process) AWS during the test, as moto's recorder saw them: nothing patched."""
    from moto.moto_api import recorder

    recorder.reset_recording()  # its file is ./moto_recording, in the test's project directory
    recorder.start_recording()

    def seen() -> list[str]:
        return [json.loads(line)["url"] for line in recorder.download_recording().splitlines() if line]

    yield seen
    recorder.stop_recording()


def test_typo_fails_before_any_aws_call(cli, project: Path, aws_requests: Callable[[], list[str]]) -> None:  # type: ignore[no-untyped-def]
    (project / "runbooks").mkdir()
    (project / "runbooks" / "bad.toml").write_text(GOOD.replace("${vars.level}", "${vars.lvl}"))
    r = cli("runbook", "run", "bad")
    assert r.exit_code == 2 and "vars.lvl" in r.stderr
    assert aws_requests() == []
    assert cli("config", "get", "log-level").exit_code == 3  # the recorder does see a command's calls
    assert any("ssm" in url for url in aws_requests())


@pytest.mark.usefixtures("aws", "project")
def test_run_plan_resume(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    (project / "runbooks").mkdir()
    (project / "runbooks" / "demo.toml").write_text(GOOD)
    r = cli("-o", "json", "runbook", "plan", "demo")
    doc = json.loads(r.stdout)
    assert r.exit_code == 0 and [s["status"] for s in doc["data"]["steps"]] == ["planned", "waiting"]
    assert cli("config", "get", "log-level").exit_code == 3

    r = cli("-o", "json", "runbook", "run", "demo", "--var", "level=warn")
    doc = json.loads(r.stdout)
    assert [s["status"] for s in doc["data"]["steps"]] == ["done", "done"]
    ssm = boto3.client("ssm")
    assert ssm.get_parameter(Name="/vega/staging/copy")["Parameter"]["Value"] == "v1-vega-staging"

    r = cli("-o", "json", "runbook", "run", "demo", "--var", "level=warn")
    doc = json.loads(r.stdout)
    assert doc["status"] == "unchanged" and [s["status"] for s in doc["data"]["steps"]] == ["unchanged"] * 2

    r = cli("runbook", "run", "demo", "--var", "nope=1")
    assert r.exit_code == 2 and "declares no such variable" in r.stderr


@pytest.mark.usefixtures("aws", "project")
def test_failure_stops_and_reports(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    text = (
        GOOD.replace('name = "copy"', 'name = "bad name!"')
        + """
[[steps]]
id = "c"
uses = "ssm.put"
with = { name = "never", value = "x" }
"""
    )
    (project / "runbooks").mkdir()
    (project / "runbooks" / "fail.toml").write_text(text)
    r = cli("-o", "json", "runbook", "run", "fail")
    doc = json.loads(r.stdout)
    assert r.exit_code == 2 and doc["status"] == "error"
    assert [s["status"] for s in doc["data"]["steps"]] == ["done", "failed", "not_run"]
    assert "step b failed" in doc["errors"][0]["message"]
    stopped = doc["data"]["stopped"]  # what was applied, what not, and the command that finishes the run
    assert stopped["changed"] == ["create String /vega/staging/log-level"]
    assert stopped["resume"] == "vegaops --env staging runbook run fail"
    r = cli("runbook", "run", "fail")  # a is done already: this run changes nothing, and says so
    assert r.exit_code == 2 and "nothing was changed" in r.stderr and "to finish" not in r.stderr
    # fix the runbook: re-running resumes, the done step plans empty
    (project / "runbooks" / "fail.toml").write_text(text.replace('"bad name!"', '"copy"'))
    doc = json.loads(cli("-o", "json", "runbook", "run", "fail").stdout)
    assert [s["status"] for s in doc["data"]["steps"]] == ["unchanged", "done", "done"]


@pytest.mark.usefixtures("aws", "project")
def test_seed_params_runbook_is_idempotent(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("runbook", "run", "seed-params").exit_code == 0
    names = sorted(
        p["Name"] for p in boto3.client("ssm").get_parameters_by_path(Path="/vega/staging", MaxResults=10)["Parameters"]
    )
    assert names == [
        "/vega/staging/cache-enabled",
        "/vega/staging/log-level",
        "/vega/staging/rate-limit-rpm",
        "/vega/staging/redis-endpoint",
    ]
    doc = json.loads(cli("-o", "json", "runbook", "run", "seed-params").stdout)
    assert doc["status"] == "unchanged"


WHEN = """
[vars.flag]
default = ""

[[steps]]
id = "maybe"
uses = "ssm.put"
when = "${vars.flag}"
with = { name = "maybe", value = "set" }

[[steps]]
id = "always"
uses = "ssm.put"
with = { name = "always", value = "set" }
"""


@pytest.mark.usefixtures("aws", "project")
@pytest.mark.parametrize(
    ("flag", "statuses", "exists"),
    [
        ("", ["skipped", "done"], False),
        ("false", ["skipped", "done"], False),
        ("yes", ["done", "done"], True),
    ],
)
def test_when_skips_a_step_unless_it_is_set(
    cli,
    project: Path,
    flag: str,
    statuses: list[str],  # type: ignore[no-untyped-def]
    exists: bool,
) -> None:
    (project / "runbooks").mkdir()
    (project / "runbooks" / "when.toml").write_text(WHEN)
    r = cli("-o", "json", "runbook", "run", "when", "--var", f"flag={flag}")
    assert r.exit_code == 0, r.output
    assert [s["status"] for s in json.loads(r.stdout)["data"]["steps"]] == statuses
    assert (cli("config", "get", "maybe").exit_code == 0) is exists


def test_when_must_be_a_string_or_bool() -> None:
    with pytest.raises(RunbookError, match=r"steps\[0\] \(maybe\)\.when"):
        parse(WHEN.replace('when = "${vars.flag}"', "when = 3"), None, "when")


ALWAYS = """
[[steps]]
id = "first"
uses = "ssm.put"
with = { name = "first", value = "set" }

[[steps]]
id = "record"
uses = "ssm.put"
always = true
with = { name = "record", value = "set" }
"""


def test_always_is_read_from_the_runbook() -> None:
    book = parse(ALWAYS, None, "always")
    assert [s.always for s in book.steps] == [False, True]
    with pytest.raises(RunbookError, match=r"steps\[1\] \(record\)\.always: expected true or false"):
        parse(ALWAYS.replace("always = true", 'always = "yes"'), None, "always")


def test_the_shipped_runbooks_record_their_verdicts_even_after_a_failed_watch() -> None:
    from vegaops.runbook.model import load

    for name, records in (("release", 3), ("rollback", 1)):
        book = load(name, Path.cwd(), None)
        tagging = [s for s in book.steps if s.uses == "ecs.tag-outcome"]
        assert len(tagging) == records and all(s.always for s in tagging), name
        watch = next(i for i, s in enumerate(book.steps) if s.uses == "ecs.watch")
        assert all(book.steps.index(s) > watch for s in tagging), name  # after the watch they record
