"""The check run's title and summary as a reviewer sees them on a pull request."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.checks.model import BaseRun, Category, CheckView, Counts, FailedTest, PhaseCounts
from bot.core.render.check_run import MAX_SUMMARY_BYTES, check_title, render_summary
from tests.render_clusters.checks import GFM, assert_well_formed, outside_code, tables

Golden = Callable[[str, str], None]
ISSUES = "https://github.com/acme/shop/issues"
BASE = BaseRun(
    run_id=41,
    branch="main",
    commit_sha="9f1c2ab9f1c2ab9f1c2ab9f1c2ab9f1c2ab12345",
    url="https://github.com/acme/shop/actions/runs/41",
)
WS_1011 = ("ws-1011", "WebSocket closed 1011 (internal error)")
TIMEOUT = ("timeout-cost", "Tool call timed out (cost_analyzer)")
ASSERT = ("assert-recs", "AssertionError: assert 0 == 3 (recommendations)")
LIFECYCLE = ("agent-completed", "Timeout waiting for WebSocket event agent_completed")


def failed(
    test_id: str,
    category: Category,
    cluster: tuple[str, str],
    issue: int | None = None,
) -> FailedTest:
    return FailedTest(
        test_id=test_id,
        category=category,
        file=test_id.split("::")[0],
        line=10,
        message="boom",
        trace=None,
        cluster_key=cluster[0],
        cluster_title=cluster[1],
        issue_number=issue,
        issue_url=f"{ISSUES}/{issue}" if issue else None,
    )


SMALL = CheckView(
    campaign="e2e-staging",
    head_sha="c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe",
    counts=Counts(total=1_215, passed=1_204, failed=6, skipped=4, flaky=1, duration_s=421.5),
    phases=[
        PhaseCounts("Data agent pipeline validation", passed=400, failed=3),
        PhaseCounts("Complex multi-agent coordination", passed=402, flaky=1),
        PhaseCounts("Tool integration | state management", passed=400, failed=3, skipped=2),
        PhaseCounts("Golden path business value", skipped=2),
    ],
    failures=[
        failed("tests/e2e/test_pipeline.py::test_websocket_events[1]", Category.NEW, WS_1011, 141),
        failed("tests/e2e/test_pipeline.py::test_websocket_events[2]", Category.NEW, WS_1011, 141),
        failed("tests/e2e/test_tools.py::test_cost_analyzer", Category.NEW, TIMEOUT),
        failed("tests/e2e/test_stream.py::test_stream_events", Category.REGRESSION, WS_1011, 141),
        failed("tests/e2e/test_recs.py::test_cost_recs", Category.STILL_FAILING, ASSERT, 138),
        failed("tests/e2e/test_recs.py::test_savings_recs", Category.STILL_FAILING, ASSERT, 138),
        failed("tests/e2e/test_lifecycle.py::test_complete", Category.FLAKY, LIFECYCLE, 139),
    ],
    base=BASE,
    fixed=["tests/e2e/test_auth.py::test_token_refresh", "tests/e2e/test_auth.py::test_logout"],
    added=[
        "tests/e2e/test_tools.py::test_cost_analyzer",
        "tests/e2e/test_tools.py::test_cost_analyzer_cache",
        "tests/e2e/test_tools.py::test_cost_analyzer_limits",
    ],
    removed=["tests/e2e/test_legacy.py::test_v1_api"],
    newly_skipped=["tests/e2e/test_journeys.py::test_cold_start"],
    tracking_issue_url=f"{ISSUES}/132",
    annotations_sent=6,
    no_file=1,
)

ALL_FIXED = CheckView(
    campaign="e2e-staging",
    head_sha="c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe",
    counts=Counts(total=1_204, passed=1_204, duration_s=398),
    phases=[
        PhaseCounts("Data agent pipeline validation", passed=602),
        PhaseCounts("Golden path business value", passed=602),
    ],
    failures=[],
    base=BASE,
    fixed=[f"tests/e2e/test_recs.py::test_case_{i}" for i in range(5)],
    tracking_issue_url=f"{ISSUES}/132",
)

NO_BASE = CheckView(
    campaign="nightly `smoke` @team",
    head_sha="c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe",
    counts=Counts(total=52, passed=48, failed=2, skipped=1, flaky=1, duration_s=8.25),
    phases=[PhaseCounts("Smoke", passed=48, failed=2, skipped=1, flaky=1)],
    failures=[
        failed("tests/smoke/test_home.py::test_loads", Category.NEW, WS_1011, 141),
        failed("tests/smoke/test_login.py::test_login[@admin #7]", Category.NEW, ASSERT),
        failed("tests/smoke/test_home.py::test_banner", Category.FLAKY, LIFECYCLE),
    ],
    base=None,
    runs=4,
    note="Re-run requested by a reviewer: the failed jobs of workflow run 9 were started again.",
)


def huge_view(failing: int = 3_000) -> CheckView:
    """Thousands of failures whose ids are long, Japanese and emoji (3–4 bytes a character)."""
    categories = [Category.NEW, Category.STILL_FAILING, Category.REGRESSION, Category.FLAKY]
    failures = []
    for i in range(failing):
        test_id = (
            f"tests/e2e/購入フロー/test_カートと決済_🛒_{i // 100:02d}.py::"
            f"test_注文確定後に在庫が正しく減ることを確認する_🚀[ユーザー-{i:04d}-東京-📦-"
            + "とても長いパラメータ名" * 6
            + "]"
        )
        cluster = (f"k{i % 250}", f"在庫エラー {i % 250}: 期待値と実際の値が違います 💥")
        failures.append(failed(test_id, categories[i % 4], cluster, 1_000 + i % 250))
    ids = [f.test_id for f in failures]
    return CheckView(
        campaign="e2e-staging",
        head_sha="c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe",
        counts=Counts(
            total=9_000, passed=5_000, failed=failing * 3 // 4, skipped=1_000, flaky=failing // 4
        ),
        phases=[PhaseCounts(f"フェーズ {n} 🧪", passed=1_250, failed=562) for n in range(4)],
        failures=failures,
        base=BASE,
        fixed=[i.replace("test_注文", "test_修正済み_注文") for i in ids[:300]],
        added=[i.replace("test_注文", "test_追加_注文") for i in ids[:1_000]],
        removed=[i.replace("test_注文", "test_削除_注文") for i in ids[:500]],
        newly_skipped=[i.replace("test_注文", "test_スキップ_注文") for i in ids[:200]],
        runs=4,
        tracking_issue_url=f"{ISSUES}/132",
        annotations_sent=200,
        annotations_left_out=failures[200:],
    )


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def pipe_cells(line: str) -> int:
    """Cells of a GFM table row: ``|`` not escaped by a backslash separate them."""
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def assert_tables_whole(text: str) -> None:
    """Every table row has its header's number of cells and stays inside its table."""
    assert_well_formed(text)
    raw_tables: list[list[str]] = []
    previous_was_row = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous_was_row:
            raw_tables.append([])
        if is_row:
            raw_tables[-1].append(line)
        previous_was_row = is_row
    parsed = tables(text)
    assert len(parsed) == len(raw_tables)
    for raw, rows in zip(raw_tables, parsed, strict=True):
        header = pipe_cells(raw[0])
        assert all(pipe_cells(line) == header for line in raw), raw
        assert len(rows) == len(raw) - 1  # every line but the delimiter row is a row
        assert all(len(row) == header for row in rows)


def assert_sections_add_up(text: str) -> None:
    """Each failure section shows rows plus "… and N more" adding up to its count."""
    sections = re.findall(r"^### \S+ ([^\n(]+) \(([\d,]+)\)\n(.*?)(?=^### |\Z)", text, re.M | re.S)
    for name, count, body in sections:
        known = "Known failures, fix not in this build"
        if name not in ("New failures", "Regressions", "Still failing", "Flaky", "Failures", known):
            continue
        rows = len(re.findall(r"^\| `", body, re.M))
        more = re.search(r"^… and ([\d,]+) more ", body, re.M)
        hidden = int(more.group(1).replace(",", "")) if more else 0
        assert rows + hidden == int(count.replace(",", "")), name


# --- titles -----------------------------------------------------------------------------


def test_titles_say_what_happened_in_one_line() -> None:
    assert check_title(SMALL) == (
        "3 new failures, 1 regression, 2 still failing, 1 flaky test · 1,204 passed, 4 skipped"
    )
    assert check_title(ALL_FIXED) == "All 1,204 tests passed"
    assert check_title(NO_BASE) == "2 failures, 1 flaky test · 48 passed, 1 skipped"
    flaky_only = replace(
        ALL_FIXED,
        counts=Counts(total=1_204, passed=1_203, flaky=1),
        failures=[failed("t.py::x", Category.FLAKY, LIFECYCLE)],
    )
    assert check_title(flaky_only) == "1 flaky test, 1,203 passed"
    assert check_title(replace(ALL_FIXED, counts=Counts())) == "No tests ran"
    assert check_title(replace(ALL_FIXED, counts=Counts(total=3, skipped=3))) == (
        "All 3 tests skipped"
    )
    assert check_title(huge_view()) == (
        "750 new failures, 750 regressions, 750 still failing, 750 flaky tests · 5,000 passed, "
        "1,000 skipped"
    )


# --- goldens ----------------------------------------------------------------------------


def test_small_summary(golden: Golden) -> None:
    summary = render_summary(SMALL)
    golden("check_small.md", summary)
    assert_tables_whole(summary)
    assert_sections_add_up(summary)
    assert (
        "Compared with `main` at 9f1c2ab ([run 41](https://github.com/acme/shop/actions/runs/41))"
        in summary
    )
    new, regression, still = (summary.index(h) for h in ("New failures", "Regressions", "Still"))
    fixed, flaky = summary.index("Fixed ("), summary.index("Flaky (")
    assert new < regression < still < fixed < flaky


def test_huge_summary_with_multibyte_names_fits_githubs_byte_limit(golden: Golden) -> None:
    summary = render_summary(huge_view())
    golden("check_huge.md", summary)
    assert size(summary) <= MAX_SUMMARY_BYTES
    assert_tables_whole(summary)
    summary.encode("utf-8").decode("utf-8")  # nothing cut mid-character
    assert_sections_add_up(summary)
    assert "… and 705 more new failures." in summary


def test_summary_without_a_base_run(golden: Golden) -> None:
    summary = render_summary(NO_BASE)
    golden("check_no_base.md", summary)
    assert_tables_whole(summary)
    assert "No earlier run of ``nightly `smoke` @team`` on the base branch" in summary
    assert "merged from 4 uploads (a matrix)" in summary
    assert summary.startswith("> [!NOTE]\n> Re-run requested")
    assert "@team" not in outside_code(summary)
    assert not re.search(r"(?<!`)@admin|#7", outside_code(summary))


def test_summary_when_everything_is_fixed(golden: Golden) -> None:
    summary = render_summary(ALL_FIXED)
    golden("check_all_fixed.md", summary)
    assert_tables_whole(summary)
    assert summary.startswith("## ✅ All 1,204 tests passed\n")
    assert summary.count("- `tests/e2e/test_recs.py::test_case_") == 5


FIX_SHA = "b2c3d4e5b2c3d4e5b2c3d4e5b2c3d4e5b2c3d4e5"
OLD_BRANCH = replace(
    SMALL,
    counts=Counts(total=1_207, passed=1_204, failed=3, duration_s=402),
    failures=[
        replace(
            failed("tests/e2e/test_pipeline.py::test_websocket_events[1]", Category.NEW, WS_1011),
            category=Category.FIX_NOT_IN_BUILD,
            fix_sha=FIX_SHA,
            issue_number=141,
            issue_url=f"{ISSUES}/141",
        ),
        failed("tests/e2e/test_tools.py::test_cost_analyzer", Category.NEW, TIMEOUT),
        failed("tests/e2e/test_recs.py::test_cost_recs", Category.STILL_FAILING, ASSERT, 138),
    ],
    fixed=[],
    added=[],
    removed=[],
    newly_skipped=[],
    annotations_sent=3,
    no_file=0,
)


def test_summary_of_a_build_without_the_fix(golden: Golden) -> None:
    """A resolved cluster failing where its fix is not in the build: a known failure."""
    summary = render_summary(OLD_BRANCH)
    golden("check_fix_not_in_build.md", summary)
    assert_tables_whole(summary)
    assert_sections_add_up(summary)
    assert check_title(OLD_BRANCH) == (
        "1 new failure, 1 still failing, 1 known failure (fix not in this build) · 1,204 passed"
    )
    assert "Regression" not in summary
    assert "known failure, fix b2c3d4e not in this build" in summary
    new, still, known = (
        summary.index(h) for h in ("New failures", "Still failing", "Known failures")
    )
    assert new < still < known


# --- limits -----------------------------------------------------------------------------


def test_a_small_limit_drops_folded_lists_then_whole_blocks() -> None:
    leaner = render_summary(huge_view(), max_bytes=20_000)
    assert size(leaner) <= 20_000
    assert "<details>" not in leaner
    assert "lists left out to fit GitHub's size limit" in leaner
    tiny = render_summary(SMALL, max_bytes=1_500)
    assert size(tiny) <= 1_500
    assert tiny.endswith("within GitHub's limit of 65,535 bytes for a check run summary.\n")
    assert_tables_whole(tiny)


TEXT = st.text(
    alphabet=st.sampled_from("ab |`\\*_<>@#-:/.[]日本🛒é\u200b\n"),
    max_size=120,
)


@settings(max_examples=40, deadline=None)
@given(
    failing=st.integers(0, 1_500),
    name=TEXT,
    title=TEXT,
    listed=st.integers(0, 600),
    max_bytes=st.sampled_from([MAX_SUMMARY_BYTES, 30_000, 5_000]),
)
def test_any_summary_fits_and_keeps_its_tables_whole(
    failing: int, name: str, title: str, listed: int, max_bytes: int
) -> None:
    view = huge_view(failing)
    failures = [
        replace(f, test_id=f"{name}{i}{f.test_id[:40]}", cluster_title=title)
        for i, f in enumerate(view.failures)
    ]
    view = replace(
        view,
        failures=failures,
        phases=[PhaseCounts(name or "p", failed=1)],
        added=[f"{name}{i}" for i in range(listed)],
        annotations_left_out=failures[: listed // 2],
        campaign=name or "c",
    )
    summary = render_summary(view, max_bytes=max_bytes)
    assert size(summary) <= max_bytes
    assert_tables_whole(summary)
    if "was cut to stay within" not in summary:
        assert_sections_add_up(summary)
    assert GFM.parse(summary)  # parses
