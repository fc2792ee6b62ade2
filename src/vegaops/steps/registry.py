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
    "scale.desired": "vegaops.steps.scale:SetDesiredCount",
    "scale.autoscaling": "vegaops.steps.scale:SetScalableTarget",
    "scale.save": "vegaops.steps.scale:SaveCounts",
    "scale.restore": "vegaops.steps.scale:RestoreCounts",
    "schedules.follow": "vegaops.steps.schedules:FollowSchedules",
    "schedules.run": "vegaops.steps.schedules:RunScheduled",
    "ecs.run": "vegaops.steps.run:RunTask",
    "ecs.enable-exec": "vegaops.steps.exec:EnableExec",
    "ecs.rollback-on-failure": "vegaops.steps.ecs:RollbackOnFailure",
    "ecs.wait-other": "vegaops.steps.ecs:WaitForOther",
    "ecs.tag-outcome": "vegaops.steps.deploy:TagOutcome",
    "ecs.prune": "vegaops.steps.deploy:PruneRevisions",
    "ecs.record-outcomes": "vegaops.steps.deploy:RecordOutcomes",
    "deploy.lock": "vegaops.steps.deploy:LockService",
    "deploy.unlock": "vegaops.steps.deploy:UnlockService",
    "deploy.release": "vegaops.steps.deploy:ReleaseLock",
}


def get_step(step_id: str) -> type[Step[Any]]:
    module_name, _, attr = STEPS[step_id].partition(":")
    cls: type[Step[Any]] = getattr(importlib.import_module(module_name), attr)
    return cls
