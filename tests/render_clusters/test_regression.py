"""Regression comments: one on the failure issue, a short one on the tracking issue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from bot.core.render.clusters import (
    MAX_COMMENT_CHARS,
    AffectedTest,
    Resolution,
    regression_log_text,
    render_regression_comment,
    render_tracking_regression_comment,
)
from tests.render_clusters.checks import assert_well_formed, outside_code
from tests.render_clusters.test_failure_issue import HOSTILE
from tests.render_clusters.views import (
    CAMPAIGN,
    DATA_TEST,
    REPO,
    WS_TEST,
    regression_view,
    ws_1011_view,
)

Golden = Callable[[str, str], None]
ISSUE_URL = f"{REPO}/issues/141"


def test_regression_comment_1011(golden: Golden) -> None:
    golden("regression_comment_1011.md", render_regression_comment(regression_view()))


def test_tracking_regression_comment(golden: Golden) -> None:
    text = render_tracking_regression_comment(regression_view(), ISSUE_URL)
    golden("tracking_regression_comment.md", text)


def test_regression_comment_has_every_fact_the_fixers_need() -> None:
    text = render_regression_comment(regression_view())
    first = text.splitlines()[0]
    assert "**Regression: WebSocket closed 1011 (internal error)**" in first
    assert "[run 10](https://github.com/netra-systems/netra-apex/actions/runs/17612345610)" in first
    assert "on b2c3d4e (`main`), 2025-09-15 09:45 UTC" in first
    assert f"- `{WS_TEST}` — ❌ failed" in text and f"- `{DATA_TEST}` — 💥 errored" in text
    assert "**Failing again:** 2 tests in Data agent pipeline validation" in text
    assert (
        "**This fix did not hold.** It had been resolved on 2025-09-11 10:20 UTC, when `ana` "
        "closed the issue with PR #140 (Fix middleware order), commit a1b2c3d; "
        "then 5 green runs passed." in text
    )
    assert "**Since the last green run** ([run 9](" in text
    assert "- Commits: e4f5a6b…b2c3d4e ([compare](https://github.com/" in text
    assert "- Environment `WS_AUTH_MODE`: `jwt` → `session`" in text
    assert "**Fix recorded at the time:** Fix SessionMiddleware order" in text
    assert "@" not in text  # nobody is pinged


def test_a_fix_that_was_not_marked_as_failed_reads_as_plain_history() -> None:
    view = replace(regression_view(), fix_did_not_hold=False, previous_fix=None)
    text = render_regression_comment(view)
    assert "did not hold" not in text and "[!CAUTION]" not in text
    assert "**Had been resolved:** 2025-09-11 10:20 UTC, when `ana` closed the issue" in text
    assert "Fix recorded" not in text


def test_resolved_by_green_runs_names_the_bot_not_a_person() -> None:
    resolved = Resolution(
        at=datetime(2025, 9, 13, 8, 0, tzinfo=UTC),
        by="loopwatch",
        reason="green_runs",
        green_runs=5,
    )
    text = render_regression_comment(replace(regression_view(), resolved=resolved))
    assert "by Loopwatch after 5 consecutive green runs" in text
    assert "`loopwatch`" not in text


def test_without_a_green_run_or_diff_it_says_so() -> None:
    view = replace(
        regression_view(),
        last_green=None,
        commit_range=None,
        compare_url=None,
        environment_diff=[],
    )
    text = render_regression_comment(view)
    assert "**Since it was resolved** (no green run of this campaign recorded):" in text
    assert "- No commit range or environment change recorded." in text


def test_environment_keys_that_appeared_or_went() -> None:
    diff = [("FEATURE_X", None, "on"), ("OLD_FLAG", "1", None)]
    text = render_regression_comment(replace(regression_view(), environment_diff=diff))
    assert "- Environment `FEATURE_X`: _(unset)_ → `on`" in text
    assert "- Environment `OLD_FLAG`: `1` → _(unset)_" in text


def test_tests_in_several_phases_name_their_phase() -> None:
    tests = [
        AffectedTest(test_id="tests/a.py::test_a", phase="Phase A", campaign=CAMPAIGN),
        AffectedTest(test_id="tests/b.py::test_b", phase="Phase B", campaign=CAMPAIGN),
    ]
    text = render_regression_comment(replace(regression_view(), tests=tests, phases=[]))
    assert "**Failing again:** 2 tests in Phase A and Phase B" in text
    assert "- `tests/a.py::test_a` (Phase A) — ❌ failed" in text


def test_untrusted_text_cannot_ping_link_or_close_the_section() -> None:
    cluster = replace(ws_1011_view(), title=HOSTILE)
    resolved = replace(regression_view().resolved, by="@alice", pull_request_title=HOSTILE)
    view = replace(
        regression_view(),
        cluster=cluster,
        resolved=resolved,
        tests=[AffectedTest(test_id=HOSTILE, phase=HOSTILE)],
        phases=[HOSTILE],
        environment_diff=[(HOSTILE, HOSTILE, "#12")],
        previous_fix=HOSTILE,
        run=replace(regression_view().run, branch=HOSTILE, commit_sha=HOSTILE),
    )
    for text in (
        render_regression_comment(view),
        render_tracking_regression_comment(view, ISSUE_URL),
    ):
        assert "<!--" not in text and "-->" not in text and "\x1b" not in text
        prose = outside_code(text)
        assert "@alice" not in prose and "#12" not in prose and "GH-7" not in prose
        assert_well_formed(text)
    assert "`alice`" in render_regression_comment(view)


def test_huge_regression_stays_within_a_comment() -> None:
    tests = [AffectedTest(test_id=f"tests/t_{i}.py::test_{i}" + "x" * 500) for i in range(3_000)]
    diff = [(f"KEY_{i}", "a" * 500, "b" * 500) for i in range(1_000)]
    view = replace(regression_view(), tests=tests, environment_diff=diff, previous_fix="y" * 10**6)
    text = render_regression_comment(view)
    assert len(text) <= MAX_COMMENT_CHARS
    assert "- … and 2980 more tests" in text
    assert "- … and 980 more environment keys" in text


def test_tracking_comment_is_short_and_links_the_failure_issue() -> None:
    text = render_tracking_regression_comment(regression_view(), ISSUE_URL)
    lines = text.strip().splitlines()
    assert 2 <= len(lines) <= 4
    assert f"[WebSocket closed 1011 (internal error)]({ISSUE_URL})" in lines[0]
    assert "`test_pipeline_websocket_events` and `test_data_helper_lifecycle`" in lines[0]
    assert "when `ana` closed the issue with PR #140" in text
    bare = render_tracking_regression_comment(regression_view(), None)
    assert "](" + REPO + "/issues" not in bare
    assert "**Regression:** WebSocket closed 1011 (internal error) is failing again" in bare


def test_session_log_line_for_the_tracking_issue() -> None:
    assert regression_log_text(regression_view()) == (
        "Regression: WebSocket closed 1011 (internal error) failing again in run 10 on "
        "b2c3d4e (main), 2 tests; resolved 2025-09-11 by ana, PR 140"
    )


def test_regression_comment_says_whether_the_fix_is_in_the_build() -> None:
    fix = "b2c3d4e" + "0" * 33
    view = regression_view()
    build = str(view.run.commit_sha)[:7]
    assert "fix is in this build" not in render_regression_comment(view)  # nothing asked
    contained = render_regression_comment(replace(view, fix_sha=fix, fix_in_build="contained"))
    assert f"**The fix is in this build:** {build} contains b2c3d4e." in contained
    unknown = render_regression_comment(replace(view, fix_sha=fix, fix_in_build="unknown"))
    assert f"GitHub could not compare b2c3d4e with {build}" in unknown
    assert "counts as a regression to be safe" in unknown
    assert_well_formed(unknown)
