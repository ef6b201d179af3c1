"""The top of the tracking issue end to end on the sandbox: the campaign's definition from
the config with an upload's keys over it, goal progress with its chart, and a bad
definition reported where people look."""

from __future__ import annotations

import json

from tests.commands.conftest import JUNIT_1011, JUNIT_GREEN
from tests.pipeline.conftest import REPO, Harness
from tests.pipeline.conftest import harness as harness

CONFIG = """\
campaigns:
  e2e:
    mission: Prove the golden path against real staging services
    strategy: Least-covered phase first
    owners: [ana]
    goal:
      tests_passing: 4
      criteria_green_runs: 2
    criteria:
      - name: The data pipeline passes
        tests: ["*test_data_pipeline*"]
"""


def tracking_body(h: Harness) -> str:
    issue = next(i for i in h.issues() if i["title"].startswith("Loopwatch:"))
    return str(issue["body"])


def put_config(h: Harness, text: str) -> None:
    h.admin("PUT", f"/repos/{REPO}/files", json={"path": ".github/loopwatch.yml", "content": text})


def test_definition_goal_and_chart_on_the_tracking_issue(harness: Harness) -> None:
    put_config(harness, CONFIG)
    harness.upload({"report.xml": JUNIT_1011}, commit_sha="a" * 40, branch="main")
    harness.work_until_settled()
    body = tracking_body(harness)
    assert "**Mission:** Prove the golden path against real staging services  \n" in body
    assert "**Strategy:** Least-covered phase first  \n**Owners:** `ana`  \n" in body
    assert body.index("**Mission:**") < body.index("**Status:**") < body.index("### Goal progress")
    assert "**Tests passing:** 1 of 4 (25%)" in body and "— 3 to go; 1 failing" in body
    assert "```mermaid" not in body  # one run: no trend yet
    # an upload overrides the strategy (and keeps the config's mission); the chart appears
    harness.upload(
        {"report.xml": JUNIT_GREEN},
        commit_sha="b" * 40,
        branch="main",
        definition={"strategy": "Data pipeline first this week", "focus_areas": ["pipeline"]},
    )
    harness.work_until_settled()
    body = tracking_body(harness)
    assert "**Strategy:** Data pipeline first this week  \n" in body
    assert "**Focus areas:** pipeline  \n" in body
    assert "**Mission:** Prove the golden path" in body
    assert "**Tests passing:** 2 of 4 (50%)" in body
    assert "**Every criterion met:** 1 of 2 consecutive runs  " in body
    assert (
        'x-axis ["1", "2"]\n    y-axis "tests" 0 --> 4\n    bar [1, 2]\n    line [1, 0]\n' in body
    )
    assert "<sub>Passed per run (runs 1–2, oldest first): 1, 2 · failed: 1, 0</sub>" in body
    # the override holds for later runs that bring none
    harness.upload({"report.xml": JUNIT_GREEN}, commit_sha="c" * 40, branch="main")
    harness.work_until_settled()
    body = tracking_body(harness)
    assert "**Strategy:** Data pipeline first this week  \n" in body
    assert "**Every criterion met:** 2 of 2 consecutive runs  " in body


def test_a_bad_definition_in_an_upload_is_a_clear_422(harness: Harness) -> None:
    response = harness.web.post(
        "/api/v1/runs",
        headers={"Authorization": f"Bearer {harness.token}"},
        files={"files": ("report.xml", JUNIT_GREEN, "application/xml")},
        data={
            "metadata": json.dumps(
                {
                    "repository": REPO,
                    "campaign": "e2e",
                    "definition": {"goal": {"description": "green"}},
                }
            )
        },
    )
    assert response.status_code == 422, response.text
    assert "a goal needs a target" in response.text


def test_a_bad_definition_in_the_config_is_reported_on_the_issue(harness: Harness) -> None:
    put_config(harness, "campaigns:\n  e2e:\n    goal: {description: all green}\n")
    harness.upload({"report.xml": JUNIT_GREEN}, commit_sha="a" * 40, branch="main")
    harness.work_until_settled()
    body = tracking_body(harness)
    assert "- `campaigns.e2e.goal`: a goal needs a target: tests\\_passing (e.g. 1000)" in body
    assert "### Goal progress" not in body


def test_a_pull_requests_run_does_not_move_the_campaign(harness: Harness) -> None:
    put_config(harness, CONFIG)
    harness.upload({"report.xml": JUNIT_GREEN}, commit_sha="a" * 40, branch="main")
    harness.work_until_settled()
    harness.upload(
        {"report.xml": JUNIT_1011}, commit_sha="b" * 40, branch="feature", pull_request=7
    )
    harness.work_until_settled()
    body = tracking_body(harness)
    # the status, the goal and its trend still follow main's latest run
    assert "**Status:** ✅ **All tests passed** · run 1 " in body
    assert "**Tests passing:** 2 of 4 (50%)" in body
    assert "```mermaid" not in body
    assert "over the last 1 run" in body  # what to run next: main's runs only
    # the pull request's run has its check run
    checks = harness.admin("GET", "/state")["repos"][0]["check_runs"]
    assert {c["head_sha"] for c in checks} == {"a" * 40, "b" * 40}
    # main's next run shows in the issue, with the pull request's run in the session log,
    # compared with main's run before it
    harness.upload({"report.xml": JUNIT_GREEN}, commit_sha="c" * 40, branch="main")
    harness.work_until_settled()
    body = tracking_body(harness)
    assert "**Status:** ✅ **All tests passed** · run 3 " in body
    assert "Run 2 on bbbbbbb (feature): ❌ 1 passed · 1 failed" in body
    assert "since run 1: 1 new failure (test\\_data\\_pipeline)" in body
    assert 'x-axis ["1", "3"]' in body  # the chart leaves the pull request's run out


def test_a_campaign_with_only_pull_request_runs_still_gets_its_issue(harness: Harness) -> None:
    harness.upload(
        {"report.xml": JUNIT_1011}, commit_sha="b" * 40, branch="feature", pull_request=7
    )
    harness.work_until_settled()
    assert "**Status:** ❌ **1 test failing**" in tracking_body(harness)
