"""Artifacts (302 to tokenless storage), re-runs (need actions: write) and compare."""

from __future__ import annotations

import io
import zipfile
from typing import Any, cast

import httpx
import pytest
from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import PullRequestSimple
from loopwatch_sandbox import SandboxState

from tests.sandbox.conftest import Clients

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"


async def _run_with_artifacts(admin: httpx.AsyncClient) -> dict[str, Any]:
    made = await admin.post(
        "/_sandbox/repos/acme/widgets/actions/runs",
        json={
            "head_sha": "b" * 40,
            "artifacts": [
                {"name": "junit", "files": {"report.xml": "<testsuite/>"}},
                {"name": "old", "files": {"a.txt": "x"}, "expired": True},
            ],
        },
    )
    assert made.status_code == 201
    result: dict[str, Any] = made.json()
    return result


async def test_artifacts_list_and_download(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    run = await _run_with_artifacts(admin)
    actions = gh.installation.rest.actions
    listed = (
        await actions.async_list_workflow_run_artifacts(OWNER, NAME, run["run_id"])
    ).parsed_data
    assert listed.total_count == 2 and [a.name for a in listed.artifacts] == ["junit", "old"]
    junit = listed.artifacts[0]
    redirect = await admin.get(
        f"/repos/acme/widgets/actions/artifacts/{junit.id}/zip",
        headers={"Authorization": f"token {next(iter(state.tokens))}"},
    )
    assert redirect.status_code == 302
    storage = redirect.headers["location"]
    assert (await admin.get(storage, headers={"Authorization": "token x"})).status_code == 400
    blob = await admin.get(storage)
    with zipfile.ZipFile(io.BytesIO(blob.content)) as archive:
        assert archive.read("report.xml") == b"<testsuite/>"
    expired = listed.artifacts[1]
    with pytest.raises(RequestFailed) as failed:
        await actions.async_download_artifact(OWNER, NAME, expired.id, "zip")
    assert failed.value.response.status_code == 410


async def test_rerun_needs_actions_write(gh: Clients, admin: httpx.AsyncClient) -> None:
    run = await _run_with_artifacts(admin)
    with pytest.raises(RequestFailed) as failed:
        await gh.installation.rest.actions.async_re_run_workflow(OWNER, NAME, run["run_id"])
    assert failed.value.response.status_code == 403
    assert failed.value.response.json()["message"] == "Resource not accessible by integration"


async def test_rerun_with_permission(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    run = await _run_with_artifacts(admin)
    state.installations[gh.installation_id].permissions["actions"] = "write"
    fresh = gh.app.with_auth(gh.app.auth.as_installation(gh.installation_id))
    answer = await fresh.rest.actions.async_re_run_workflow(OWNER, NAME, run["run_id"])
    assert answer.status_code == 201
    dumped = (await admin.get("/_sandbox/state")).json()["repos"][0]["workflow_runs"]
    assert dumped[0]["rerun_requests"] == 1 and dumped[0]["run_attempt"] == 2


async def test_compare(gh: Clients, admin: httpx.AsyncClient) -> None:
    async def commit(message: str, **extra: object) -> str:
        made = await admin.post(
            "/_sandbox/repos/acme/widgets/commits", json={"message": message, **extra}
        )
        sha: str = made.json()["sha"]
        return sha

    root = await commit("root")
    second = await commit("fix flaky test", files=["tests/test_api.py"])
    third = await commit("more", files=["bot/x.py"])
    compared = (
        await gh.installation.rest.repos.async_compare_commits(OWNER, NAME, f"{root}...{third}")
    ).parsed_data
    assert compared.status == "ahead" and compared.ahead_by == 2
    assert [c.sha for c in compared.commits] == [second, third]
    assert sorted(f.filename for f in compared.files or []) == ["bot/x.py", "tests/test_api.py"]
    back = await gh.installation.rest.repos.async_compare_commits(OWNER, NAME, f"{third}...{root}")
    assert back.parsed_data.status == "behind" and back.parsed_data.behind_by == 2
    by_branch = await gh.installation.rest.repos.async_compare_commits(
        OWNER, NAME, f"{root}...main"
    )
    assert by_branch.parsed_data.ahead_by == 2


async def test_workflow_run_and_its_webhook_parse_with_githubkit(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    from githubkit_schemas.latest.models import WebhookWorkflowRunCompleted

    pull = await admin.post(
        "/_sandbox/repos/acme/widgets/pulls",
        json={"user": "mona", "title": "Speed up", "head_sha": "c" * 40, "head_branch": "fast"},
    )
    number = pull.json()["pull_request"]["number"]
    made = await admin.post(
        "/_sandbox/repos/acme/widgets/actions/runs",
        json={
            "head_sha": "c" * 40,
            "head_branch": "fast",
            "name": "E2E",
            "path": ".github/workflows/e2e.yml",
            "event": "pull_request",
            "conclusion": "failure",
            "pull_request": number,
            "deliver": True,
            "artifacts": [{"name": "junit", "files": {"report.xml": "<testsuite/>"}}],
        },
    )
    assert made.status_code == 201
    run_id = made.json()["run_id"]
    fetched = (
        await gh.installation.rest.actions.async_get_workflow_run(OWNER, NAME, run_id)
    ).parsed_data
    assert (fetched.name, fetched.path, fetched.conclusion) == (
        "E2E",
        ".github/workflows/e2e.yml",
        "failure",
    )
    assert [p.number for p in fetched.pull_requests or []] == [number]
    delivery = state.deliveries[-1]
    assert (delivery["event"], delivery["action"]) == ("workflow_run", "completed")
    event = WebhookWorkflowRunCompleted.model_validate(delivery["payload"])
    assert event.workflow_run.id == run_id and event.workflow_run.run_attempt == 1
    assert event.workflow is not None and event.workflow.name == "E2E"

    again = await admin.post(
        f"/_sandbox/repos/acme/widgets/actions/runs/{run_id}/attempts",
        json={"artifacts": [{"name": "junit", "files": {"report.xml": "<testsuite/>"}}]},
    )
    assert again.json()["run_attempt"] == 2
    second = WebhookWorkflowRunCompleted.model_validate(state.deliveries[-1]["payload"])
    assert second.workflow_run.run_attempt == 2
    assert second.workflow_run.previous_attempt_url is not None
    listed = (
        await gh.installation.rest.actions.async_list_workflow_run_artifacts(OWNER, NAME, run_id)
    ).parsed_data
    assert [a.name for a in listed.artifacts] == ["junit", "junit"]  # both attempts' uploads


async def test_fork_runs_list_no_pull_request_and_pulls_filter_by_head(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    pull = await admin.post(
        "/_sandbox/repos/acme/widgets/pulls",
        json={
            "user": "stranger",
            "title": "From a fork",
            "head_sha": "f" * 40,
            "head_branch": "patch",
            "from_fork": True,
        },
    )
    number = pull.json()["pull_request"]["number"]
    made = await admin.post(
        "/_sandbox/repos/acme/widgets/actions/runs",
        json={
            "head_sha": "f" * 40,
            "head_branch": "patch",
            "event": "pull_request",
            "pull_request": number,
        },
    )
    run = (
        await gh.installation.rest.actions.async_get_workflow_run(
            OWNER, NAME, made.json()["run_id"]
        )
    ).parsed_data
    assert run.pull_requests == []
    assert run.head_repository.full_name == "stranger/widgets"
    found = (
        await gh.installation.rest.pulls.async_list(OWNER, NAME, head="stranger:patch")
    ).parsed_data
    assert [p.number for p in cast("list[PullRequestSimple]", found)] == [number]
    none = (await gh.installation.rest.pulls.async_list(OWNER, NAME, head="acme:patch")).parsed_data
    assert none == []
