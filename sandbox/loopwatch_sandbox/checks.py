"""Check runs and their annotations (annotations accumulate across updates, as on GitHub)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from loopwatch_sandbox.auth import repo_access
from loopwatch_sandbox.errors import GitHubError, invalid, not_found
from loopwatch_sandbox.objects import Objects
from loopwatch_sandbox.state import CheckRun, Repo, utcnow
from loopwatch_sandbox.validation import (
    MAX_ANNOTATION_TEXT,
    MAX_ANNOTATION_TITLE,
    MAX_ANNOTATIONS,
    MAX_SUMMARY,
    bounded_bytes,
    one_of,
    too_long,
)
from loopwatch_sandbox.web import json_body, json_response, page_response, wrapped_page_response

router = APIRouter()
STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
CONCLUSIONS = (
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "timed_out",
)
LEVELS = ("notice", "warning", "failure")
ANNOTATION_KEYS = (
    "path",
    "start_line",
    "end_line",
    "start_column",
    "end_column",
    "annotation_level",
    "message",
    "title",
    "raw_details",
)
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def _relative_path_problem(path: str) -> str | None:
    """Why ``path`` is not a path relative to the repository root, or None when it is."""
    if path.startswith(("/", "\\")):
        return "is absolute"
    if WINDOWS_DRIVE.match(path):
        return "starts with a drive letter"
    if ".." in re.split(r"[/\\]", path):
        return "has a '..' segment"
    return None


def _time(body: dict[str, Any], field: str) -> datetime | None:
    raw = body.get(field)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid("CheckRun", field) from exc


def _annotations(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("CheckRun", "annotations")
    if len(raw) > MAX_ANNOTATIONS:
        raise invalid(
            "CheckRun",
            "annotations",
            "custom",
            message=f"Only {MAX_ANNOTATIONS} annotations are allowed per request",
        )
    checked = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise invalid("CheckRun", "annotations")
        for field in ("path", "start_line", "end_line", "annotation_level", "message"):
            if item.get(field) in (None, ""):
                raise invalid("CheckRun", f"annotations.{field}", "missing_field")
        _check_annotation_text(index, item)
        one_of(item["annotation_level"], LEVELS, "CheckRun", "annotations.annotation_level")
        if not isinstance(item["start_line"], int) or not isinstance(item["end_line"], int):
            raise invalid("CheckRun", "annotations.start_line")
        has_columns = item.get("start_column") is not None or item.get("end_column") is not None
        if has_columns and item["start_line"] != item["end_line"]:
            raise invalid("CheckRun", "annotations.start_column")
        checked.append({k: item.get(k) for k in ANNOTATION_KEYS})
    return checked


def _check_annotation_text(index: int, item: dict[str, Any]) -> None:
    """Path relative to the repository root; title, message and raw details within limits."""
    path = item["path"]
    if not isinstance(path, str):
        raise invalid("CheckRun", "annotations.path")
    if problem := _relative_path_problem(path):
        shown = path if len(path) <= 200 else path[:200] + "…"
        raise GitHubError(
            422,
            f"Invalid request.\n\nannotations[{index}].path {problem}: {shown!r}. "
            "Paths must be relative to the repository root.",
        )
    title = item.get("title")
    if title is not None and not isinstance(title, str):
        raise invalid("CheckRun", "annotations.title")
    if title is not None and len(title) > MAX_ANNOTATION_TITLE:
        raise too_long("CheckRun", "annotations.title", MAX_ANNOTATION_TITLE)
    for field in ("message", "raw_details"):
        bounded_bytes(item.get(field), "CheckRun", f"annotations.{field}", MAX_ANNOTATION_TEXT)


def _apply(run: CheckRun, body: dict[str, Any], creating: bool) -> list[dict[str, Any]]:
    """Validate everything first, then change ``run``; returns the new annotations."""
    status = one_of(body.get("status"), (*STATUSES, None), "CheckRun", "status")
    conclusion = one_of(body.get("conclusion"), (*CONCLUSIONS, None), "CheckRun", "conclusion")
    output = body.get("output")
    annotations: list[dict[str, Any]] = []
    if output is not None:
        if not isinstance(output, dict):
            raise invalid("CheckRun", "output")
        for field in ("title", "summary"):
            if not isinstance(output.get(field), str) or not output[field]:
                raise invalid("CheckRun", f"output.{field}", "missing_field")
        for field in ("summary", "text"):
            bounded_bytes(output.get(field), "CheckRun", f"output.{field}", MAX_SUMMARY)
        annotations = _annotations(output.get("annotations"))
    if status == "completed" and conclusion is None and run.conclusion is None:
        raise GitHubError(422, "Invalid request.\n\nNo conclusion given for completed status.")
    started_at, completed_at = _time(body, "started_at"), _time(body, "completed_at")
    for field in ("external_id", "details_url"):
        if field in body:
            setattr(run, field, body[field])
    if status is not None:
        run.status = status
    if conclusion is not None:
        run.status, run.conclusion = "completed", conclusion
    now = utcnow()
    if started_at or (creating and run.started_at is None):
        run.started_at = started_at or now
    if run.status == "completed":
        run.completed_at = completed_at or run.completed_at or now
    if output is not None:
        run.output = {k: output.get(k) for k in ("title", "summary", "text")}
    run.annotations.extend(annotations)
    return annotations


def _run(repo: Repo, run_id: int) -> CheckRun:
    if run_id not in repo.check_runs:
        raise not_found()
    return repo.check_runs[run_id]


@router.post("/repos/{owner}/{repo}/check-runs")
async def create_check_run(request: Request, owner: str, repo: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("checks", "write")
    body = await json_body(request)
    for field in ("name", "head_sha"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise invalid("CheckRun", field, "missing_field")
    state, found = access.state, access.repo
    run = CheckRun(
        id=state.next_id(),
        name=body["name"],
        head_sha=body["head_sha"],
        check_suite_id=state.suite_id(found, body["head_sha"]),
        status="queued",
        conclusion=None,
        started_at=None,
        completed_at=None,
    )
    _apply(run, body, creating=True)
    found.check_runs[run.id] = run
    return json_response(Objects(state).check_run(found, run), status=201)


@router.patch("/repos/{owner}/{repo}/check-runs/{run_id:int}")
async def update_check_run(request: Request, owner: str, repo: str, run_id: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("checks", "write")
    run = _run(access.repo, run_id)
    _apply(run, await json_body(request), creating=False)
    return json_response(Objects(access.state).check_run(access.repo, run))


@router.get("/repos/{owner}/{repo}/check-runs/{run_id:int}")
async def get_check_run(request: Request, owner: str, repo: str, run_id: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("checks")
    return json_response(Objects(access.state).check_run(access.repo, _run(access.repo, run_id)))


@router.get("/repos/{owner}/{repo}/check-runs/{run_id:int}/annotations")
async def list_annotations(request: Request, owner: str, repo: str, run_id: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("checks")
    run = _run(access.repo, run_id)
    objects = Objects(access.state)
    return page_response(
        request, [objects.annotation(access.repo, run, a) for a in run.annotations]
    )


@router.get("/repos/{owner}/{repo}/commits/{ref:path}/check-runs")
async def list_for_ref(request: Request, owner: str, repo: str, ref: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("checks")
    q = request.query_params
    runs = [r for r in access.repo.check_runs.values() if r.head_sha == ref]
    if name := q.get("check_name"):
        runs = [r for r in runs if r.name == name]
    if status := q.get("status"):
        runs = [r for r in runs if r.status == one_of(status, STATUSES, "CheckRun", "status")]
    runs.sort(key=lambda r: r.id, reverse=True)
    if one_of(q.get("filter", "latest"), ("latest", "all"), "CheckRun", "filter") == "latest":
        newest: dict[str, CheckRun] = {}
        for run in runs:
            newest.setdefault(run.name, run)
        runs = list(newest.values())
    objects = Objects(access.state)
    return wrapped_page_response(
        request, "check_runs", [objects.check_run(access.repo, r) for r in runs]
    )
