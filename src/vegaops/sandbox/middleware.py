"""WSGI middleware around moto: call counting, injected errors, the admin API and the ECS parts moto lacks.

Admin routes (loopback only, under ``/_sandbox/``): ``GET status``, ``GET health/<service-key>``,
``POST fault`` {"service", "mode"}, ``POST errors`` {"operation", "code", "status", "count"},
``GET calls``, ``POST calls/reset``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from vegaops.sandbox import estate
from vegaops.sandbox.simulator import Simulator

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_SCOPE = re.compile(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/aws4_request")
ECS_TARGET = "AmazonEC2ContainerServiceV20141113"


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


class SandboxApp:
    def __init__(self, app: WsgiApp, sim: Simulator, clock: Callable[[], datetime] | None = None) -> None:
        self.app = app
        self.sim = sim
        self.calls: Counter[str] = Counter()
        self.errors: dict[str, tuple[str, int, int]] = {}  # operation -> (code, status, remaining)
        self.ready = False
        self.clock = clock or (lambda: datetime.now(UTC))

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            return self._admin(environ, start_response, path[len("/_sandbox/"):])
        body = self._body(environ)
        service, operation = self._operation(environ, body)
        self.calls[f"{service}:{operation}"] += 1
        injected = self._injected(operation)
        if injected is not None:
            return self._error(start_response, service, *injected)
        with self.sim.lock:
            if service == "ecs" and operation in ("ListServiceDeployments", "DescribeServiceDeployments",
                                                  "StopServiceDeployment"):
                return self._json(start_response, 200, getattr(self, "_" + operation)(json.loads(body or b"{}")))
            if service == "elasticloadbalancing" and operation == "DescribeTargetHealth":
                return self._target_health(start_response, body)
            status, headers, chunks = self._call(environ, body)
            if service == "ecs" and operation == "UpdateService" and status.startswith("200"):
                self.sim.tick(self.clock())
                return self._updated_service(start_response, environ, json.loads(body))
        start_response(status, headers)
        return chunks

    def _body(self, environ: dict[str, Any]) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        return body

    def _operation(self, environ: dict[str, Any], body: bytes) -> tuple[str, str]:
        match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = match.group(1) if match else "unknown"
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            return service, target.rsplit(".", 1)[-1]
        from urllib.parse import parse_qs

        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        if not action:
            action = parse_qs(environ.get("QUERY_STRING", "")).get("Action", [""])[0]
        if not action:  # REST protocols: name the route
            action = f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '/')}"
        return service, action

    def _injected(self, operation: str) -> tuple[str, int] | None:
        entry = self.errors.get(operation)
        if not entry:
            return None
        code, status, remaining = entry
        if remaining <= 1:
            del self.errors[operation]
        else:
            self.errors[operation] = (code, status, remaining - 1)
        return code, status

    def _call(self, environ: dict[str, Any], body: bytes) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, headers

        chunks = list(self.app(environ, start))
        return captured["status"], captured["headers"], chunks

    # ------------------------------------------------------------------ responses
    def _json(self, start_response: StartResponse, status: int, payload: Any) -> list[bytes]:
        data = json.dumps(payload, default=_ts).encode()
        start_response(f"{status} {'OK' if status == 200 else 'Error'}",
                       [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data))),
                        ("x-amzn-RequestId", str(uuid.uuid4()))])
        return [data]

    def _error(self, start_response: StartResponse, service: str, code: str, status: int) -> list[bytes]:
        message = "Rate exceeded (injected by the vegaops sandbox)" if "Throttl" in code else \
            f"{code} (injected by the vegaops sandbox)"
        if service in ("elasticloadbalancing", "ec2", "sts", "iam", "rds", "elasticache", "sqs"):
            data = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code><Message>{escape(message)}"
                    f"</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>").encode()
            start_response(f"{status} Error", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
            return [data]
        data = json.dumps({"__type": code, "message": message}).encode()
        start_response(f"{status} Error", [("Content-Type", "application/x-amz-json-1.1"),
                                           ("x-amzn-ErrorType", code), ("Content-Length", str(len(data)))])
        return [data]

    def _updated_service(self, start_response: StartResponse, environ: dict[str, Any],
                         request: dict[str, Any]) -> list[bytes]:
        """moto answered UpdateService before the simulator saw it: answer with the service as it is now."""
        import io

        body = json.dumps({"cluster": request.get("cluster", "default"), "services": [request["service"]]}).encode()
        inner = dict(environ)
        inner["HTTP_X_AMZ_TARGET"] = f"{ECS_TARGET}.DescribeServices"
        inner["wsgi.input"] = io.BytesIO(body)
        inner["CONTENT_LENGTH"] = str(len(body))
        _, _, chunks = self._call(inner, body)
        described = json.loads(b"".join(chunks))
        return self._json(start_response, 200, {"service": described["services"][0]})

    # ------------------------------------------------------------------ ServiceDeployment APIs
    def _service_deployment(self, sim_service: Any, dep: Any, cluster_arn: str) -> dict[str, Any]:
        status = {"IN_PROGRESS": "IN_PROGRESS", "COMPLETED": "SUCCESSFUL", "FAILED": "ROLLBACK_SUCCESSFUL"
                  if any(d.rollback_from == dep.id and d.rollout == "COMPLETED" for d in sim_service.history)
                  else "FAILED"}[dep.rollout]
        if dep.rollout == "FAILED" and status == "FAILED" and any(d.rollback_from == dep.id
                                                                  for d in sim_service.history):
            status = "ROLLBACK_IN_PROGRESS"
        if dep.status == "INACTIVE" and dep.rollout == "IN_PROGRESS":
            status = "STOPPED"
        arn = f"arn:aws:ecs:{self.sim.region}:{self.sim.account}:service-deployment/{sim_service.cluster}/" \
              f"{sim_service.name}/{dep.id.split('/')[-1]}"
        previous = next((d for d in reversed(sim_service.history[: sim_service.history.index(dep)])
                         if d.rollout == "COMPLETED"), None)
        out: dict[str, Any] = {
            "serviceDeploymentArn": arn, "serviceArn": sim_service.arn, "clusterArn": cluster_arn,
            "createdAt": dep.created, "startedAt": dep.created, "updatedAt": dep.updated, "status": status,
            "statusReason": dep.reason,
            "targetServiceRevision": {"arn": f"{arn}/revision", "requestedTaskCount": dep.desired,
                                      "runningTaskCount": sum(1 for t in dep.live() if t.running_at),
                                      "pendingTaskCount": sum(1 for t in dep.live() if not t.running_at)},
            "deploymentCircuitBreaker": {"status": "TRIGGERED" if dep.rollout == "FAILED" else "MONITORING",
                                         "failureCount": dep.failed,
                                         "threshold": self._threshold(dep.desired)},
        }
        if dep.finished:
            out["finishedAt"] = dep.finished
        if previous is not None:
            out["sourceServiceRevisions"] = [{"arn": f"{arn}/source", "requestedTaskCount": 0,
                                              "runningTaskCount": 0, "pendingTaskCount": 0}]
        if dep.rollback_from:
            out["rollback"] = {"reason": "circuit breaker", "startedAt": dep.created}
        out["_taskDefinition"] = dep.task_definition
        return out

    @staticmethod
    def _threshold(desired: int) -> int:
        from vegaops.sandbox.simulator import breaker_threshold

        return breaker_threshold(desired)

    def _find(self, service_ref: str) -> Any:
        name = service_ref.rsplit("/", 1)[-1]
        return self.sim.deployments_of(name)

    def _cluster_arn(self, name: str) -> str:
        return f"arn:aws:ecs:{self.sim.region}:{self.sim.account}:cluster/{name}"

    def _ListServiceDeployments(self, req: dict[str, Any]) -> dict[str, Any]:
        sim_service = self._find(req.get("service", ""))
        if sim_service is None:
            return {"serviceDeployments": []}
        wanted = set(req.get("status") or [])
        rows = []
        for dep in reversed(sim_service.history):
            full = self._service_deployment(sim_service, dep, self._cluster_arn(sim_service.cluster))
            if wanted and full["status"] not in wanted:
                continue
            rows.append({k: full[k] for k in ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt",
                                              "createdAt", "status", "statusReason") if k in full}
                        | ({"finishedAt": full["finishedAt"]} if "finishedAt" in full else {})
                        | {"targetServiceRevisionArn": full["targetServiceRevision"]["arn"]})
        return {"serviceDeployments": rows[: int(req.get("maxResults") or 20)]}

    def _DescribeServiceDeployments(self, req: dict[str, Any]) -> dict[str, Any]:
        found, failures = [], []
        for arn in req.get("serviceDeploymentArns", []):
            parts = arn.split("/")
            sim_service = self._find(parts[-2]) if len(parts) >= 3 else None
            dep = next((d for d in (sim_service.history if sim_service else []) if d.id.endswith(parts[-1])), None)
            if sim_service is None or dep is None:
                failures.append({"arn": arn, "reason": "MISSING"})
                continue
            full = self._service_deployment(sim_service, dep, self._cluster_arn(sim_service.cluster))
            full.pop("_taskDefinition", None)
            found.append(full)
        return {"serviceDeployments": found, "failures": failures}

    def _StopServiceDeployment(self, req: dict[str, Any]) -> dict[str, Any]:
        arn = req.get("serviceDeploymentArn", "")
        parts = arn.split("/")
        sim_service = self._find(parts[-2]) if len(parts) >= 3 else None
        dep = next((d for d in (sim_service.history if sim_service else []) if d.id.endswith(parts[-1])), None)
        if sim_service is None or dep is None or dep.rollout != "IN_PROGRESS":
            raise_missing = {"serviceDeploymentArn": arn}
            return raise_missing
        self.sim.stop_deployment(sim_service, dep, self.clock())
        return {"serviceDeploymentArn": arn}

    # ------------------------------------------------------------------ ELB target health
    def _target_health(self, start_response: StartResponse, body: bytes) -> list[bytes]:
        from urllib.parse import parse_qs

        tg = parse_qs(body.decode()).get("TargetGroupArn", [""])[0]
        members = []
        for service_name, port, targets in self.sim.targets_of(tg):
            for ip, state in targets:
                reason = {"initial": ("Elb.RegistrationInProgress", "Target registration is in progress"),
                          "unhealthy": ("Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]"),
                          "draining": ("Target.DeregistrationInProgress", "Target deregistration is in progress"),
                          }.get(state)
                extra = f"<Reason>{reason[0]}</Reason><Description>{escape(reason[1])}</Description>" if reason else ""
                members.append(f"<member><Target><Id>{ip}</Id><Port>{port}</Port></Target>"
                               f"<HealthCheckPort>{port}</HealthCheckPort><TargetHealth><State>{state}</State>"
                               f"{extra}</TargetHealth></member>")
            del service_name
        data = ('<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">'
                f"<DescribeTargetHealthResult><TargetHealthDescriptions>{''.join(members)}"
                "</TargetHealthDescriptions></DescribeTargetHealthResult>"
                f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
                "</DescribeTargetHealthResponse>").encode()
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
        return [data]

    # ------------------------------------------------------------------ admin
    def _admin(self, environ: dict[str, Any], start_response: StartResponse, route: str) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        payload = json.loads(self._body(environ) or b"{}") if method == "POST" else {}
        if route == "status":
            with self.sim.lock:
                services = {s.name: {"deployments": len(s.deployments), "rollout": s.deployments[0].rollout,
                                     "task_definition": s.deployments[0].task_definition.rsplit("/", 1)[-1]}
                            for s in self.sim.services.values()}
            return self._json(start_response, 200, {"ready": self.ready, "speed": self.sim.speed,
                                                    "services": services, "faults": self.sim.faults})
        if route.startswith("health/"):
            key = route.split("/", 1)[1]
            spec = next((s for s in estate.SERVICES if key in (s.key, s.ecs_service)), None)
            if spec is None:
                return self._json(start_response, 404, {"status": "unknown service"})
            ok = self.sim.healthy(spec.ecs_service)
            return self._json(start_response, 200 if ok else 503, {"status": "ok" if ok else "unavailable",
                                                                  "service": spec.ecs_service})
        if route == "fault" and method == "POST":
            self.sim.set_fault(payload["service"], payload.get("mode"))
            return self._json(start_response, 200, {"faults": self.sim.faults})
        if route == "errors" and method == "POST":
            self.errors[payload["operation"]] = (payload.get("code", "ThrottlingException"),
                                                 int(payload.get("status", 400)), int(payload.get("count", 1)))
            return self._json(start_response, 200, {"errors": {k: list(v) for k, v in self.errors.items()}})
        if route == "speed" and method == "POST":
            with self.sim.lock:
                self.sim.speed = float(payload["speed"])
            return self._json(start_response, 200, {"speed": self.sim.speed})
        if route == "calls":
            return self._json(start_response, 200, dict(self.calls))
        if route == "calls/reset" and method == "POST":
            self.calls.clear()
            return self._json(start_response, 200, {})
        return self._json(start_response, 404, {"error": f"no admin route {route}"})
