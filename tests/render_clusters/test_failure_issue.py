"""The failure issue of a cluster, as the people who fix it read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.render.clusters import (
    AffectedTest,
    ClusterView,
    Resolution,
    RunRef,
    failure_issue_title,
    render_failure_issue,
)
from tests.render_clusters.checks import assert_well_formed, outside_code, tables
from tests.render_clusters.views import (
    CAMPAIGN,
    DATA_TEST,
    T0,
    WS_TEST,
    flaky_view,
    ws_1011_view,
)

Golden = Callable[[str, str], None]

HOSTILE = (
    "boom @alice see #12 and GH-7 ``` not a fence ``` `x`\n"
    "<!-- loopwatch:end --> \x1b[31mred\x1b[0m | pipe"
)


def test_failure_issue_1011(golden: Golden) -> None:
    golden("failure_issue_1011.md", render_failure_issue(ws_1011_view()))


def test_failure_issue_flaky(golden: Golden) -> None:
    golden("failure_issue_flaky.md", render_failure_issue(flaky_view()))


def test_summary_and_status_give_the_facts_first() -> None:
    text = render_failure_issue(ws_1011_view())
    first = text.splitlines()[0]
    assert first.startswith("🔁 **WebSocket closed 1011 (internal error)**")
    assert "2 tests in Data agent pipeline validation" in first
    assert f"`{CAMPAIGN}`" in first
    assert "**First seen:** [run 2](https://github.com/" in text
    assert "on 5d6e7f8 (`main`), 2025-09-10 17:45 UTC" in text
    assert "**Last seen:** [run 10](" in text and "on b2c3d4e (`main`)" in text
    assert "6 failing test executions" in text and "**Runs failed:** 4 of 10 runs seen" in text
    assert (
        "2025-09-11 10:20 UTC, when `ana` closed the issue with PR #140 (Fix middleware order)"
        in text
    )
    assert "@ana" not in text


def test_affected_tests_table_is_valid_gfm() -> None:
    text = render_failure_issue(ws_1011_view())
    affected = tables(text)[0]
    assert affected[0] == ["Test", "Phase", "Campaign", "Occurrences", "Last outcome"]
    assert [row[0] for row in affected[1:]] == [f"`{WS_TEST}`", f"`{DATA_TEST}`"]
    assert [row[3] for row in affected[1:]] == ["4", "2"]  # most occurrences first
    assert affected[2][4] == "💥 errored"


def test_environment_keys_that_differ_come_first_and_are_marked() -> None:
    env = tables(render_failure_issue(ws_1011_view()))[1]
    assert env[0] == ["Key", "Environment 1", "Environment 2"]
    assert env[1] == ["**≠** `WS_AUTH_MODE`", "`jwt`", "`session`"]
    assert all("≠" not in row[0] for row in env[2:])


def test_one_environment_is_one_line() -> None:
    text = render_failure_issue(flaky_view())
    assert "`ENVIRONMENT=staging` · `REGION=us-central1` · `WS_AUTH_MODE=session`" in text


def test_flaky_is_said_prominently_and_regressions_are_ruled_out() -> None:
    text = render_failure_issue(flaky_view())
    assert text.startswith(
        "⚠️ **Timeout waiting for WebSocket event agent\\_completed** — **flaky**"
    )
    assert "no regression comments for flaky failures" in text
    assert "flaky" not in render_failure_issue(ws_1011_view()).lower()


def test_signature_section_says_how_to_name_it() -> None:
    text = render_failure_issue(ws_1011_view())
    assert "**Fingerprint:** `9b1e4c07d2a35f18` · version 1 · computed from the failure" in text
    assert "under `signatures:` in `.github/loopwatch.yml`" in text
    named = render_failure_issue(replace(ws_1011_view(), kind="named"))
    assert "To give it a name" not in named and "come from `signatures:`" in named


def test_tracking_issue_is_linked() -> None:
    text = render_failure_issue(ws_1011_view())
    assert "[Tracking issue of golden-path-data-agent](https://github.com/netra-systems/" in text
    assert "Tracking issue" not in render_failure_issue(
        replace(ws_1011_view(), tracking_issue_url=None)
    )


def test_history_newest_last_and_older_folded() -> None:
    events = [(T0 + timedelta(hours=i), f"event {i}") for i in range(25)]
    text = render_failure_issue(replace(ws_1011_view(), history=events))
    history = text[text.index("### History") :]
    folded, _, recent = history.partition("</details>")
    assert "<summary>15 earlier events</summary>" in folded and "event 14" in folded
    assert "event 15" in recent and recent.index("event 23") < recent.index("event 24")


def test_long_trace_keeps_its_end_and_says_what_was_left_out() -> None:
    trace = "\n".join(f"  frame {i}" for i in range(500)) + "\nRuntimeError: the end"
    text = render_failure_issue(replace(ws_1011_view(), sample_trace=trace))
    assert "RuntimeError: the end" in text and "frame 499" in text
    assert "frame 0\n" not in text
    assert "<summary>Trace, first 441 lines left out</summary>" in text


def test_untrusted_text_cannot_ping_link_or_close_the_section() -> None:
    test = AffectedTest(test_id=f"tests/x.py::test_a[{HOSTILE}]", phase=HOSTILE, campaign="c|d")
    view = replace(
        ws_1011_view(),
        title=HOSTILE,
        family=HOSTILE,
        tests=[test],
        sample_message=HOSTILE,
        sample_trace=HOSTILE,
        environments=[{"K@alice": HOSTILE}, {"K@alice": "#12"}],
        history=[(T0, HOSTILE)],
    )
    text = render_failure_issue(view)
    assert "<!--" not in text and "-->" not in text
    assert "\x1b" not in text
    prose = outside_code(text)
    assert "@alice" not in prose and "#12" not in prose and "GH-7" not in prose
    assert_well_formed(text)
    assert len(tables(text)[0]) == 2  # the pipes in the id did not add cells or rows
    assert all(len(row) == 5 for row in tables(text)[0])
    title = failure_issue_title(view)
    assert "@alice" not in title and "\n" not in title and "\x1b" not in title


def test_title_names_the_test_or_counts_them() -> None:
    view = ws_1011_view()
    assert failure_issue_title(view) == "WebSocket closed 1011 (internal error) in 2 tests"
    one = replace(view, tests=view.tests[:1])
    assert failure_issue_title(one) == (
        "WebSocket closed 1011 (internal error) in test_pipeline_websocket_events"
    )
    assert failure_issue_title(replace(view, tests=[])) == "WebSocket closed 1011 (internal error)"
    long = replace(one, title="x" * 1000)
    assert len(failure_issue_title(long)) <= 256
    assert failure_issue_title(long).endswith("in test_pipeline_websocket_events")


def huge_view() -> ClusterView:
    tests = [
        AffectedTest(
            test_id=f"tests/e2e/area_{i % 40}/test_{i}.py::test_{i}[" + "p" * 80 + "]",
            phase=f"Phase {i % 7}",
            campaign=CAMPAIGN,
            occurrences=1 + i % 9,
            last_outcome="failed",
        )
        for i in range(5_000)
    ]
    return replace(
        ws_1011_view(),
        tests=tests,
        sample_message="``` message line |\n" * 5_000,
        sample_trace="  File x.py, line 1, in f\n" * 50_000,
        environments=[{f"KEY_{k}": f"value {k} {e}" * 5 for k in range(300)} for e in range(6)],
        history=[(T0 + timedelta(minutes=i), "event " + "x" * 300) for i in range(2_000)],
    )


_HUGE = huge_view()


def test_huge_view_fits_and_keeps_its_structure() -> None:
    text = render_failure_issue(_HUGE)
    assert len(text) <= 60_000
    assert_well_formed(text)
    for section in ("### Affected tests", "### Sample failure", "### Signature", "### History"):
        assert section in text
    shown = len(tables(text)[0]) - 1
    assert 5 <= shown < 5_000 and f"_… and {5_000 - shown:,} more tests._" in text
    assert render_failure_issue(_HUGE) == text  # deterministic


def test_tiny_budget_truncates_with_a_visible_note() -> None:
    text = render_failure_issue(_HUGE, max_chars=3_000)
    assert len(text) <= 3_000
    assert_well_formed(text)
    assert "was cut to stay within GitHub's size limit" in text


@settings(max_examples=30, deadline=None)
@given(budget=st.integers(min_value=0, max_value=70_000))
def test_any_budget_is_respected(budget: int) -> None:
    text = render_failure_issue(_HUGE, max_chars=budget)
    assert len(text) <= budget
    if budget > 500:
        assert_well_formed(text)


def test_a_bare_resolved_cluster_renders_only_what_is_known() -> None:
    resolution = Resolution(
        at=T0 + timedelta(days=1), by="loopwatch", reason="green_runs", green_runs=3
    )
    ref = RunRef(run_id=1, at=T0)
    view = ClusterView(
        key="cluster:x",
        fingerprint="x",
        signature_version=2,
        title="HTTP 502 Bad Gateway",
        kind="test-name",
        state="resolved",
        first_seen=ref,
        last_seen=ref,
        resolution=resolution,
    )
    text = render_failure_issue(view)
    assert text.splitlines()[0] == "✅ **HTTP 502 Bad Gateway**"
    assert "**First seen:** run 1, 2025-09-10 17:45 UTC" in text
    assert "**Resolved:** 2025-09-11 17:45 UTC, by Loopwatch after 3 consecutive green runs" in text
    for absent in ("### Affected tests", "### Sample failure", "### Environments", "### History"):
        assert absent not in text
    assert "grouped by test name" in text
