"""WSGI middleware around moto: the local admin endpoint, fault injection, call counts, and the ECS/ELB
answers moto cannot give (service deployments, target health) taken from the simulator."""

from __future__ import annotations

import io
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from vegaops.sandbox.admin import FAULT_MODES
from vegaops.sandbox.middleware import deployments, tasks
from vegaops.sandbox.simulator import Simulator

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_CREDENTIAL_SERVICE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
JSON_TARGET_PREFIXES = {
    "AmazonEC2ContainerServiceV20141113": "ecs",
    "AmazonEC2ContainerRegistry_V20150921": "ecr",
    "secretsmanager": "secretsmanager",
    "AmazonSSM": "ssm",
    "Logs_20140328": "logs",
}


# Signing names that differ from the IAM action prefix (call counts are keyed by the IAM action).
IAM_PREFIXES = {"monitoring": "cloudwatch"}
_CBOR_PATH = re.compile(r"^/service/[^/]+/operation/([A-Za-z]+)$")
# rest-json services' operations by method and path (the ones vegaops calls).
_REST_ROUTES: dict[str, list[tuple[str, re.Pattern[str], str]]] = {
    "scheduler": [
        ("GET", re.compile(r"^/schedules/?$"), "ListSchedules"),
        ("GET", re.compile(r"^/schedules/[^/]+$"), "GetSchedule"),
        ("PUT", re.compile(r"^/schedules/[^/]+$"), "UpdateSchedule"),
        ("POST", re.compile(r"^/schedules/[^/]+$"), "CreateSchedule"),
        ("DELETE", re.compile(r"^/schedules/[^/]+$"), "DeleteSchedule"),
        ("GET", re.compile(r"^/schedule-groups/?$"), "ListScheduleGroups"),
    ],
}


def _rest_operation(service: str, method: str, path: str) -> str | None:
    for verb, pattern, operation in _REST_ROUTES.get(service, []):
        if verb == method and pattern.match(path):
            return operation
    return None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)


class SandboxMiddleware:
    def __init__(
        self, app: WsgiApp, sim: Simulator, lock: threading.RLock, reset: Callable[[], None] | None = None
    ) -> None:
        self.app = app
        self.sim = sim
        self.lock = lock
        self.reset = reset
        self.counts: dict[str, int] = {}
        self.injected: dict[str, list[Any]] = {}  # operation -> [code, status, remaining]
        self.param_users: dict[tuple[str, int], str] = {}  # (parameter, version) -> who put it (moto says N/A)
        # Operations answered by plain moto, as on an endpoint that is not the sandbox (the ServiceDeployment
        # APIs: HTTP 500 with an HTML page; DescribeTargetHealth: moto's own, every target healthy).
        self.plain: set[str] = set()

    # ----- WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            status, body = self._admin(environ, path.removeprefix("/_sandbox/"))
            return self._respond(start_response, status, body)
        raw = self._read_body(environ)
        service, operation, params = self._operation(environ, raw)
        with self.lock:
            if operation:
                name = f"{service}:{operation}" if service else operation
                self.counts[name] = self.counts.get(name, 0) + 1
                injected = self._take_injected(name, operation)
                if injected is not None:
                    return self._error(start_response, service, *injected)
                answered = self._answer(service, operation, params)
                if answered is not None:
                    return self._respond(start_response, *answered)
            status, headers, body = self._call_moto(environ, raw)
            if service == "ecs" and operation in ("CreateService", "UpdateService") and status.startswith("200"):
                body = self._after_service_change(operation, params, body)
            elif (
                service == "ecs" and operation == "ListTasks" and params.get("serviceName") and status.startswith("200")
            ):
                body = self._tasks_of_service(params, body)
            elif service == "ecs" and operation == "RunTask" and status.startswith("200"):
                body = tasks.after_run_task(self.sim, params, body)
            elif service == "ecs" and operation == "StopTask" and status.startswith("200"):
                body = tasks.after_stop_task(self.sim, params, body)
            elif service == "ecs" and operation == "DescribeTasks" and status.startswith("200"):
                body = tasks.decorate_tasks(self.sim, params, body)
            elif service == "ecs" and operation == "DescribeServices" and status.startswith("200"):
                body = tasks.decorate_services(self.sim, params, body)
            elif service == "secretsmanager" and operation == "ListSecretVersionIds" and status.startswith("200"):
                body = self._version_dates(body)
            elif service == "ssm" and operation == "PutParameter" and status.startswith("200"):
                self._record_user(environ, params, body)
                return self._finish(start_response, status, headers, body)
            elif service == "ssm" and operation == "GetParameterHistory" and status.startswith("200"):
                body = self._history_users(body)
            else:
                return self._finish(start_response, status, headers, body)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        return self._finish(start_response, status, headers, body)

    def _finish(
        self, start_response: StartResponse, status: str, headers: list[tuple[str, str]], body: bytes
    ) -> list[bytes]:
        start_response(status, headers)
        return [body]

    def _tasks_of_service(self, params: dict[str, Any], body: bytes) -> bytes:
        """moto ignores ListTasks' serviceName: keep only the tasks of that service (group service:NAME)."""
        try:
            doc = json.loads(body)
        except ValueError:
            return body
        cluster = str(params.get("cluster") or "default").rsplit("/", 1)[-1]
        group = f"service:{str(params['serviceName']).rsplit('/', 1)[-1]}"
        tasks = self.sim.backend.tasks.get(cluster, {})
        doc["taskArns"] = [arn for arn in doc.get("taskArns", []) if getattr(tasks.get(arn), "group", None) == group]
        return json.dumps(doc).encode()

    def _version_dates(self, body: bytes) -> bytes:
        """moto answers ListSecretVersionIds with the time of the call as every version's CreatedDate: give each
        version its own (moto keeps it), as Secrets Manager does."""
        from moto.secretsmanager.models import secretsmanager_backends

        from vegaops.sandbox.state import ACCOUNT_ID, REGION

        try:
            doc = json.loads(body)
            secret = secretsmanager_backends[ACCOUNT_ID][REGION].secrets[doc["ARN"]]
            for version in doc.get("Versions", []):
                created = secret.versions.get(version.get("VersionId"), {}).get("createdate")
                if created is not None:
                    version["CreatedDate"] = created
        except (ValueError, KeyError, TypeError, AttributeError):
            return body
        return json.dumps(doc).encode()

    def _record_user(self, environ: dict[str, Any], params: dict[str, Any], body: bytes) -> None:
        """Who put this version: the caller's IAM user, named by the access key it signed with."""
        from vegaops.sandbox.state import ACCOUNT_ID

        auth = str(environ.get("HTTP_AUTHORIZATION", ""))
        key = auth.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in auth else "sandbox"
        try:
            version = int(json.loads(body)["Version"])
        except (ValueError, KeyError, TypeError):
            return
        self.param_users[(str(params.get("Name", "")), version)] = f"arn:aws:iam::{ACCOUNT_ID}:user/{key}"

    def _history_users(self, body: bytes) -> bytes:
        """moto answers every version's LastModifiedUser with N/A: give the one recorded at PutParameter."""
        try:
            doc = json.loads(body)
            for p in doc.get("Parameters", []):
                user = self.param_users.get((str(p.get("Name")), int(p.get("Version", 0))))
                if user:
                    p["LastModifiedUser"] = user
        except (ValueError, TypeError, AttributeError):
            return body
        return json.dumps(doc).encode()

    def _read_body(self, environ: dict[str, Any]) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        return raw

    def _operation(self, environ: dict[str, Any], raw: bytes) -> tuple[str, str, dict[str, Any]]:
        match = _CREDENTIAL_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = match.group(1) if match else ""
        service = IAM_PREFIXES.get(service, service)
        cbor = _CBOR_PATH.match(environ.get("PATH_INFO", ""))
        if cbor:  # smithy-rpc-v2-cbor (CloudWatch): /service/<prefix>/operation/<Operation>
            return service, cbor.group(1), {}
        rest = _rest_operation(service, environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        if rest:
            return service, rest, {}
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target and "." in target:
            prefix, operation = target.rsplit(".", 1)
            service = service or JSON_TARGET_PREFIXES.get(prefix, "")
            try:
                params = json.loads(raw or b"{}")
            except ValueError:
                params = {}
            return service, operation, params if isinstance(params, dict) else {}
        from urllib.parse import parse_qs

        query = parse_qs(environ.get("QUERY_STRING", ""))
        form = parse_qs(raw.decode("utf-8", "replace")) if raw and b"=" in raw else {}
        action = (form.get("Action") or query.get("Action") or [""])[0]
        flat = {k: v[0] for k, v in {**query, **form}.items()}
        return service, action, flat

    def _call_moto(self, environ: dict[str, Any], raw: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        environ["wsgi.input"] = io.BytesIO(raw)
        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        return captured["status"], list(captured["headers"]), body

    def _respond(
        self, start_response: StartResponse, status: str, body: Any, content_type: str = "application/json"
    ) -> list[bytes]:
        data = body if isinstance(body, bytes) else json.dumps(body, default=_json_default).encode()
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]

    # ----- fault injection -----------------------------------------------------------------------
    def _take_injected(self, name: str, operation: str) -> tuple[str, int] | None:
        for key in (name, operation):
            entry = self.injected.get(key)
            if entry and entry[2] > 0:
                entry[2] -= 1
                if entry[2] == 0:
                    del self.injected[key]
                return str(entry[0]), int(entry[1])
        return None

    def _error(self, start_response: StartResponse, service: str, code: str, status: int) -> list[bytes]:
        message = f"Injected by the vegaops sandbox: {code}"
        reason = {
            400: "Bad Request",
            429: "Too Many Requests",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }.get(status, "Error")
        request_id = str(uuid.uuid4())
        if service in ("elasticloadbalancing", "ec2", "sts", "iam"):
            xml = (
                f"<ErrorResponse><Error><Type>{'Sender' if status < 500 else 'Receiver'}</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            )
            data = xml.encode()
            headers = [
                ("Content-Type", "text/xml"),
                ("Content-Length", str(len(data))),
                ("x-amzn-RequestId", request_id),
            ]
        else:
            data = json.dumps({"__type": code, "message": message}).encode()
            headers = [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("Content-Length", str(len(data))),
                ("x-amzn-ErrorType", code),
                ("x-amzn-RequestId", request_id),
            ]
        start_response(f"{status} {reason}", headers)
        return [data]

    # ----- answers moto cannot give --------------------------------------------------------------
    def _answer(self, service: str, operation: str, params: dict[str, Any]) -> tuple[str, Any, str] | None:
        if operation in self.plain:
            return None
        if service == "ecs" and operation in deployments.OPERATIONS:
            return (*deployments.answer(self.sim, operation, params), "application/x-amz-json-1.1")
        if service == "ecs" and operation == "ExecuteCommand":
            return (*tasks.execute_command(self.sim, params), "application/x-amz-json-1.1")
        if service == "ssm" and operation == "StartSession":
            return (*tasks.start_session(self.sim, params), "application/x-amz-json-1.1")
        if service == "iam" and operation == "SimulatePrincipalPolicy":
            return (*tasks.simulate_principal_policy(params), "text/xml")
        if service == "elasticloadbalancing" and operation == "DescribeTargetHealth":
            arn = params.get("TargetGroupArn", "")
            if not any(t.target_group == arn for s in self.sim.services.values() for t in s.tasks.values()):
                return None
            return "200 OK", deployments.target_health_xml(self.sim.target_health(arn)), "text/xml"
        return None

    def _after_service_change(self, operation: str, params: dict[str, Any], body: bytes) -> bytes:
        """Store what moto drops, let the simulator react at once, and answer with the service it shows."""
        if operation == "CreateService":
            self.sim.store_deployment_configuration(
                params.get("cluster", "default"), params.get("serviceName", ""), params.get("deploymentConfiguration")
            )
        if self.sim.now is not None:
            self.sim.tick(self.sim.now)
        try:
            doc = json.loads(body)
            cluster = str(doc["service"].get("clusterArn", "")).split("/")[-1]
            service = self.sim.backend.services.get(f"{cluster}:{doc['service']['serviceName']}")
        except (ValueError, KeyError, TypeError):
            return body
        if service is None:
            return body
        doc["service"].update(
            {
                "deployments": service.deployments,
                "taskDefinition": service.task_definition,
                "runningCount": service.running_count,
                "pendingCount": service.pending_count,
                "events": service.events[:20],
                "deploymentConfiguration": getattr(service, "deployment_configuration", None) or {},
                "enableExecuteCommand": bool(getattr(service, "enable_execute_command", False)),
            }
        )
        return json.dumps(doc, default=_json_default).encode()

    # ----- the admin endpoint --------------------------------------------------------------------
    def _admin(self, environ: dict[str, Any], path: str) -> tuple[str, Any]:
        method = environ.get("REQUEST_METHOD", "GET")
        raw = self._read_body(environ)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return "400 Bad Request", {"error": "invalid JSON"}
        if path == "ping":
            return "200 OK", {"status": "ok"}
        if path.startswith("health/"):
            key = path.removeprefix("health/")
            with self.lock:
                ok = self.sim.service_healthy(key)
            return ("200 OK", {"status": "ok"}) if ok else ("503 Service Unavailable", {"status": "unhealthy"})
        if path == "faults":
            with self.lock:
                if method == "POST":
                    if body.get("clear"):
                        self.sim.faults.clear()
                    else:
                        mode = body.get("mode")
                        name = self.sim.service_keys.get(str(body.get("service")), str(body.get("service")))
                        if not self.sim.knows_service(str(body.get("service"))):
                            return "404 Not Found", {"error": f"no service {body.get('service')!r} in the sandbox"}
                        if mode is None:
                            self.sim.faults.pop(name, None)
                        elif mode not in FAULT_MODES:
                            return "400 Bad Request", {"error": f"unknown fault mode {mode!r}"}
                        else:
                            self.sim.faults[name] = str(mode)
                            if mode == "alarm":
                                self.sim.ensure_alarm(name)
                return "200 OK", {"faults": dict(self.sim.faults)}
        if path == "inject" and method == "POST":
            with self.lock:
                self.injected[str(body["operation"])] = [
                    body.get("code", "ThrottlingException"),
                    int(body.get("status", 400)),
                    int(body.get("count", 1)),
                ]
            return "200 OK", {"injected": {k: v[2] for k, v in self.injected.items()}}
        if path == "plain":
            with self.lock:
                if method == "POST":
                    self.plain = {str(op) for op in body.get("operations") or []}
                return "200 OK", {"plain": sorted(self.plain)}
        if path == "counts":
            with self.lock:
                if method == "DELETE":
                    self.counts.clear()
                return "200 OK", {"counts": dict(self.counts)}
        if path == "info":
            with self.lock:
                return "200 OK", deployments.info(self.sim)
        if path == "reset" and method == "POST" and self.reset is not None:
            self.reset()
            self.param_users.clear()
            return "200 OK", {"status": "reset"}
        return "404 Not Found", {"error": f"no admin path {path!r}"}
