"""``/rerun``: the latest workflow run re-run on the sandbox, or why not (end to end); which
run, and who may, on fakes (tests/commands/fakes.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.commands.conftest import JUNIT_1011, JUNIT_GREEN, REPO, Talk
from tests.commands.fakes import Scene
from tests.pipeline.conftest import Harness

pytestmark = pytest.mark.anyio


@pytest.fixture
def actions_write(harness: Harness) -> None:
    """The installation granted ``actions: write`` (the sandbox default is read)."""
    state: Any = harness.sandbox.app.state.sandbox  # type: ignore[attr-defined]
    for installation in state.installations.values():
        installation.permissions["actions"] = "write"


def workflow_run(where: Talk | Scene, head_sha: str, branch: str = "main") -> int:
    if isinstance(where, Scene):
        return where.github.workflow_run()
    talk = where
    made = talk.h.admin(
        "POST", f"/repos/{REPO}/actions/runs", json={"head_sha": head_sha, "head_branch": branch}
    )
    return int(made["run_id"])


def attempts(where: Talk | Scene, run_id: int) -> tuple[int, int]:
    """The sandbox's (or the fake's) (run_attempt, rerun requests) of a workflow run."""
    if isinstance(where, Scene):
        reruns = where.github.reruns.count(run_id)
        return 1 + reruns, reruns
    talk = where
    state: Any = talk.h.sandbox.app.state.sandbox  # type: ignore[attr-defined]
    run = next(
        r for repo in state.repos.values() for i, r in repo.workflow_runs.items() if i == run_id
    )
    return run.run_attempt, run.rerun_requests


@pytest.mark.usefixtures("actions_write")
def test_rerun_on_the_tracking_issue_reruns_the_campaigns_latest_workflow_run(
    talk: Talk,
) -> None:
    older = workflow_run(talk, "b" * 40)
    latest = workflow_run(talk, "c" * 40)
    talk.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=older)
    talk.upload(JUNIT_GREEN, commit_sha="c" * 40, branch="main", workflow_run_id=latest)
    talk.person("wes", "write")
    comment = talk.say(talk.tracking, "wes", "/rerun")
    assert attempts(talk, latest) == (2, 1)
    assert attempts(talk, older) == (1, 0)
    [reply] = talk.bot_replies(talk.tracking)
    assert f"Re-running the failed jobs of [workflow run {latest}](" in reply
    assert "of campaign `e2e` on `ccccccc`" in reply
    assert talk.reactions(comment["id"]) == ["eyes", "+1"]
    assert talk.command_log() == [
        f"wes re-ran the failed jobs of workflow run {latest} (#{talk.tracking})"
    ]
    assert f"re-ran the failed jobs of workflow run {latest}" in talk.issue(talk.tracking)["body"]


async def test_rerun_on_a_failure_issue_reruns_its_latest_failing_run(scene: Scene) -> None:
    failing = workflow_run(scene, "b" * 40)
    green = workflow_run(scene, "c" * 40)
    scene.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=failing)
    scene.upload(JUNIT_GREEN, commit_sha="c" * 40, branch="main", workflow_run_id=green)
    scene.person("wes", "write")
    await scene.say(scene.failure, "wes", "/rerun")
    assert attempts(scene, failing) == (2, 1)
    assert attempts(scene, green) == (1, 0)


async def test_the_author_of_a_pull_request_may_rerun_its_latest_run(scene: Scene) -> None:
    pull = scene.pull_request("paula", head_sha="d" * 40)
    run_id = workflow_run(scene, "d" * 40, branch="fix")
    scene.upload(
        JUNIT_1011, commit_sha="d" * 40, branch="fix", pull_request=pull, workflow_run_id=run_id
    )
    comment = await scene.say(pull, "paula", "/rerun")
    assert attempts(scene, run_id) == (2, 1)
    assert scene.reactions(comment["id"]) == ["eyes", "+1"]
    [reply] = scene.bot_replies(pull)
    assert f"[workflow run {run_id}]" in reply


async def test_someone_else_with_read_may_not_rerun_a_pull_request(scene: Scene) -> None:
    pull = scene.pull_request("paula", head_sha="d" * 40)
    run_id = workflow_run(scene, "d" * 40, branch="fix")
    scene.upload(
        JUNIT_1011, commit_sha="d" * 40, branch="fix", pull_request=pull, workflow_run_id=run_id
    )
    scene.person("rita", "read")
    comment = await scene.say(pull, "rita", "/rerun")
    assert attempts(scene, run_id) == (1, 0)
    [reply] = scene.bot_replies(pull)
    assert "> /rerun\n\n🚫 `/rerun` needs **write** permission on this repository " in reply
    assert "(or being the author)" in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]


def test_rerun_without_actions_write_says_what_the_app_lacks(talk: Talk) -> None:
    run_id = workflow_run(talk, "b" * 40)
    talk.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=run_id)
    talk.person("wes", "write")
    comment = talk.say(talk.tracking, "wes", "/rerun")
    assert attempts(talk, run_id) == (1, 0)
    [reply] = talk.bot_replies(talk.tracking)
    assert f"I may not re-run [workflow run {run_id}]" in reply
    assert "lacks the `actions: write` permission" in reply
    assert talk.reactions(comment["id"]) == ["eyes", "confused"]


async def test_rerun_without_a_known_workflow_run_refuses(scene: Scene) -> None:
    scene.person("wes", "write")
    await scene.say(scene.tracking, "wes", "/rerun")
    [reply] = scene.bot_replies(scene.tracking)
    assert "🚫 No workflow run is known for this campaign; runs uploaded with " in reply
    assert "`--workflow-run-id`" in reply


async def test_rerun_does_not_apply_to_other_issues(scene: Scene) -> None:
    scene.person("wes", "write")
    number = scene.open_issue("Q", "wes")
    await scene.say(number, "wes", "/rerun")
    [reply] = scene.bot_replies(number)
    assert "🚫 `/rerun` works on a failure issue or a tracking issue or a pull request" in reply


async def test_a_quoted_rerun_does_nothing(scene: Scene) -> None:
    run_id = workflow_run(scene, "b" * 40)
    scene.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=run_id)
    scene.person("wes", "write")
    await scene.say(scene.tracking, "wes", "> /rerun\n\nshould we?")
    assert attempts(scene, run_id) == (1, 0)
    assert scene.bot_replies(scene.tracking) == []


async def test_a_triager_may_not_rerun(scene: Scene) -> None:
    run_id = workflow_run(scene, "b" * 40)
    scene.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=run_id)
    scene.person("tom", "triage")
    await scene.say(scene.tracking, "tom", "/rerun")
    assert attempts(scene, run_id) == (1, 0)
    [reply] = scene.bot_replies(scene.tracking)
    assert "> /rerun\n\n🚫 `/rerun` needs **write** permission" in reply
    assert "`tom` has **triage**" in reply
