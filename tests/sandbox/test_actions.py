"""Artifacts (302 to tokenless storage), re-runs (need actions: write) and compare."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest
from githubkit.exception import RequestFailed

from bot.sandbox import SandboxState
from tests.sandbox.conftest import Clients

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"


async def _run_with_artifacts(admin: httpx.AsyncClient) -> dict[str, object]:
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
    result: dict[str, object] = made.json()
    return result


async def test_artifacts_list_and_download(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    run = await _run_with_artifacts(admin)
    actions = gh.installation.rest.actions
    listed = (
        await actions.async_list_workflow_run_artifacts(OWNER, NAME, run["run_id"])
    ).parsed_data  # type: ignore[arg-type]
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
        await gh.installation.rest.actions.async_re_run_workflow(OWNER, NAME, run["run_id"])  # type: ignore[arg-type]
    assert failed.value.response.status_code == 403
    assert failed.value.response.json()["message"] == "Resource not accessible by integration"


async def test_rerun_with_permission(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    run = await _run_with_artifacts(admin)
    state.installations[gh.installation_id].permissions["actions"] = "write"
    fresh = gh.app.with_auth(gh.app.auth.as_installation(gh.installation_id))
    answer = await fresh.rest.actions.async_re_run_workflow(OWNER, NAME, run["run_id"])  # type: ignore[arg-type]
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
