"""Sandbox controls under ``/_sandbox/``: webhooks, config, faults, state, request log, storage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from loopwatch_sandbox.auth import sandbox
from loopwatch_sandbox.chaos import FAULT_KINDS, ChaosProfile
from loopwatch_sandbox.deliveries import deliver
from loopwatch_sandbox.dump import snapshot
from loopwatch_sandbox.errors import GitHubError, not_found
from loopwatch_sandbox.state import Fault, utcnow
from loopwatch_sandbox.web import no_content

router = APIRouter(prefix="/_sandbox")


class WebhookIn(BaseModel):
    event: str
    payload: dict[str, Any]


class ConfigIn(BaseModel):
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhooks_for_app_actions: bool | None = None


class FaultIn(BaseModel):
    path_regex: str
    status: int | None = None
    method: str | None = None
    count: int = Field(default=1, ge=1)
    delay_s: float = Field(default=0.0, ge=0)
    after_store: bool = False
    retry_after: int | None = None
    rate_limit_reset: int | None = None
    message: str | None = None


class ChaosIn(BaseModel):
    """The random fault profile (see chaos.py): ``rate`` of API calls get one of ``kinds``."""

    seed: int = 0
    rate: float = Field(ge=0, le=1)
    kinds: list[str] = Field(default_factory=lambda: list(FAULT_KINDS), min_length=1)
    delay_s: tuple[float, float] = (0.05, 0.5)
    timeout_delay_s: tuple[float, float] = (1.5, 2.5)
    retry_after_s: tuple[int, int] = (1, 2)


@router.post("/webhooks")
async def send_webhook(request: Request, body: WebhookIn) -> dict[str, Any]:
    """Sign and deliver any payload; answers the delivery id and the receiver's status."""
    return await deliver(sandbox(request), body.event, body.payload)


@router.get("/deliveries")
async def list_deliveries(request: Request) -> list[dict[str, Any]]:
    return sandbox(request).deliveries


@router.post("/config")
async def set_config(request: Request, body: ConfigIn) -> dict[str, Any]:
    config = sandbox(request).config
    for name, value in body.model_dump(exclude_unset=True).items():
        setattr(config, name, value)
    return {"webhook_url": config.webhook_url, "app_id": config.app_id, "slug": config.app_slug}


@router.post("/faults", status_code=201)
async def add_fault(request: Request, body: FaultIn) -> dict[str, Any]:
    if body.status is None and (body.retry_after is not None or body.rate_limit_reset is not None):
        body.status = 403  # GitHub answers rate limits with 403 (or 429)
    if body.status is None and not body.delay_s:
        raise GitHubError(422, "a fault needs a status or a delay_s")
    sandbox(request).faults.append(Fault(**body.model_dump()))
    return body.model_dump()


@router.get("/faults")
async def list_faults(request: Request) -> list[dict[str, Any]]:
    return [vars(f) for f in sandbox(request).faults]


@router.delete("/faults")
async def clear_faults(request: Request) -> Response:
    sandbox(request).faults.clear()
    return no_content()


@router.post("/chaos", status_code=201)
async def start_chaos(request: Request, body: ChaosIn) -> dict[str, Any]:
    unknown = sorted(set(body.kinds) - set(FAULT_KINDS))
    if unknown:
        raise GitHubError(422, f"unknown fault kinds {unknown}; known: {list(FAULT_KINDS)}")
    ranges = (body.delay_s, body.timeout_delay_s, body.retry_after_s)
    if any(low < 0 or high < low for low, high in ranges):
        raise GitHubError(422, "ranges are [low, high] with 0 <= low <= high")
    profile = ChaosProfile(
        seed=body.seed,
        rate=body.rate,
        kinds=tuple(body.kinds),
        delay_s=body.delay_s,
        timeout_delay_s=body.timeout_delay_s,
        retry_after_s=body.retry_after_s,
    )
    sandbox(request).chaos = profile
    return profile.summary()


@router.get("/chaos")
async def get_chaos(request: Request) -> dict[str, Any] | None:
    """The profile and what it injected so far (null when off)."""
    profile = sandbox(request).chaos
    return None if profile is None else profile.summary()


@router.delete("/chaos")
async def stop_chaos(request: Request) -> dict[str, Any] | None:
    """Turn the profile off; answers its final summary (null when it was off)."""
    state = sandbox(request)
    profile, state.chaos = state.chaos, None
    return None if profile is None else profile.summary()


@router.get("/state")
async def get_state(request: Request) -> dict[str, Any]:
    return snapshot(sandbox(request))


@router.get("/requests")
async def list_requests(request: Request, mutating: bool = False) -> list[dict[str, Any]]:
    log = sandbox(request).requests
    return [r for r in log if r["mutating"]] if mutating else log


@router.delete("/requests")
async def clear_requests(request: Request) -> Response:
    sandbox(request).requests.clear()
    return no_content()


@router.post("/reset")
async def reset(request: Request) -> Response:
    sandbox(request).reset()
    return no_content()


@router.get("/blobs/{key}")
async def get_blob(request: Request, key: str) -> Response:
    """Short-lived storage URL (artifact zips). Refuses a GitHub token, like real storage."""
    state = sandbox(request)
    credentials = request.headers.get("authorization") is not None
    state.blob_fetches.append({"key": key, "authorization": credentials})
    if credentials:
        raise GitHubError(400, "Authentication information is not given in the correct format")
    blob = state.blobs.get(key)
    if blob is None or blob.expires_at <= utcnow():
        raise not_found()
    return Response(blob.data, media_type=blob.content_type)


@router.get("/raw/{owner}/{repo}/{ref}/{path:path}")
async def raw_file(request: Request, owner: str, repo: str, ref: str, path: str) -> Response:
    data = sandbox(request).repo(owner, repo).files.get(ref, {}).get(path)
    if data is None:
        raise not_found()
    return Response(data, media_type="application/octet-stream")
