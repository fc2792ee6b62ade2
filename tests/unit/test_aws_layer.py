"""One typed AWS layer (``ctx.aws``): nothing outside ``vegaops.aws`` builds a client or a wrapper, no wrapper
dispatches by name, and the layer counts every call per operation through botocore's event hook."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import vegaops
from vegaops.context import AppContext

SRC = Path(vegaops.__file__).parent
# The sandbox talks to its own admin endpoints and seeds moto directly: it is not the product's AWS access.
OUTSIDE_LAYER = ("aws", "sandbox")
WRAPPERS = {"Ecs", "Ssm", "Secrets", "SecretsCatalog", "Ecr", "Logs", "Elbv2", "ClientFactory", "Aws"}
# context.py builds the one ClientFactory and the one Aws of a command
ALLOWED = {("context.py", "ClientFactory"), ("context.py", "Aws")}


def _modules(root: Path, skip: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if p.relative_to(root).parts[0] not in skip)


def _client_module(name: str) -> bool:
    """Modules that build AWS clients (botocore.exceptions and the like only describe errors)."""
    return name.partition(".")[0] == "boto3" or name in ("botocore.session", "botocore.client")


def _is_client(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "client"


def bypasses(path: Path, root: Path = SRC) -> list[str]:
    """Every way ``path`` reaches AWS without ``ctx.aws``: boto3 imported, a ``.client(...)`` call, a wrapper or
    factory constructed, ``getattr(<x>.client, ...)`` dispatch."""
    rel = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names if _client_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and _client_module(node.module):
            found.append(f"{where} imports from {node.module}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if isinstance(func, ast.Attribute) and func.attr == "client":
                found.append(f"{where} calls .client(...)")
            elif name in WRAPPERS and (path.name, name) not in ALLOWED:
                found.append(f"{where} builds {name}(...)")
            elif name == "getattr" and node.args and _is_client(node.args[0]):
                found.append(f"{where} dispatches with getattr(<x>.client, ...)")
    return found


def test_nothing_outside_the_layer_builds_clients_or_wrappers() -> None:
    found = [hit for path in _modules(SRC, OUTSIDE_LAYER) for hit in bypasses(path)]
    assert not found, "AWS reached outside ctx.aws:\n" + "\n".join(found)


def test_no_wrapper_dispatches_by_name() -> None:
    found: list[str] = []
    for path in sorted((SRC / "aws").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            is_getattr = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
            if is_getattr and node.args and _is_client(node.args[0]):
                found.append(f"{path.name}:{node.lineno}")
    assert not found, "getattr(self.client, op) dispatch: " + ", ".join(found)


def test_the_check_finds_each_kind_of_bypass(tmp_path: Path) -> None:
    """The AST check itself fails on each bypass (it is not vacuous)."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import boto3\n"
        "from vegaops.aws.ecs import Ecs\n"
        "def f(ctx):\n"
        "    ecs = Ecs(ctx.client('ecs'))\n"
        "    getattr(ecs.client, 'list_tasks')()\n"
        "    return boto3.client('sts')\n"
    )
    found = bypasses(bad, tmp_path)
    assert any("imports boto3" in f for f in found)
    assert any("calls .client" in f for f in found)
    assert any("builds Ecs" in f for f in found)
    assert any("getattr" in f for f in found)


def test_the_context_has_no_client_escape_hatch() -> None:
    assert not hasattr(AppContext, "client")


@pytest.mark.usefixtures("aws")
def test_layer_counts_calls_per_operation(app_context: AppContext) -> None:
    aws = app_context.aws
    aws.ecs_client.create_cluster(clusterName="c")
    aws.ecs.describe_services("c", ["a", "b"])
    aws.ecs.describe_services("c", [f"s{i}" for i in range(11)])  # two batches
    assert aws.ecs.list_tasks("c") == []
    aws.ssm.get("/missing")
    aws.sqs.list_queues()
    assert aws.calls.of("ecs") == {"CreateCluster": 1, "DescribeServices": 3, "ListTasks": 1}
    assert aws.ecs.calls == {"create_cluster": 1, "describe_services": 3, "list_tasks": 1}
    assert aws.ecs.total_calls == 5
    assert aws.calls.of("ssm") == {"GetParameter": 1}
    assert aws.calls.of("sqs") == {"ListQueues": 1}
    assert aws.calls.total() == 7
    # built once per command: the same wrapper and client every time, one counting hook per client
    assert aws.ecs is app_context.aws.ecs and aws.ecs.client is aws.ecs_client
    aws.calls.attach(aws.ecs_client)
    aws.ecs.describe_services("c", ["a"])
    assert aws.calls.of("ecs")["DescribeServices"] == 4


@pytest.mark.usefixtures("aws")
def test_regional_layer_counts_into_the_same_counter(app_context: AppContext) -> None:
    aws = app_context.aws
    other = aws.in_region("us-west-2")
    assert other is not aws and other is aws.in_region("us-west-2") and aws.in_region(None) is aws
    assert other.region() == "us-west-2"
    other.ssm.get("/missing")
    aws.ssm.get("/missing")
    assert aws.calls.of("ssm") == {"GetParameter": 2}


@pytest.mark.usefixtures("aws")
def test_wrapper_outside_the_layer_counts_its_own_client() -> None:
    import boto3

    from vegaops.aws.ecs import Ecs

    ecs = Ecs(boto3.client("ecs", region_name="eu-central-1"))
    ecs.list_task_definitions("web")
    assert ecs.calls == {"list_task_definitions": 1}


@pytest.mark.usefixtures("aws")
def test_required_services_name_the_missing_and_the_deleted(app_context: AppContext) -> None:
    from vegaops.errors import ExitCode, NotFoundError

    aws = app_context.aws
    aws.ecs_client.create_cluster(clusterName="c")
    aws.ecs_client.register_task_definition(
        family="f", containerDefinitions=[{"name": "x", "image": "i", "memory": 512}]
    )
    for name in ("live", "gone"):
        aws.ecs_client.create_service(cluster="c", serviceName=name, taskDefinition="f", desiredCount=1)
    aws.ecs_client.delete_service(cluster="c", service="gone", force=True)  # ECS still describes it, INACTIVE
    assert list(aws.ecs.require_services("c", ["live"])) == ["live"]
    with pytest.raises(NotFoundError) as one:
        aws.ecs.require_services("c", ["live", "gone"])
    assert one.value.exit_code == ExitCode.NOT_FOUND
    assert one.value.message == "service gone not found in cluster c"
    with pytest.raises(NotFoundError) as two:
        aws.ecs.require_services("c", ["nope", "gone", "live"], hint="try this")
    assert two.value.message == "services nope, gone not found in cluster c"
    assert two.value.hint == "try this"
    # a watch judges a deleted service itself (and its logs and cost are still there): taken as found
    assert list(aws.ecs.require_services("c", ["live", "gone"], inactive=True)) == ["live", "gone"]
    with pytest.raises(NotFoundError, match="service nope not found"):
        aws.ecs.require_services("c", ["nope", "gone"], inactive=True)
