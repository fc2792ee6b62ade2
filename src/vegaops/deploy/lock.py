"""A deploy lock per environment and service that works across machines: an SSM parameter created with
``Overwrite=False`` (an atomic create), holding who, when, tag and expiry."""

from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vegaops.aws.errors import error_code
from vegaops.errors import Refused


def whoami() -> str:
    user = os.environ.get("VEGAOPS_DEPLOYER")
    if user:
        return user
    try:
        name = getpass.getuser()
    except Exception:
        name = "unknown"
    return f"{name}@{socket.gethostname()}"


@dataclass(frozen=True)
class Lock:
    name: str
    holder: str
    tag: str
    since: datetime
    expires: datetime


def lock_name(cluster: str, service: str) -> str:
    return f"/vegaops/locks/{cluster}/{service}"


def _read(ssm: Any, name: str) -> Lock | None:
    try:
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except Exception as exc:
        if error_code(exc) == "ParameterNotFound":
            return None
        raise
    raw = json.loads(value)
    return Lock(name, raw["holder"], raw.get("tag", ""), datetime.fromisoformat(raw["since"]),
                datetime.fromisoformat(raw["expires"]))


def acquire(ssm: Any, cluster: str, service: str, tag: str, now: datetime, ttl: timedelta,
            label: str | None = None) -> Lock:
    """Take the lock of ``service`` (ECS name); ``label`` is how the user names it in messages."""
    name = lock_name(cluster, service)
    label = label or service
    lock = Lock(name, whoami(), tag, now, now + ttl)
    value = json.dumps({"holder": lock.holder, "tag": tag, "since": now.isoformat(),
                        "expires": lock.expires.isoformat()})
    for _ in range(2):
        try:
            ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=False,
                              Description="vegaops deploy lock")
            return lock
        except Exception as exc:
            if error_code(exc) != "ParameterAlreadyExists":
                raise
        held = _read(ssm, name)
        if held is not None and held.expires > now:
            raise Refused(f"service {label} is being deployed by {held.holder} (tag {held.tag}, since "
                          f"{held.since:%Y-%m-%d %H:%M:%S %Z}, lock expires {held.expires:%H:%M:%S %Z})",
                          hint=f"wait, re-attach with: vegaops deploy watch {label}; or, if stale: "
                               f"vegaops deploy unlock {label}")
        release(ssm, cluster, service)  # expired: take it over
    raise Refused(f"could not take the deploy lock of {label}", hint=f"vegaops deploy unlock {label}")


def release(ssm: Any, cluster: str, service: str) -> bool:
    try:
        ssm.delete_parameter(Name=lock_name(cluster, service))
    except Exception as exc:
        if error_code(exc) == "ParameterNotFound":
            return False
        raise
    return True


def holder(ssm: Any, cluster: str, service: str) -> Lock | None:
    return _read(ssm, lock_name(cluster, service))
