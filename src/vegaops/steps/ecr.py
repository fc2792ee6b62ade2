"""ECR steps: ``ecr.resolve`` (read-only) and ``ecr.promote`` (copy a tag between repositories).

Both work in the current environment's ECR (``ctx.aws.ecr``); repositories are names, not URIs.
Outputs (usable by later runbook steps as ``${steps.<id>.<output>}``):

- ``digest``  -- ``sha256:...`` the tag points to (in the target repository for ``ecr.promote``)
- ``image``   -- the image reference pinned by digest, ``<registry>/<repo>@sha256:...``
- ``repository`` / ``tag`` -- where the image is (for promote: the target repo and the tag it has there)

``ecr.promote`` copies by manifest (``batch_get_image`` + ``put_image``), no rebuild and no layer copy:
the registry shares layers between repositories of one registry. The digest is the same on both sides.
Already there with the same digest -> empty plan. The target tag pointing to another digest in an
IMMUTABLE repository -> ``Refused`` (exit 8) at plan time; in a MUTABLE one the tag is moved (an
``update`` change that says from which digest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.aws.ecr import Ecr, ImageRef, tag_clash
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext


def _outputs(ref: ImageRef) -> dict[str, Any]:
    return {"digest": ref.digest, "image": ref.pinned, "repository": ref.repository, "tag": ref.tag}


def _source_ecr(ctx: AppContext, source_env: str | None) -> Ecr:
    if not source_env or source_env == ctx.settings.env:
        return ctx.aws.ecr
    from vegaops.images.locate import context_for

    return context_for(ctx, source_env).aws.ecr


def _cross_registry(ctx: AppContext, source_env: str | None) -> bool:
    if not source_env or source_env == ctx.settings.env:
        return False
    from vegaops.images.locate import context_for, registry_key

    return registry_key(context_for(ctx, source_env).settings) != registry_key(ctx.settings)


def _copy_between_registries(
    ctx: AppContext, source_ecr: Ecr, target_ecr: Ecr, manifest: Any, source_repo: str, target_repo: str, tag: str
) -> str:
    """Different registries (accounts/regions): copy blobs over the registry API, then the manifest."""
    from vegaops.images.progress import progress_for
    from vegaops.images.registry import RegistryClient, copy_image

    src_auth, dst_auth = source_ecr.auth(), target_ecr.auth()
    src = RegistryClient(src_auth.url, src_auth.username, src_auth.password.value)
    dst = RegistryClient(dst_auth.url, dst_auth.username, dst_auth.password.value)
    progress = progress_for(ctx.output)
    try:
        if progress is None:
            report = copy_image(
                src, source_repo, dst, target_repo, tag, manifest.body.encode("utf-8"), manifest.media_type
            )
        else:
            with progress:
                report = copy_image(
                    src,
                    source_repo,
                    dst,
                    target_repo,
                    tag,
                    manifest.body.encode("utf-8"),
                    manifest.media_type,
                    progress=progress,
                )
    finally:
        src.close()
        dst.close()
    return report.digest


def _wait_for_mirror(ctx: AppContext, ecr: Ecr, repo: str, tag: str, digest: str, timeout: float = 15.0) -> None:
    """The sandbox's registry reaches its ECR through push notifications (asynchronous); real ECR is one
    store. Wait until ECR reports ``repo:tag`` at ``digest`` so a following step (promote, deploy) sees it."""
    from tenacity import Retrying, retry_if_result

    from vegaops.errors import TimedOut

    deadline = ctx.clock.monotonic() + timeout

    def timed_out(_state: object) -> bool:
        raise TimedOut(
            f"the sandbox registry did not mirror {repo}:{tag} ({digest}) into ECR within {timeout:.0f} s",
            hint="see the sandbox log; vegaops sandbox status",
        )

    retrying = Retrying(
        sleep=ctx.clock.sleep,
        retry=retry_if_result(lambda ref: ref is None or ref.digest != digest),
        stop=lambda _state: ctx.clock.monotonic() >= deadline,
        wait=lambda _state: 0.1,
        retry_error_callback=timed_out,
    )
    retrying(ecr.find, repo, tag)


@dataclass
class ResolveParams:
    repository: str
    tag: str


class ResolveImage(Step[ResolveParams]):
    """Resolve a tag to its digest; changes nothing. Missing repo or tag -> NotFoundError (exit 3)."""

    id: ClassVar[str] = "ecr.resolve"
    read_only = True
    Params = ResolveParams
    outputs = ("digest", "image", "repository", "tag")
    description = "resolve an ECR tag to its digest (read-only)"

    def plan(self, ctx: AppContext) -> Plan:
        ref = ctx.aws.ecr.resolve(self.params.repository, self.params.tag)
        plan = Plan(step=self.id, outputs=_outputs(ref))
        plan.notes.append(f"{ref.repository}:{ref.tag} is {ref.digest}")
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        return Outcome(outputs=dict(plan.outputs))


@dataclass
class PromoteParams:
    tag: str
    source_repository: str
    repository: str  # the target repository
    new_tag: str | None = None  # the tag in the target; default: the same tag
    source_env: str | None = None  # the source repository is in this environment's registry (default: same)


class PromoteImage(Step[PromoteParams]):
    """Copy ``source_repository:tag`` to ``repository:(new_tag or tag)`` by manifest; same digest."""

    id: ClassVar[str] = "ecr.promote"
    plan_after_missing = True  # the source tag may be pushed by an earlier ecr.push
    Params = PromoteParams
    outputs = ("digest", "image", "repository", "tag", "source_digest")
    description = "promote an image tag from one ECR repository to another (same digest, no rebuild)"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        target_tag = p.new_tag or p.tag
        ecr = ctx.aws.ecr
        source = _source_ecr(ctx, p.source_env).resolve(p.source_repository, p.tag)
        target_repo = ecr.repository(p.repository)
        current = ecr.find(p.repository, target_tag)
        target_ref = ImageRef(p.repository, target_tag, source.digest, target_repo.registry_host)
        plan = Plan(step=self.id, outputs={**_outputs(target_ref), "source_digest": source.digest})
        where = f"{p.repository}:{target_tag}"
        if current is not None and current.digest == source.digest:
            plan.notes.append(f"already there: {where} is {source.digest}")
            return plan
        if current is not None and target_repo.immutable:
            raise tag_clash(p.repository, target_tag, source.digest, current.digest)
        plan.state = {
            "target_tag": target_tag,
            "source_digest": source.digest,
            "cross_registry": _cross_registry(ctx, p.source_env),
        }
        if current is None:
            plan.changes.append(
                Change(
                    "promote",
                    where,
                    f"promote {p.source_repository}:{p.tag} -> {where} ({source.digest})",
                    {"from": f"{p.source_repository}:{p.tag}", "digest": source.digest},
                )
            )
        else:
            plan.changes.append(
                Change(
                    "update",
                    where,
                    f"move {where} from {current.digest} to {source.digest} (promoted from "
                    f"{p.source_repository}:{p.tag})",
                    {"from": f"{p.source_repository}:{p.tag}", "digest": {"from": current.digest, "to": source.digest}},
                )
            )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        p = self.params
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        ecr = ctx.aws.ecr
        source_ecr = _source_ecr(ctx, p.source_env)
        manifest = source_ecr.get_manifest(p.source_repository, digest=plan.state["source_digest"])
        if plan.state.get("cross_registry"):
            digest = _copy_between_registries(
                ctx, source_ecr, ecr, manifest, p.source_repository, p.repository, plan.state["target_tag"]
            )
        else:
            digest = ecr.put_image(p.repository, manifest, tag=plan.state["target_tag"])
        outcome.outputs["digest"] = digest
        outcome.outputs["image"] = outcome.outputs["image"].rsplit("@", 1)[0] + "@" + digest
        outcome.changes.extend(plan.changes)
        return outcome


@dataclass
class PushParams:
    repository: str
    tag: str
    source: str  # docker://IMAGE | oci:PATH[:REF] | docker-archive:PATH
    mount_from: list[str] = field(default_factory=list)  # repositories of the same registry to mount from
    jobs: int = 4  # parallel blob uploads
    chunk_size: int = 16 * 1024 * 1024


class PushImage(Step[PushParams]):
    """Push an image into ``repository:tag``: daemonless from an OCI layout / docker-archive, or via docker.

    Plan (read-only): the source's manifest digest (OCI layout: free; docker-archive: hashes layers once)
    against the tag's current digest in ECR: same -> empty plan ("already present"); an IMMUTABLE tag
    pointing elsewhere -> Refused (exit 8). Apply: blobs already in the repository are skipped (HEAD),
    blobs in ``mount_from`` repositories are mounted, the rest uploaded in chunks, ``jobs`` at a time;
    the manifest goes last and the digest the registry reports must equal the source's.
    Outputs: ``digest``, ``image`` (pinned), ``repository``, ``tag``, ``bytes_uploaded``, ``blobs``.
    """

    id: ClassVar[str] = "ecr.push"
    Params = PushParams
    outputs = ("digest", "image", "repository", "tag", "bytes_uploaded", "blobs")
    description = "push an image (OCI layout, docker-archive or docker://) into an ECR repository"

    _loaded: Any = None

    def _source(self) -> Any:
        from vegaops.images.source import load_source, parse_source

        if self._loaded is None:
            kind, rest = parse_source(self.params.source)
            self._loaded = load_source(kind, rest)
        return self._loaded

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.images.source import parse_source

        p = self.params
        kind, rest = parse_source(p.source)
        ecr = ctx.aws.ecr
        repo = ecr.repository(p.repository)
        current = ecr.find(p.repository, p.tag)
        where = f"{p.repository}:{p.tag}"
        plan = Plan(step=self.id, outputs={"repository": p.repository, "tag": p.tag, "bytes_uploaded": 0, "blobs": []})
        plan.state = {"kind": kind, "registry_host": repo.registry_host}
        if kind == "docker":
            from vegaops.images.docker import require_engine

            require_engine()
            if current is not None and repo.immutable:
                raise tag_clash(p.repository, p.tag, f"the image {rest}", current.digest)
            plan.changes.append(
                Change(
                    "push",
                    where,
                    f"push {rest} -> {where} with docker",
                    {"source": p.source, "replaces": current.digest if current else None},
                )
            )
            return plan
        source = self._source()
        ref = ImageRef(p.repository, p.tag, source.digest, repo.registry_host)
        plan.outputs.update(digest=source.digest, image=ref.pinned)
        if current is not None and current.digest == source.digest:
            plan.notes.append(f"already present: {where} is {source.digest}")
            return plan
        if current is not None and repo.immutable:
            raise tag_clash(p.repository, p.tag, source.digest, current.digest)
        size = source.size
        plan.changes.append(
            Change(
                "push",
                where,
                f"push {source.origin} -> {where} ({source.digest}, {len(source.blobs)} blobs, "
                f"{size:,} bytes before skips)",
                {"source": p.source, "digest": source.digest, "replaces": current.digest if current else None},
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        p = self.params
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        ecr = ctx.aws.ecr
        auth = ecr.auth()
        if plan.state["kind"] == "docker":
            from vegaops.images import docker
            from vegaops.images.source import parse_source

            target = f"{auth.host}/{p.repository}:{p.tag}"
            digest = docker.push(
                parse_source(p.source)[1], target, auth.host, auth.username, auth.password.value, ctx.output.info
            )
            outcome.outputs.update(digest=digest, image=f"{plan.state['registry_host']}/{p.repository}@{digest}")
            outcome.changes.extend(plan.changes)
            return outcome
        from vegaops.images.progress import progress_for
        from vegaops.images.registry import RegistryClient, push_image

        source = self._source()
        client = RegistryClient(auth.url, auth.username, auth.password.value, pool_size=max(4, p.jobs * 2))
        progress = progress_for(ctx.output)
        try:
            if progress is None:
                report = push_image(client, p.repository, p.tag, source, p.mount_from, p.jobs, p.chunk_size)
            else:
                with progress:
                    report = push_image(
                        client, p.repository, p.tag, source, p.mount_from, p.jobs, p.chunk_size, progress
                    )
        finally:
            client.close()
        if ctx.settings.extras.get("registry_mirror"):
            _wait_for_mirror(ctx, ecr, p.repository, p.tag, report.digest)
        pinned = ImageRef(p.repository, p.tag, report.digest, plan.state["registry_host"]).pinned
        outcome.outputs.update(
            digest=report.digest,
            image=pinned,
            bytes_uploaded=report.bytes_uploaded,
            blobs=[b.to_dict() for b in report.blobs],
        )
        outcome.changes.extend(plan.changes)
        return outcome
