"""Step ids -> implementations, imported only when a step is used (keeps start-up light)."""

from __future__ import annotations

import importlib
from typing import Any

from vegaops.steps.base import Step

STEPS: dict[str, str] = {
    "ssm.put": "vegaops.steps.ssm:PutParameter",
    "ssm.delete": "vegaops.steps.ssm:DeleteParameters",
    "ssm.rollback": "vegaops.steps.ssm:RollbackParameter",
    "secrets.put": "vegaops.steps.secrets:PutSecret",
    "ecr.resolve": "vegaops.steps.ecr:ResolveImage",
    "ecr.promote": "vegaops.steps.ecr:PromoteImage",
    "ecs.register": "vegaops.steps.ecs:RegisterTaskDefinition",
    "ecs.deploy": "vegaops.steps.ecs:DeployService",
    "ecs.watch": "vegaops.steps.ecs:WatchDeployments",
    "ecs.rollback": "vegaops.steps.ecs:RollbackService",
    "ecr.push": "vegaops.steps.ecr:PushImage",
    "health.check": "vegaops.steps.health:HealthCheck",
    "debug.report": "vegaops.steps.debug:DebugReport",
    "secrets.delete": "vegaops.steps.secrets:DeleteSecret",
    "secrets.restore": "vegaops.steps.secrets:RestoreSecret",
    "secrets.rollback": "vegaops.steps.secrets:RollbackSecret",
    "ecs.force-redeploy": "vegaops.steps.redeploy:ForceRedeploy",
    "secrets.repoint": "vegaops.steps.repoint:RepointSecret",
    "ecs.continue": "vegaops.steps.service_deployments:ContinueDeployment",
    "ecs.stop": "vegaops.steps.service_deployments:StopDeployment",
    "ecs.run": "vegaops.steps.run:RunTask",
    "ecs.enable-exec": "vegaops.steps.exec:EnableExec",
}


def register(step_id: str, target: str) -> None:
    STEPS[step_id] = target


def get_step(step_id: str) -> type[Step[Any]]:
    module_name, _, attr = STEPS[step_id].partition(":")
    cls: type[Step[Any]] = getattr(importlib.import_module(module_name), attr)
    return cls
