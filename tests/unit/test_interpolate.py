from __future__ import annotations

from vegaops.runbook.interpolate import Unknown, contains_unknown, interpolate, references


def test_whole_reference_keeps_type_and_embedded_becomes_text() -> None:
    values = {"vars.n": 3, "vars.name": "api", "env.cluster": "vega"}
    assert interpolate("${vars.n}", values.__getitem__) == 3
    assert interpolate("svc-${vars.name}@${env.cluster}", values.__getitem__) == "svc-api@vega"
    assert interpolate({"a": ["${vars.name}"]}, values.__getitem__) == {"a": ["api"]}


def test_unknown_outputs_propagate() -> None:
    got = interpolate("x-${steps.a.version}", Unknown)
    assert isinstance(got, Unknown)
    assert contains_unknown({"k": [got]}) == got


def test_references_found_everywhere() -> None:
    assert references({"a": "${vars.x} ${ steps.s.o }", "b": ["${env.region}"], "c": 1}) == [
        "vars.x",
        "steps.s.o",
        "env.region",
    ]
