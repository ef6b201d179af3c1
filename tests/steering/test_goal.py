"""Goal progress and the campaign definition, as the top of the tracking issue shows them."""

from __future__ import annotations

import pytest

from bot.core.config.definition import CampaignDefinition, GoalConfig, LinkConfig
from bot.core.config.loader import load_config
from bot.core.render.goal_blocks import definition_blocks, fallback_line, goal_blocks, mermaid_chart
from bot.core.steering.goal import RunPoint, criteria_streak, goal_progress, run_point

TESTS_GOAL = GoalConfig(description="all 1000 tests pass in all phases", tests_passing=1000)


def point(run_id: int, passed: int, failed: int, criteria_failed: int = 0) -> RunPoint:
    return RunPoint(run_id, passed, failed, passed + failed, 3, criteria_failed)


def test_a_point_counts_flaky_as_passed_and_errored_as_failed() -> None:
    counts = {"passed": 10, "flaky": 2, "failed": 3, "errored": 1, "skipped": 4}
    assert run_point(7, counts, criteria_total=2, criteria_failed=1) == RunPoint(7, 12, 4, 20, 2, 1)


def test_tests_passing_goal_shows_how_far_the_latest_run_is() -> None:
    progress = goal_progress(TESTS_GOAL, [point(1, 300, 20), point(2, 612, 7)])
    assert progress is not None
    assert (progress.tests_remaining, progress.tests_share) == (388, 0.612)
    assert not progress.reached
    text = "".join(goal_blocks(progress))
    assert "**Goal:** all 1000 tests pass in all phases  " in text
    assert (
        "**Tests passing:** 612 of 1000 (61%) `████████████░░░░░░░░` — 388 to go; 7 failing" in text
    )


def test_the_goal_is_reached_only_with_nothing_failing() -> None:
    done = goal_progress(TESTS_GOAL, [point(1, 1000, 0)])
    assert done is not None and done.reached and done.tests_remaining == 0
    assert "✅ **reached**" in "".join(goal_blocks(done))
    extra = goal_progress(TESTS_GOAL, [point(1, 1003, 2)])
    assert extra is not None and not extra.reached  # 1003 passing, but 2 failing


def test_criteria_streak_counts_the_latest_runs_in_a_row() -> None:
    points = [point(1, 5, 0), point(2, 5, 0, 1), point(3, 5, 0), point(4, 5, 0)]
    assert criteria_streak(points) == 2
    assert criteria_streak([*points, point(5, 5, 0, 2)]) == 0
    assert criteria_streak([RunPoint(1, 5, 0, 5)]) == 0  # no criteria: nothing was met
    goal = GoalConfig(criteria_green_runs=5)
    progress = goal_progress(goal, points)
    assert progress is not None and not progress.reached
    assert "**Every criterion met:** 2 of 5 consecutive runs  " in "".join(goal_blocks(progress))
    five = goal_progress(goal, [point(i, 5, 0) for i in range(1, 8)])
    assert five is not None and five.reached


def test_the_chart_is_mermaid_with_a_plain_fallback() -> None:
    points = [point(3, 10, 5), point(4, 12, 3), point(5, 15, 0)]
    chart = mermaid_chart(points, 1000)
    assert chart == (
        "```mermaid\n"
        "xychart-beta\n"
        '    title "Tests passed (bars) and failed (line) per run"\n'
        '    x-axis ["3", "4", "5"]\n'
        '    y-axis "tests" 0 --> 1000\n'
        "    bar [10, 12, 15]\n"
        "    line [5, 3, 0]\n"
        "```\n"
    )
    assert fallback_line(points) == (
        "<sub>Passed per run (runs 3–5, oldest first): 10, 12, 15 · failed: 5, 3, 0</sub>\n"
    )
    progress = goal_progress(TESTS_GOAL, points)
    assert "```mermaid" in "".join(goal_blocks(progress))
    single = goal_progress(TESTS_GOAL, points[-1:])
    assert "```mermaid" not in "".join(goal_blocks(single))  # one run is not a trend


def test_the_chart_keeps_the_last_20_runs() -> None:
    progress = goal_progress(TESTS_GOAL, [point(i, i, 0) for i in range(1, 31)])
    assert progress is not None
    assert [p.run_id for p in progress.points] == list(range(11, 31))


def test_no_goal_no_section() -> None:
    assert goal_progress(None, [point(1, 1, 0)]) is None
    assert goal_blocks(None) == []


def test_the_definition_reads_like_the_seeds_header() -> None:
    definition = CampaignDefinition(
        mission="Prove the golden path works against real staging services",
        strategy="Run the least-covered phases first; real services only",
        focus_areas=["WebSocket events", "data agent pipeline"],
        business_impact="$200K+ MRR depends on the golden path",
        owners=["@ana", "rob"],
        goal=TESTS_GOAL,
        links=[LinkConfig(label="Staging dashboard", url="https://grafana.example/d/e2e")],
    )
    text = "".join(definition_blocks(definition))
    assert text == (
        "**Mission:** Prove the golden path works against real staging services  \n"
        "**Strategy:** Run the least-covered phases first; real services only  \n"
        "**Focus areas:** WebSocket events · data agent pipeline  \n"
        "**Business impact:** $200K+ MRR depends on the golden path  \n"
        "**Owners:** `ana`, `rob`  \n"
        "**Goal:** all 1000 tests pass in all phases  \n"
        "**Links:** [Staging dashboard](https://grafana.example/d/e2e)  \n"
    )
    assert definition_blocks(CampaignDefinition()) == []


def test_an_uploads_definition_overrides_the_configs_key_by_key() -> None:
    config = CampaignDefinition(
        mission="config mission", strategy="config strategy", goal=GoalConfig(tests_passing=5)
    )
    upload = CampaignDefinition.model_validate(
        {
            "strategy": "upload strategy",
            "owners": ["bo"],
            "goal": {"tests_passing": 1000, "criteria_green_runs": 3},
            "links": [{"label": "Report", "url": "https://ci.example/r/1"}],
        }
    )
    merged = upload.over(config)
    assert (merged.mission, merged.strategy, merged.owners) == (
        "config mission",
        "upload strategy",
        ["bo"],
    )
    assert merged.goal == GoalConfig(tests_passing=1000, criteria_green_runs=3)
    assert merged.links == [LinkConfig(label="Report", url="https://ci.example/r/1")]
    assert "**Goal:** 1000 tests passing in all phases; every criterion met in 3" in "".join(
        definition_blocks(merged)
    )


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "campaigns:\n  e2e:\n    goal: {description: all green}\n",
            "campaigns.e2e.goal: a goal needs a target: tests_passing (e.g. 1000) or "
            "criteria_green_runs (e.g. 5)",
        ),
        (
            "campaigns:\n  e2e:\n    links: [{label: x, url: 'javascript:alert(1)'}]\n",
            "must start with https://",
        ),
        ("campaigns:\n  e2e:\n    goal: {tests_passing: 0}\n", "campaigns.e2e.goal.tests_passing"),
    ],
)
def test_bad_definitions_are_named_in_the_config_errors(yaml_text: str, message: str) -> None:
    result = load_config(yaml_text)
    assert any(message in error for error in result.errors), result.errors


def test_the_config_carries_the_definition() -> None:
    result = load_config(
        "campaigns:\n  e2e:\n    mission: m\n    strategy: s\n    focus_areas: [a, b]\n"
        "    owners: [ana]\n    goal: {tests_passing: 1000, criteria_green_runs: 5}\n"
    )
    assert result.errors == []
    definition = result.config.campaign("e2e").definition
    assert definition.goal == GoalConfig(tests_passing=1000, criteria_green_runs=5)
    assert (definition.mission, definition.focus_areas, definition.owners) == (
        "m",
        ["a", "b"],
        ["ana"],
    )
