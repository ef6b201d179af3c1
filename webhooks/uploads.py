"""The upload API: ``POST /api/v1/runs`` (reports + metadata) and ``GET /api/v1/runs/{id}``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.adapters.logs import get_logger
from bot.adapters.settings import Settings
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Campaign, GitHubIssue, Run
from bot.app.run_order import waiting_text
from webhooks.deps import UploadIdentity, get_session_factory, get_settings, require_upload_token
from webhooks.errors import ApiError
from webhooks.multipart import (
    FieldTooLarge,
    MultipartError,
    Part,
    TooManyParts,
    is_multipart,
    read_multipart,
)
from webhooks.oidc_metadata import metadata_with_claims
from webhooks.run_intake import ReportFile, store_upload
from webhooks.run_metadata import MetadataError, RunMetadata, parse_metadata

router = APIRouter(prefix="/api/v1")
log = get_logger(__name__)

MAX_PARTS = 1000
FILE_FIELDS = ("files", "file")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as Stripe's keys
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _status_url(settings: Settings, run_id: int) -> str:
    return f"{settings.public_url.rstrip('/')}/api/v1/runs/{run_id}"


def _idempotency_key(request: Request) -> str | None:
    value = request.headers.get("idempotency-key")
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.match(value):
        raise ApiError(
            422,
            "Idempotency-Key must be 1-255 visible ASCII characters (e.g. a UUID)",
            field="Idempotency-Key",
        )
    return value


def _safe_filename(name: str | None, index: int) -> str:
    cleaned = _CONTROL.sub("", name or "").strip()
    return cleaned[:1024] or f"report-{index}"


def _split_parts(parts: list[Part]) -> tuple[bytes, list[ReportFile]]:
    """The metadata bytes and the report files; ApiError (422) for anything unexpected."""
    metadata: list[bytes] = []
    files: list[ReportFile] = []
    for part in parts:
        if part.name == "metadata":
            metadata.append(part.read_bytes())
        elif part.name in FILE_FIELDS and part.is_file:
            files.append(ReportFile(_safe_filename(part.filename, len(files) + 1), part))
        elif part.name in FILE_FIELDS:
            raise ApiError(
                422,
                f"part {part.name!r} has no filename: send each report as a file part "
                "(curl -F files=@report.xml)",
                field="files",
            )
        else:
            raise ApiError(
                422,
                f"unexpected part {part.name[:60]!r}: send the JSON metadata as 'metadata' and "
                "each report file as 'files'",
                field=part.name[:60],
            )
    if not metadata:
        raise ApiError(
            422, "the 'metadata' part is missing: send the run's metadata as JSON", field="metadata"
        )
    if len(metadata) > 1:
        raise ApiError(422, "the 'metadata' part was sent more than once", field="metadata")
    return metadata[0], files


def _metadata(raw: bytes) -> RunMetadata:
    try:
        return parse_metadata(raw)
    except MetadataError as exc:
        extra = {"errors": exc.details} if len(exc.details) > 1 else None
        raise ApiError(422, exc.message, field=exc.field, extra=extra) from exc


def _check_repository(identity: UploadIdentity, metadata: RunMetadata) -> None:
    """403 unless the metadata names the token's repository (an OIDC token's own name,
    which may be newer than ours after a rename)."""
    if identity.oidc is not None:
        claimed = identity.oidc.repository.lower()
        if metadata.repository != claimed:
            raise ApiError(
                403,
                f"this OIDC token is for {claimed} (the workflow's repository), not "
                f"{metadata.repository}; upload from a workflow of that repository",
                field="repository",
            )
    elif metadata.repository != identity.repository:
        raise ApiError(
            403,
            f"this upload token is for {identity.repository}, not {metadata.repository}; "
            "use the token created for that repository",
            field="repository",
        )


async def _closed_after_request() -> AsyncIterator[ExitStack]:
    """Closes what the request spooled (the upload's temp file), however the request ends."""
    with ExitStack() as stack:
        yield stack


@router.post("/runs", status_code=202)
async def create_run(
    request: Request,
    identity: UploadIdentity = Depends(require_upload_token),
    settings: Settings = Depends(get_settings),
    factory: sessionmaker[Session] = Depends(get_session_factory),
    cleanup: ExitStack = Depends(_closed_after_request, scope="function"),
) -> JSONResponse:
    """Accept one run's reports; 202 with the new run, 200 with the earlier one on a retry."""
    idempotency_key = _idempotency_key(request)
    content_type = request.headers.get("content-type", "")
    if not is_multipart(content_type):
        raise ApiError(
            415,
            "send the upload as multipart/form-data with a 'metadata' JSON part and one or "
            f"more 'files' parts (got Content-Type {content_type[:80]!r})",
        )
    try:
        parts = cleanup.enter_context(
            await read_multipart(content_type, request.stream(), max_parts=MAX_PARTS)
        )
    except TooManyParts as exc:
        raise ApiError(
            422, f"{exc}; split the reports over several uploads", field="files"
        ) from exc
    except FieldTooLarge as exc:
        raise ApiError(422, str(exc), field=exc.field) from exc
    except MultipartError as exc:
        raise ApiError(400, str(exc)) from exc

    raw_metadata, files = _split_parts(parts)
    metadata = _metadata(raw_metadata)
    _check_repository(identity, metadata)
    if identity.oidc is not None:
        metadata = metadata_with_claims(metadata, identity.oidc)
    if not files:
        raise ApiError(
            422,
            "no report files: attach one or more as 'files' parts (curl -F files=@report.xml)",
            field="files",
        )

    result = await run_in_threadpool(
        store_upload,
        factory,
        repository_id=identity.repository_id,
        repository=identity.repository,
        metadata=metadata,
        files=files,
        idempotency_key=idempotency_key,
        sync_delay=timedelta(seconds=settings.sync_debounce_s),
    )
    log.info(
        "upload stored" if result.created else "upload repeated; returning the first run",
        run_id=result.run_id,
        repository=identity.repository,
        campaign=metadata.campaign,
        files=len(files),
    )
    body = {
        "run_id": result.run_id,
        "status": result.status,
        "status_url": _status_url(settings, result.run_id),
    }
    return JSONResponse(body, status_code=202 if result.created else 200)


def _run_status(
    factory: sessionmaker[Session], identity: UploadIdentity, run_id: int, settings: Settings
) -> dict[str, Any] | None:
    with transaction(factory) as session:
        run = session.get(Run, run_id)
        if run is None or run.repository_id != identity.repository_id:
            return None
        campaign = session.get(Campaign, run.campaign_id)
        campaign_name = campaign.name if campaign else None
        issue_url = session.scalar(
            select(GitHubIssue.html_url).where(
                GitHubIssue.repository_id == run.repository_id,
                GitHubIssue.key == f"campaign:{campaign_name}",
            )
        )
        summary = run.summary if isinstance(run.summary, dict) else {}
        return {
            "run_id": run.id,
            "status": run.status,
            "error": run.error,
            "waiting": waiting_text(run),
            "repository": identity.repository,
            "campaign": campaign_name,
            "files": [
                {"filename": f.filename, "size": f.size, "format": f.format, "error": f.error}
                for f in run.files
            ],
            "counts": summary.get("counts"),
            "tracking_issue_url": issue_url,
            "status_url": _status_url(settings, run.id),
            "created_at": run.created_at.isoformat(),
            "processed_at": run.processed_at.isoformat() if run.processed_at else None,
        }


@router.get("/runs/{run_id}")
async def get_run(
    run_id: Annotated[int, Path(ge=1, lt=2**31)],
    identity: UploadIdentity = Depends(require_upload_token),
    settings: Settings = Depends(get_settings),
    factory: sessionmaker[Session] = Depends(get_session_factory),
) -> dict[str, Any]:
    """A run's status, visible only with a token of the run's repository."""
    status = await run_in_threadpool(_run_status, factory, identity, run_id, settings)
    if status is None:
        raise ApiError(404, f"no run {run_id} in {identity.repository}")
    return status
