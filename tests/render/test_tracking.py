"""The tracking issue as a person reads it: golden files plus structural checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bot.core.analysis.run_analysis import analyze_run
from bot.core.analysis.run_cases import RunCase
from bot.core.config.loader import load_config
from bot.core.render.tracking_issue.document import render_tracking_issue
from bot.core.render.tracking_issue.issue_view import (
    MAX_ISSUE_CHARS,
    LogEntry,
    RunInfo,
    TrackingIssueView,
)
from bot.core.render.tracking_issue.run_text import run_log_text, tracking_issue_title
from bot.core.reports.model import Outcome, TestCase
from bot.core.text import format_duration
from tests.render.views import CAMPAIGN, SEED_CONFIG, T0, seed_view

Golden = Callable[[str, str], None]
GFM = MarkdownIt("commonmark").enable("table")


def assert_well_formed(text: str) -> None:
    """Fences closed, <details> balanced, table rows whole."""
    fence_open: str | None = None
    for line in text.splitlines():
        match = re.match(r"^(`{3,})", line)
        if match:
            ticks = match.group(1)
            if fence_open is None:
                fence_open = ticks
            elif ticks.startswith(fence_open) and line.strip() == ticks:
                fence_open = None
            continue
        if fence_open is None and line.startswith("|"):
            assert line.endswith("|"), f"cut table row: {line!r}"
    assert fence_open is None, "unclosed code fence"
    assert text.count("<details>") == text.count("</details>")


def table_rows(text: str) -> list[list[str]]:
    """Rows of the first table, as markdown-it (GFM tables) parses them."""
    tokens = GFM.parse(text)
    rows: list[list[str]] = []
    row: list[str] | None = None
    in_table = False
    for token in tokens:
        if token.type == "table_open":
            in_table = True
        elif token.type == "table_close":
            break
        elif in_table and token.type == "tr_open":
            row = []
        elif in_table and token.type == "tr_close" and row is not None:
            rows.append(row)
        elif in_table and token.type == "inline" and row is not None:
            row.append(token.content)
    return rows


def minimal_view() -> TrackingIssueView:
    campaign = load_config(None).config.campaign("nightly")
    cases = [
        RunCase(
            TestCase(
                "tests/api/test_health.py::test_ok",
                "test_ok",
                Outcome.PASSED,
                file="tests/api/test_health.py",
                duration_s=0.4,
            )
        ),
        RunCase(
            TestCase(
                "tests/ui/test_login.py::test_login",
                "test_login",
                Outcome.PASSED,
                file="tests/ui/test_login.py",
                duration_s=12.0,
            )
        ),
    ]
    analysis = analyze_run(cases, campaign, run_id=1)
    return TrackingIssueView(
        repository="acme/shop",
        campaign_name="nightly",
        campaign=campaign,
        run=RunInfo(
            run_id=1,
            commit_sha="0123456789abcdef0123456789abcdef01234567",
            branch="main",
            finished_at=T0,
        ),
        analysis=analysis,
        session_log=[LogEntry(T0, run_log_text(analysis, RunInfo(run_id=1, branch="main")))],
    )


def test_seed_like_issue(golden: Golden) -> None:
    text = render_tracking_issue(seed_view())
    assert_well_formed(text)
    golden("tracking_seed_like.md", text)


def test_minimal_issue(golden: Golden) -> None:
    text = render_tracking_issue(minimal_view())
    assert_well_formed(text)
    golden("tracking_minimal.md", text)


def test_config_errors_are_shown_first_in_plain_words(golden: Golden) -> None:
    result = load_config(
        "campaigns:\n  nightly:\n    phases:\n      - name: A\n        priority: high\n"
    )
    view = replace(minimal_view(), config_errors=result.errors)
    text = render_tracking_issue(view)
    assert text.startswith("> [!WARNING]")
    assert "- `campaigns.nightly.phases[0].priority`: must be a whole number, got 'high'" in text
    golden("tracking_config_error.md", text)


def test_phase_table_is_valid_gfm_with_one_row_per_phase() -> None:
    view = seed_view()
    rows = table_rows(render_tracking_issue(view))
    assert rows[0] == [
        "Phase",
        "Priority",
        "Suites",
        "Passed",
        "Failed",
        "Skipped",
        "Duration",
        "Trend",
    ]
    assert len(rows) == 1 + len(view.analysis.phases)
    assert all(len(r) == 8 for r in rows)
    pipeline = rows[1]
    assert pipeline[0] == "❌ Data agent pipeline validation"
    assert pipeline[4] == "**2**"
    assert pipeline[7] == "✅❌✅❌"  # three earlier runs, then this one


def test_untrusted_test_output_cannot_ping_or_link() -> None:
    text = render_tracking_issue(seed_view())
    outside_code = re.sub(r"(`{3,})[^\n]*\n.*?\n\1\n", "", text, flags=re.S)
    outside_code = re.sub(r"(`+).+?\1", "", outside_code)
    assert "@alice" not in outside_code and "#132" not in outside_code


def test_criteria_checklist() -> None:
    text = render_tracking_issue(seed_view())
    assert (
        "- [x] Data agent execution: MUST run BEFORE the optimization agent — ✅ 1 of 1 passed"
        in text
    )
    assert "- [ ] Multi-user isolation" not in text
    assert re.search(r"- \[ \] WebSocket event delivery.* — ❌ 2 of 2 failing: `", text)


def test_old_log_entries_are_folded() -> None:
    entries = [LogEntry(T0 + timedelta(minutes=i), f"event {i}") for i in range(25)]
    text = render_tracking_issue(replace(minimal_view(), session_log=entries))
    log = text[text.index("### Session log") :]
    folded, _, open_part = log.partition("</details>")
    assert "<summary>15 earlier entries</summary>" in folded
    assert "event 0" in folded and "event 14" in folded
    assert "event 15" in open_part and open_part.rstrip().count("\n- **") >= 9
    assert log.index("event 23") < log.index("event 24")  # newest last


def huge_view() -> TrackingIssueView:
    campaign = load_config(SEED_CONFIG).config.campaign(CAMPAIGN)
    cases = [
        RunCase(
            TestCase(
                f"tests/e2e/area_{i % 40}/test_{i}.py::test_{i}",
                f"test_{i}",
                Outcome.FAILED,
                file=f"tests/e2e/area_{i % 40}/test_{i}.py",
                failure_type=f"Error{i % 60}",
                message=f"failure kind {i % 60}\n" + ("``` trace line |\n" * 200),
            )
        )
        for i in range(3000)
    ]
    analysis = analyze_run(cases, campaign, run_id=9)
    log = [LogEntry(T0 + timedelta(minutes=i), f"run {i} " + "x" * 150) for i in range(800)]
    return replace(seed_view(), analysis=analysis, session_log=log, history=())


def test_huge_issue_fits_and_keeps_its_structure() -> None:
    view = huge_view()
    text = render_tracking_issue(view)
    assert len(text) <= 60_000
    assert_well_formed(text)
    assert "### Phases" in text and "### Critical findings" in text
    assert "earlier entries not shown" in text or "older entries not shown" in text
    assert render_tracking_issue(view, max_chars=MAX_ISSUE_CHARS) == render_tracking_issue(
        view, max_chars=MAX_ISSUE_CHARS
    )


def test_tiny_budget_truncates_with_a_visible_note() -> None:
    text = render_tracking_issue(huge_view(), max_chars=3_000)
    assert len(text) <= 3_000
    assert_well_formed(text)
    assert "was cut to stay within GitHub's size limit" in text


@settings(max_examples=30, deadline=None)
@given(budget=st.integers(min_value=0, max_value=70_000))
def test_any_budget_is_respected(budget: int) -> None:
    text = render_tracking_issue(_HUGE, max_chars=budget)
    assert len(text) <= budget
    if budget > 500:
        assert_well_formed(text)


_HUGE = huge_view()


def test_title_from_template() -> None:
    campaign = load_config(SEED_CONFIG).config.campaign(CAMPAIGN)
    assert tracking_issue_title(campaign, CAMPAIGN) == (
        "ULTIMATE TEST DEPLOY LOOP: golden-path-data-agent"
    )
    default = load_config(None).config.campaign("x\nnightly")
    assert tracking_issue_title(default, "x\nnightly") == "Loopwatch: x nightly"
    assert len(tracking_issue_title(default, "n" * 400)) == 256


def test_run_log_text() -> None:
    view = seed_view()
    assert run_log_text(view.analysis, view.run) == (
        "Run 4 on 9f1c2ab (main): ❌ 7 passed · 4 failed · 1 errored · 1 skipped · 1 flaky; "
        "failing phases: Data agent pipeline validation, Tool integration and state "
        "management, Golden path business value"
    )
    since = "since run 3: 5 new failures (test_a, test_b and 3 more)"
    assert run_log_text(view.analysis, view.run, comparison=since).endswith(
        "Golden path business value; " + since
    )


def test_durations_read_naturally() -> None:
    assert [format_duration(s) for s in (None, 0, 0.42, 42.4, 125, 3725)] == [
        "—",
        "—",
        "0.4s",
        "42s",
        "2m 05s",
        "1h 02m",
    ]


def test_times_are_shown_in_utc() -> None:
    run = RunInfo(run_id=2, finished_at=datetime(2025, 9, 10, 21, 52, tzinfo=UTC).astimezone())
    text = render_tracking_issue(replace(minimal_view(), run=run))
    assert "finished 2025-09-10 21:52 UTC" in text
