"""The whole tracking issue of a steered campaign (golden files: read them when updated):
the definition above the status, goal progress with its chart, what to run next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core.config.definition import CampaignDefinition, GoalConfig, LinkConfig
from bot.core.render.tracking_issue.document import render_tracking_issue
from bot.core.steering.coverage import CampaignCoverage, coverage
from bot.core.steering.goal import RunPoint, goal_progress
from tests.render.views import seed_view
from tests.render_clusters.checks import assert_well_formed
from tests.steering.test_coverage import DATA, ORDER, PHASES, failed, passed, run, thirty_runs

Golden = Callable[[str, str], None]

DEFINITION = CampaignDefinition(
    mission="Execute the e2e staging tests until all 1000 pass, least-covered areas first",
    strategy="Real staging services only (no mocks); run the least-covered phase next",
    focus_areas=["Data agent pipeline", "WebSocket events"],
    business_impact="$200K+ MRR depends on the golden path",
    owners=["ana", "rob"],
    goal=GoalConfig(
        description="all 1000 tests pass in every phase, 5 runs in a row",
        tests_passing=1000,
        criteria_green_runs=5,
    ),
    links=[LinkConfig(label="Staging dashboard", url="https://grafana.example.com/d/e2e")],
)


def climbing(runs: int) -> list[RunPoint]:
    """A loop fixing its way up: more passing and fewer failing tests each run."""
    return [
        RunPoint(n, 400 + 19 * n, max(65 - 2 * n, 5), 480 + 18 * n, 4, 1 if n < runs - 2 else 0)
        for n in range(1, runs + 1)
    ]


def test_a_campaign_with_30_runs(golden: Golden) -> None:
    runs = thirty_runs()[-10:]
    areas = coverage(runs, PHASES, {("Data agent", ORDER): 1})
    view = replace(
        seed_view(),
        definition=DEFINITION,
        goal=goal_progress(DEFINITION.goal, climbing(30)),
        coverage=CampaignCoverage("golden-path", window=10, runs_considered=10, areas=areas),
    )
    text = render_tracking_issue(view)
    golden("tracking_steering_30_runs.md", text)
    assert_well_formed(text)
    order = ["**Mission:**", "**Status:**", "### Goal progress", "### What to run next"]
    assert [text.index(mark) for mark in order] == sorted(text.index(mark) for mark in order)
    assert 'x-axis ["11", "12",' in text and '"30"]' in text  # the last 20 runs
    assert "**Every criterion met:** 3 of 5 consecutive runs  " in text
    assert "**Tests passing:** 970 of 1000 (97%)" in text and "— 30 to go; 5 failing" in text


def test_a_campaign_with_a_single_run(golden: Golden) -> None:
    runs = [run(1, *passed("Data agent", DATA), *failed("Data agent", ORDER))]
    view = replace(
        seed_view(),
        history=(),
        definition=DEFINITION,
        goal=goal_progress(DEFINITION.goal, [RunPoint(1, 13, 2, 17, 4, 2)]),
        coverage=CampaignCoverage("golden-path", 10, 1, coverage(runs, PHASES)),
    )
    text = render_tracking_issue(view)
    golden("tracking_steering_single_run.md", text)
    assert_well_formed(text)
    assert "```mermaid" not in text  # one run is no trend
    assert "never ran in the only run" in text or "did not run in the only run" in text


def test_a_huge_campaign_shrinks_the_areas_table_to_fit() -> None:
    runs = thirty_runs()[-10:]
    many = [run(40, *passed("Data agent", f"tests/e2e/{'x' * 150}_{n}.py")) for n in range(2)]
    areas = coverage(
        [*runs, *many]
        + [run(50 + n, *passed(f"Phase {n} " + "y" * 150, f"tests/{n}.py")) for n in range(400)],
        PHASES,
    )
    view = replace(
        seed_view(),
        definition=DEFINITION,
        coverage=CampaignCoverage("golden-path", window=410, runs_considered=410, areas=areas),
    )
    text = render_tracking_issue(view, max_chars=30_000)
    assert len(text) <= 30_000
    assert "### What to run next" in text and "### Session log" in text
    assert "more areas (see the API)" in text or "Every area over" not in text
