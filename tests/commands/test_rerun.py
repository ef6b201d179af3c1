"""``/rerun`` end to end: the latest workflow run re-run on the sandbox, or why not."""

from __future__ import annotations

from typing import Any

import pytest

from tests.commands.conftest import JUNIT_1011, JUNIT_GREEN, REPO, Talk
from tests.pipeline.conftest import Harness


@pytest.fixture
def actions_write(harness: Harness) -> None:
    """The installation granted ``actions: write`` (the sandbox default is read)."""
    state: Any = harness.sandbox.app.state.sandbox  # type: ignore[attr-defined]
    for installation in state.installations.values():
        installation.permissions["actions"] = "write"


def workflow_run(talk: Talk, head_sha: str, branch: str = "main") -> int:
    made = talk.h.admin(
        "POST", f"/repos/{REPO}/actions/runs", json={"head_sha": head_sha, "head_branch": branch}
    )
    return int(made["run_id"])


def attempts(talk: Talk, run_id: int) -> tuple[int, int]:
    """The sandbox's (run_attempt, rerun requests) of a workflow run."""
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


@pytest.mark.usefixtures("actions_write")
def test_rerun_on_a_failure_issue_reruns_its_latest_failing_run(talk: Talk) -> None:
    failing = workflow_run(talk, "b" * 40)
    green = workflow_run(talk, "c" * 40)
    talk.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=failing)
    talk.upload(JUNIT_GREEN, commit_sha="c" * 40, branch="main", workflow_run_id=green)
    talk.person("wes", "write")
    talk.say(talk.failure, "wes", "/rerun")
    assert attempts(talk, failing) == (2, 1)
    assert attempts(talk, green) == (1, 0)


@pytest.mark.usefixtures("actions_write")
def test_the_author_of_a_pull_request_may_rerun_its_latest_run(talk: Talk) -> None:
    pull = talk.pull_request("paula", head_sha="d" * 40)
    run_id = workflow_run(talk, "d" * 40, branch="fix")
    talk.upload(
        JUNIT_1011, commit_sha="d" * 40, branch="fix", pull_request=pull, workflow_run_id=run_id
    )
    comment = talk.say(pull, "paula", "/rerun")
    assert attempts(talk, run_id) == (2, 1)
    assert talk.reactions(comment["id"]) == ["eyes", "+1"]
    [reply] = talk.bot_replies(pull)
    assert f"[workflow run {run_id}]" in reply


@pytest.mark.usefixtures("actions_write")
def test_someone_else_with_read_may_not_rerun_a_pull_request(talk: Talk) -> None:
    pull = talk.pull_request("paula", head_sha="d" * 40)
    run_id = workflow_run(talk, "d" * 40, branch="fix")
    talk.upload(
        JUNIT_1011, commit_sha="d" * 40, branch="fix", pull_request=pull, workflow_run_id=run_id
    )
    talk.person("rita", "read")
    comment = talk.say(pull, "rita", "/rerun")
    assert attempts(talk, run_id) == (1, 0)
    [reply] = talk.bot_replies(pull)
    assert "> /rerun\n\n🚫 `/rerun` needs **write** permission on this repository " in reply
    assert "(or being the author)" in reply
    assert talk.reactions(comment["id"]) == ["eyes", "confused"]


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


def test_rerun_without_a_known_workflow_run_refuses(talk: Talk) -> None:
    talk.person("wes", "write")
    talk.say(talk.tracking, "wes", "/rerun")
    [reply] = talk.bot_replies(talk.tracking)
    assert "🚫 No workflow run is known for this campaign; runs uploaded with " in reply
    assert "`--workflow-run-id`" in reply


def test_rerun_does_not_apply_to_other_issues(talk: Talk) -> None:
    talk.person("wes", "write")
    opened = talk.h.admin("POST", f"/repos/{REPO}/issues", json={"user": "wes", "title": "Q"})
    number = opened["issue"]["number"]
    talk.say(number, "wes", "/rerun")
    [reply] = talk.bot_replies(number)
    assert "🚫 `/rerun` works on a failure issue or a tracking issue or a pull request" in reply


@pytest.mark.usefixtures("actions_write")
def test_a_quoted_rerun_does_nothing(talk: Talk) -> None:
    run_id = workflow_run(talk, "b" * 40)
    talk.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=run_id)
    talk.person("wes", "write")
    talk.say(talk.tracking, "wes", "> /rerun\n\nshould we?")
    assert attempts(talk, run_id) == (1, 0)
    assert talk.bot_replies(talk.tracking) == []


@pytest.mark.usefixtures("actions_write")
def test_a_triager_may_not_rerun(talk: Talk) -> None:
    run_id = workflow_run(talk, "b" * 40)
    talk.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=run_id)
    talk.person("tom", "triage")
    talk.say(talk.tracking, "tom", "/rerun")
    assert attempts(talk, run_id) == (1, 0)
    [reply] = talk.bot_replies(talk.tracking)
    assert "> /rerun\n\n🚫 `/rerun` needs **write** permission" in reply
    assert "`tom` has **triage**" in reply
