"""The tracking issue's findings as failure clusters (TrackingIssueView.clusters)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.render.clusters import ClusterFinding
from bot.core.render.tracking_issue.document import render_tracking_issue
from bot.core.render.tracking_issue.issue_view import TrackingIssueView
from tests.render.views import seed_view
from tests.render_clusters.checks import assert_well_formed, outside_code
from tests.render_clusters.test_failure_issue import HOSTILE
from tests.render_clusters.views import REPO

Golden = Callable[[str, str], None]

STAGING = "tests/e2e/staging"
SEED_CLUSTERS = [
    ClusterFinding(
        title="Timeout waiting for WebSocket event agent_completed",
        state="flaky",
        tests=[
            "tests/e2e/test_real_agent_execution_complete_lifecycle.py::test_complete_lifecycle"
        ],
        phases=["Complex multi-agent coordination"],
        issue_url=f"{REPO}/issues/139",
        occurrences_in_run=1,
    ),
    ClusterFinding(
        title="AssertionError: assert 0 == 3 (recommendations)",
        state="recurring",
        tests=[
            "tests/e2e/test_real_agent_optimization_recommendations.py"
            "::test_optimization_recommendations_cost"
        ],
        phases=["Golden path business value"],
        issue_url=f"{REPO}/issues/138",
        occurrences_in_run=1,
    ),
    ClusterFinding(
        title="WebSocket closed 1011 (internal error)",
        state="regression",
        tests=[
            f"{STAGING}/test_3_agent_pipeline_staging.py::test_pipeline_websocket_events",
            f"{STAGING}/test_3_agent_pipeline_staging.py::test_pipeline_data_stage",
            f"{STAGING}/test_5_response_streaming_staging.py::test_streaming_websocket_events",
        ],
        phases=["Data agent pipeline validation", "Tool integration and state management"],
        issue_url=f"{REPO}/issues/141",
        occurrences_in_run=3,
    ),
    ClusterFinding(
        title="Tool call timed out (cost_analyzer)",
        state="new",
        tests=[
            "tests/e2e/test_real_agent_tool_execution.py::test_tool_execution_with_real_backend"
        ],
        phases=["Tool integration and state management"],
        issue_url=None,  # over the per-run cap of new issues: listed here only
        occurrences_in_run=2,
    ),
]


def clusters_view() -> TrackingIssueView:
    return replace(seed_view(), clusters=SEED_CLUSTERS)


def findings(text: str) -> str:
    start = text.index("### Critical findings")
    return text[start : text.index("\n### ", start + 1)]


def test_tracking_with_clusters(golden: Golden) -> None:
    golden("tracking_with_clusters.md", render_tracking_issue(clusters_view()))


def test_cluster_findings_show_no_message_samples_and_keep_reported_findings() -> None:
    section = findings(render_tracking_issue(clusters_view()))
    assert "```" not in section  # no message samples: those live in the failure issues
    assert "- ⚠️ WebSocket infrastructure failures" in section  # reported findings stay


def test_regressions_and_new_first_flaky_last() -> None:
    section = findings(render_tracking_issue(clusters_view()))
    heads = re.findall(r"^\*\*\d+\. (.+?) — ", section, flags=re.M)
    assert heads == ["🔁 Regression", "🆕 New", "❌ Recurring", "⚠️ Flaky"]


def test_each_cluster_links_its_issue_and_lists_its_tests() -> None:
    section = findings(render_tracking_issue(clusters_view()))
    regression = section[section.index("🔁 Regression") : section.index("🆕 New")]
    assert "— 3 tests in Data agent pipeline validation, Tool integration" in regression
    assert f"[issue #141]({REPO}/issues/141)" in regression
    assert regression.count("\n- `tests/e2e/staging/") == 3
    new = section[section.index("🆕 New") : section.index("❌ Recurring")]
    assert "1 test (2 failures with retries)" in new and "no issue yet" in new


def test_no_clusters_in_the_run_means_no_cluster_list() -> None:
    text = render_tracking_issue(replace(seed_view(), clusters=[], five_whys=None))
    assert "### Critical findings" not in text


def test_many_clusters_are_capped() -> None:
    many = [
        ClusterFinding(title=f"Error {i}", state="recurring", tests=[f"t.py::test_{i}"] * 2)
        for i in range(30)
    ]
    section = findings(render_tracking_issue(replace(seed_view(), clusters=many)))
    assert "**20. ❌ Recurring — Error 19**" in section
    assert "_… and 10 more failure clusters (10 tests)._" in section


def test_untrusted_cluster_text_is_neutralized() -> None:
    bad = ClusterFinding(
        title=HOSTILE, state="new", tests=[HOSTILE], phases=[HOSTILE], issue_url="javascript:x"
    )
    text = render_tracking_issue(replace(seed_view(), clusters=[bad]))
    section = findings(text)
    assert "<!--" not in text and "javascript:" not in section
    prose = outside_code(section)
    assert "@alice" not in prose and "#12" not in prose
    assert_well_formed(text)


_MANY = replace(
    seed_view(),
    clusters=[
        ClusterFinding(
            title=f"Failure kind {i} " + "t" * 200,
            state="new" if i % 3 else "regression",
            tests=[f"tests/e2e/area/test_{i}_{j}.py::test_{j}" + "x" * 100 for j in range(60)],
            phases=[f"Phase {i % 5}"],
            issue_url=f"{REPO}/issues/{1000 + i}",
        )
        for i in range(500)
    ],
)


@settings(max_examples=20, deadline=None)
@given(budget=st.integers(min_value=0, max_value=70_000))
def test_any_budget_is_respected_with_clusters(budget: int) -> None:
    text = render_tracking_issue(_MANY, max_chars=budget)
    assert len(text) <= budget
    if budget > 500:
        assert_well_formed(text)


def test_huge_cluster_list_fits_the_default_budget() -> None:
    text = render_tracking_issue(_MANY)
    assert len(text) <= 60_000 and "more failure clusters" in text
    assert_well_formed(text)
