"""Actions: workflow-run artifacts (zip behind a short-lived storage URL) and re-runs."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from loopwatch_sandbox.auth import repo_access
from loopwatch_sandbox.errors import GitHubError, not_found
from loopwatch_sandbox.objects import Objects
from loopwatch_sandbox.state import Artifact, Blob, Repo, WorkflowRun, utcnow
from loopwatch_sandbox.web import json_response, wrapped_page_response

router = APIRouter()
BLOB_LIFETIME = timedelta(minutes=1)


def workflow_run_of(repo: Repo, run_id: int) -> WorkflowRun:
    """The repository's workflow run ``run_id``; 404 when there is none."""
    if run_id not in repo.workflow_runs:
        raise not_found()
    return repo.workflow_runs[run_id]


def _artifact(repo: Repo, artifact_id: int) -> Artifact:
    if artifact_id not in repo.artifacts:
        raise not_found()
    return repo.artifacts[artifact_id]


@router.get("/repos/{owner}/{repo}/actions/runs/{run_id:int}")
async def get_workflow_run(request: Request, owner: str, repo: str, run_id: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("actions")
    run = workflow_run_of(access.repo, run_id)
    return json_response(Objects(access.state).workflow_run(access.repo, run))


@router.get("/repos/{owner}/{repo}/actions/runs/{run_id:int}/artifacts")
async def list_run_artifacts(request: Request, owner: str, repo: str, run_id: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("actions")
    workflow_run_of(access.repo, run_id)
    name = request.query_params.get("name")
    chosen = [
        a
        for a in access.repo.artifacts.values()
        if a.run_id == run_id and (name is None or a.name == name)
    ]
    objects = Objects(access.state)
    return wrapped_page_response(
        request, "artifacts", [objects.artifact(access.repo, a) for a in chosen]
    )


@router.get("/repos/{owner}/{repo}/actions/artifacts/{artifact_id:int}")
async def get_artifact(request: Request, owner: str, repo: str, artifact_id: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("actions")
    artifact = _artifact(access.repo, artifact_id)
    return json_response(Objects(access.state).artifact(access.repo, artifact))


@router.get("/repos/{owner}/{repo}/actions/artifacts/{artifact_id:int}/{archive_format}")
async def download_artifact(
    request: Request, owner: str, repo: str, artifact_id: int, archive_format: str
) -> Response:
    """302 to a storage URL valid about a minute; fetch it without the token. 410 if expired."""
    access = repo_access(request, owner, repo)
    access.require("actions")
    artifact = _artifact(access.repo, artifact_id)
    if archive_format != "zip":
        raise not_found()
    if artifact.expires_at <= utcnow():
        raise GitHubError(410, "Artifact has expired")
    key = secrets.token_urlsafe(24)
    access.state.blobs[key] = Blob(data=artifact.data, expires_at=utcnow() + BLOB_LIFETIME)
    return RedirectResponse(f"{access.state.config.root}/_sandbox/blobs/{key}", status_code=302)


async def _rerun(request: Request, owner: str, repo: str, run_id: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("actions", "write")
    run = workflow_run_of(access.repo, run_id)
    run.rerun_requests += 1
    run.run_attempt += 1
    return json_response({}, status=201)


@router.post("/repos/{owner}/{repo}/actions/runs/{run_id:int}/rerun")
async def rerun(request: Request, owner: str, repo: str, run_id: int) -> JSONResponse:
    return await _rerun(request, owner, repo, run_id)


@router.post("/repos/{owner}/{repo}/actions/runs/{run_id:int}/rerun-failed-jobs")
async def rerun_failed(request: Request, owner: str, repo: str, run_id: int) -> JSONResponse:
    return await _rerun(request, owner, repo, run_id)
