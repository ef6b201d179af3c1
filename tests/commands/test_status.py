"""``/status`` on a failure issue, a tracking issue, a pull request, elsewhere: on fakes
(tests/commands/fakes.py), and end to end after a person closed the issue."""

from __future__ import annotations

import pytest

from tests.commands.conftest import JUNIT_1011, REPO, Talk
from tests.commands.fakes import Scene

pytestmark = pytest.mark.anyio

JUNIT_UNTRUSTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="e2e" tests="1" failures="1">
  <testcase classname="tests.e2e.test_mail" name="test_notify" time="0.2">
    <failure message="NotifyError: @octocat see #12 for details"
             type="mail.NotifyError">NotifyError: @octocat see #12 for details</failure>
  </testcase>
</testsuite>
"""


async def test_status_on_a_failure_issue_shows_state_counts_and_last_run(scene: Scene) -> None:
    scene.upload(JUNIT_1011, commit_sha="b" * 40, branch="main", workflow_run_id=777)
    scene.person("ana", "read")
    comment = await scene.say(scene.failure, "ana", "/status")
    [reply] = scene.bot_replies(scene.failure)
    assert "> /status" in reply
    assert "* state: **open**" in reply
    assert "* 2 occurrences in 2 failing runs; 0 regressions" in reply
    assert "* last seen: [run " in reply
    assert "/acme/shop/actions/runs/777)" in reply
    assert "on `bbbbbbb` (`main`)" in reply
    assert "resolved by" not in reply
    assert scene.reactions(comment["id"]) == ["eyes", "+1"]


def test_status_after_a_person_closed_the_issue_says_who_resolved_it(talk: Talk) -> None:
    talk.person("ana", "triage")
    talk.h.admin("POST", f"/repos/{REPO}/issues/{talk.failure}/close", json={"user": "ana"})
    talk.h.work_until_settled()
    talk.say(talk.failure, "ana", "/status")
    [reply] = talk.bot_replies(talk.failure)
    assert "* state: **resolved**" in reply
    assert "* resolved by `ana` on " in reply


async def test_status_on_the_tracking_issue_shows_the_latest_run_and_open_clusters(
    scene: Scene,
) -> None:
    scene.person("ana", "read")
    await scene.say(scene.tracking, "ana", "/status")
    [reply] = scene.bot_replies(scene.tracking)
    assert "**Campaign `e2e`**" in reply
    assert "on `aaaaaaa` (`main`)" in reply
    assert "❌ **failed**" in reply
    assert "1 passed · 1 failed · 0 errored · 0 skipped · 0 flaky" in reply
    assert "| phase | result | passed | failed |" in reply
    assert "Open failure clusters:" in reply
    assert f"(#{scene.failure}): new, 1 occurrence" in reply
    assert "Run next: tests/e2e/test\\_pipeline.py / `tests/e2e/test_pipeline.py`" in reply


async def test_status_on_the_tracking_issue_shows_the_goal_and_criteria(scene: Scene) -> None:
    scene.config(
        "campaigns:\n  e2e:\n    goal: {tests_passing: 4}\n"
        "    criteria:\n      - {name: Logins pass, tests: ['*test_login*']}\n"
    )
    scene.upload(JUNIT_1011, commit_sha="b" * 40, branch="main")
    scene.upload(JUNIT_1011, commit_sha="c" * 40, branch="feature", pull_request=3)
    scene.person("ana", "read")
    await scene.say(scene.tracking, "ana", "/status")
    reply = scene.bot_replies(scene.tracking)[-1]
    assert "on `bbbbbbb` (`main`)" in reply  # main's latest run, not the pull request's
    assert "Criteria: 1 of 1 met  " in reply
    assert "Goal: 1 of 4 tests passing (25%)  " in reply


async def test_status_neutralizes_untrusted_cluster_titles(scene: Scene) -> None:
    scene.upload(JUNIT_UNTRUSTED, commit_sha="c" * 40, branch="main")
    scene.person("ana", "read")
    await scene.say(scene.tracking, "ana", "/status")
    [reply] = scene.bot_replies(scene.tracking)
    assert "NotifyError" in reply
    assert "@octocat" not in reply
    assert "#12" not in reply


async def test_status_on_a_pull_request_lists_its_latest_run_per_campaign(scene: Scene) -> None:
    pull = scene.pull_request("ana")
    scene.upload(JUNIT_1011, commit_sha="d" * 40, branch="feature", pull_request=pull)
    scene.upload(
        JUNIT_1011, commit_sha="e" * 40, branch="feature", pull_request=pull, campaign="smoke"
    )
    await scene.say(pull, "ana", "/status")
    [reply] = scene.bot_replies(pull)
    assert f"Latest runs of pull request #{pull}:" in reply
    assert "| `e2e` | run " in reply
    assert "| `smoke` | run " in reply
    assert "on `ddddddd` (`feature`)" in reply
    assert "| ❌ failed | 1 | 1 |" in reply


async def test_status_on_a_pull_request_without_runs_says_so(scene: Scene) -> None:
    pull = scene.pull_request("ana")
    await scene.say(pull, "ana", "/status")
    [reply] = scene.bot_replies(pull)
    assert f"No test run of pull request #{pull} has reached me yet" in reply


async def test_status_elsewhere_names_the_campaigns(scene: Scene) -> None:
    scene.person("bob", None)  # not even a collaborator: anyone may ask
    number = scene.open_issue("Q", "bob")
    await scene.say(number, "bob", "/status")
    [reply] = scene.bot_replies(number)
    assert f"#{number} is not an issue Loopwatch keeps." in reply
    assert f"Campaigns here: `e2e` (#{scene.tracking})." in reply


async def test_a_quoted_status_does_nothing(scene: Scene) -> None:
    scene.person("ana", "read")
    comment = await scene.say(scene.failure, "ana", "> /status\n\nas the bot said above")
    assert scene.bot_replies(scene.failure) == []
    assert scene.reactions(comment["id"]) == []


async def test_status_raised_to_triage_refuses_a_reader_quoting_the_command(scene: Scene) -> None:
    scene.config("commands:\n  permissions:\n    status: triage\n")
    scene.person("ana", "read")
    comment = await scene.say(scene.failure, "ana", "/status")
    [reply] = scene.bot_replies(scene.failure)
    assert "> /status\n\n🚫 `/status` needs **triage** permission" in reply
    assert "`ana` has **read**" in reply
    assert scene.reactions(comment["id"]) == ["eyes", "confused"]
