"""Criteria kinds beyond "all these tests pass": min_duration, max_skipped, required_tests.

Each case is a hand-built run; the assertions are what a reader of the tracking issue sees:
ticked or not, and the one line saying why.
"""

from __future__ import annotations

import json

import pytest

from bot.core.analysis.criterion_verdicts import CriterionResult
from bot.core.analysis.run_analysis import analyze_run
from bot.core.analysis.run_cases import RunCase
from bot.core.analysis.run_status import Status
from bot.core.analysis.run_summary import RunSummary
from bot.core.config.loader import load_config
from bot.core.render.tracking_issue.document import render_tracking_issue
from bot.core.render.tracking_issue.issue_view import RunInfo, TrackingIssueView
from bot.core.reports.model import Attempt, Outcome, TestCase

AGENTS = "tests/e2e/test_agents.py"
BILLING = "tests/e2e/test_billing.py"
LOGIN = "tests/e2e/test_login.py"


def case(
    test_id: str,
    outcome: Outcome = Outcome.PASSED,
    *,
    duration: float | None = 1.0,
) -> RunCase:
    attempts = (Attempt(Outcome.FAILED), Attempt(Outcome.PASSED)) if outcome == "flaky" else ()
    return RunCase(
        TestCase(
            test_id=test_id,
            name=test_id.rsplit("::", 1)[-1],
            outcome=outcome,
            file=test_id.split("::", 1)[0],
            duration_s=duration,
            attempts=attempts,
        ),
        "junit.xml",
    )


def many(file: str, count: int, *, each: float, skipped: int = 0) -> list[RunCase]:
    """``count`` tests in ``file`` taking ``each`` seconds; the first ``skipped`` skipped."""
    return [
        case(f"{file}::test_{i}", Outcome.SKIPPED if i < skipped else Outcome.PASSED, duration=each)
        for i in range(count)
    ]


def criterion(cases: list[RunCase], body: str) -> CriterionResult:
    """The single criterion described by ``body`` (YAML lines under ``- name: C``)."""
    text = "campaigns:\n  e2e:\n    criteria:\n      - name: C\n" + "".join(
        f"        {line}\n" for line in body.strip().splitlines()
    )
    loaded = load_config(text)
    assert loaded.errors == []
    (result,) = analyze_run(cases, loaded.config.campaign("e2e")).criteria
    return result


# --- all_pass (the default) ------------------------------------------------------------


def test_all_pass_is_the_default_and_says_which_tests_fail() -> None:
    cases = [
        case(f"{AGENTS}::test_a", Outcome.FAILED),
        case(f"{AGENTS}::test_b", Outcome.ERRORED),
        case(f"{AGENTS}::test_c"),
    ]
    result = criterion(cases, 'tests: ["tests/e2e/*"]')
    assert result.kind == "all_pass" and not result.met
    assert result.reason == f"2 failing: {AGENTS}::test_a, {AGENTS}::test_b"


def test_all_pass_met_has_no_reason_and_flaky_counts_as_passed() -> None:
    result = criterion([case(f"{AGENTS}::test_a", Outcome.FLAKY)], 'tests: ["*agents*"]')
    assert result.met and result.status is Status.FLAKY and result.reason is None


def test_all_pass_reason_caps_the_names_at_three() -> None:
    cases = [case(f"{AGENTS}::test_{i}", Outcome.FAILED) for i in range(5)]
    result = criterion(cases, 'tests: ["*agents*"]')
    assert result.reason is not None
    assert result.reason.endswith(f"{AGENTS}::test_2 (and 2 more)")
    assert result.reason.startswith("5 failing: ")


def test_all_pass_with_nothing_matched_says_so() -> None:
    result = criterion([case(f"{AGENTS}::test_a")], 'tests: ["*billing*"]')
    assert not result.met and result.reason == "no tests in the report matched *billing*"


def test_all_pass_with_every_test_skipped_says_so() -> None:
    cases = [case(f"{AGENTS}::test_a", Outcome.SKIPPED), case(f"{AGENTS}::test_b", Outcome.SKIPPED)]
    result = criterion(cases, 'tests: ["*agents*"]')
    assert not result.met and result.reason == "all 2 matching tests were skipped"


# --- min_duration ----------------------------------------------------------------------


def test_min_duration_flags_a_suite_that_ran_in_seconds() -> None:
    cases = many(AGENTS, 12, each=0.26) + many(BILLING, 3, each=40.0)
    result = criterion(cases, 'kind: min_duration\nmin_duration: 60\ntests: ["tests/e2e/*"]')
    assert result.kind == "min_duration" and not result.met
    assert result.reason == (
        f"suite {AGENTS} ran 12 tests in 3.1 s, under the 60 s minimum: "
        "probably not talking to real services"
    )


def test_min_duration_met_when_every_suite_takes_long_enough() -> None:
    cases = many(AGENTS, 2, each=45.0) + many(BILLING, 3, each=40.0)
    result = criterion(cases, 'kind: min_duration\nmin_duration: 1m\ntests: ["tests/e2e/*"]')
    assert result.met and result.reason is None
    assert result.note == f"all 2 suites ran at least 60 s (shortest: {AGENTS}, 90 s)"


def test_min_duration_exactly_at_the_bound_is_met() -> None:
    result = criterion(
        many(AGENTS, 4, each=15.0), 'kind: min_duration\nmin_duration: "60s"\ntests: ["*"]'
    )
    assert result.met


def test_min_duration_ignores_failures_it_is_only_about_time() -> None:
    cases = [case(f"{AGENTS}::test_a", Outcome.FAILED, duration=120.0)]
    result = criterion(cases, 'kind: min_duration\nmin_duration: 60\ntests: ["*"]')
    assert result.met and result.status is Status.FAILED


def test_min_duration_names_several_fast_suites_fastest_first() -> None:
    cases = (
        many("tests/a.py", 1, each=5.0)
        + many("tests/b.py", 1, each=2.0)
        + many("tests/c.py", 1, each=90.0)
        + many("tests/d.py", 1, each=59.99)
        + many("tests/e.py", 1, each=0.0)
    )
    result = criterion(cases, 'kind: min_duration\nmin_duration: 60\ntests: ["tests/*"]')
    assert result.reason == (
        "4 of 5 suites ran under the 60 s minimum: tests/e.py in 0 s, tests/b.py in 2 s, "
        "tests/a.py in 5 s (and 1 more): probably not talking to real services"
    )


def test_min_duration_shows_a_duration_just_under_the_bound_as_under_it() -> None:
    result = criterion(
        many(AGENTS, 1, each=59.99), 'kind: min_duration\nmin_duration: 60\ntests: ["*"]'
    )
    assert result.reason is not None and "ran 1 test in 59.9 s, under the 60 s" in result.reason


def test_min_duration_counts_missing_durations_as_zero() -> None:
    cases = [case(f"{AGENTS}::test_a", duration=None)]
    result = criterion(cases, 'kind: min_duration\nmin_duration: 1\ntests: ["*"]')
    assert not result.met


def test_min_duration_with_no_matching_tests_is_not_met() -> None:
    result = criterion(
        many(AGENTS, 3, each=100.0),
        'kind: min_duration\nmin_duration: 60\ntests: ["*billing*", "*login*"]',
    )
    assert not result.met
    assert result.reason == "no tests in the report matched *billing*, *login*"


def test_min_duration_groups_by_the_suite_the_phase_table_shows() -> None:
    """Two files under one glob are two suites, each judged on its own."""
    cases = many(AGENTS, 1, each=50.0) + many(BILLING, 1, each=50.0)
    result = criterion(cases, 'kind: min_duration\nmin_duration: 60\ntests: ["tests/e2e/*"]')
    assert not result.met
    assert result.reason is not None and result.reason.startswith("2 of 2 suites ran under")


# --- max_skipped -----------------------------------------------------------------------


def test_max_skipped_percentage_flags_a_suite_that_did_not_really_run() -> None:
    cases = many(BILLING, 20, each=1.0, skipped=18) + many(AGENTS, 10, each=1.0)
    result = criterion(cases, 'kind: max_skipped\nmax_skipped: "50%"\ntests: ["tests/e2e/*"]')
    assert not result.met
    assert result.reason == (
        f"skipped 18 of 20 tests in {BILLING} (more than 50%): it did not really run"
    )


def test_max_skipped_percentage_exactly_at_the_bound_is_met() -> None:
    result = criterion(
        many(BILLING, 20, each=1.0, skipped=10), 'kind: max_skipped\nmax_skipped: 50%\ntests: ["*"]'
    )
    assert result.met and result.reason is None
    assert result.note == "no suite skipped more than 50% (1 suite, 10 of 20 tests skipped)"


def test_max_skipped_count_is_per_suite() -> None:
    cases = many(BILLING, 100, each=1.0, skipped=3) + many(AGENTS, 4, each=1.0, skipped=3)
    assert criterion(cases, 'kind: max_skipped\nmax_skipped: 3\ntests: ["*"]').met
    over = criterion(cases, 'kind: max_skipped\nmax_skipped: 2\ntests: ["*"]')
    assert over.reason == (
        f"2 of 2 suites skipped more than 2 of their tests: {BILLING} (3 of 100 skipped), "
        f"{AGENTS} (3 of 4 skipped): they did not really run"
    )


def test_max_skipped_percentage_and_count_judge_differently() -> None:
    """3 of 100 skipped is within 5% but more than 2 tests."""
    cases = many(BILLING, 100, each=1.0, skipped=3)
    assert criterion(cases, 'kind: max_skipped\nmax_skipped: "5%"\ntests: ["*"]').met
    assert not criterion(cases, 'kind: max_skipped\nmax_skipped: 2\ntests: ["*"]').met


def test_max_skipped_zero_allows_no_skip() -> None:
    cases = many(BILLING, 5, each=1.0, skipped=1)
    result = criterion(cases, 'kind: max_skipped\nmax_skipped: 0\ntests: ["*"]')
    assert result.reason == (
        f"skipped 1 of 5 tests in {BILLING} (more than 0): it did not really run"
    )


def test_max_skipped_with_no_matching_tests_is_not_met() -> None:
    result = criterion(
        many(BILLING, 5, each=1.0), 'kind: max_skipped\nmax_skipped: 1\ntests: ["x"]'
    )
    assert not result.met and result.reason == "no tests in the report matched x"


# --- required_tests --------------------------------------------------------------------


def test_required_tests_a_test_missing_from_the_report_fails() -> None:
    cases = [case(f"{LOGIN}::test_password"), case(f"{BILLING}::test_invoice")]
    body = f"""
kind: required_tests
tests:
  - {LOGIN}::test_password
  - {LOGIN}::test_sso
  - {BILLING}::test_*
"""
    result = criterion(cases, body)
    assert not result.met
    assert result.missing == (f"{LOGIN}::test_sso",)
    assert result.reason == f"missing from the report: {LOGIN}::test_sso"


def test_required_tests_a_glob_that_matches_nothing_is_missing() -> None:
    body = "kind: required_tests\ntests: [a, b, c, d, '*login*']"
    result = criterion([case(f"{LOGIN}::test_sso")], body)
    assert result.reason == "missing from the report: a, b, c (and 1 more)"


def test_required_tests_present_must_also_pass() -> None:
    cases = [case(f"{LOGIN}::test_sso", Outcome.FAILED), case(f"{LOGIN}::test_password")]
    body = f"kind: required_tests\ntests: ['{LOGIN}::test_sso', '{LOGIN}::test_mfa']"
    result = criterion(cases, body)
    assert result.reason == (
        f"missing from the report: {LOGIN}::test_mfa; 1 failing: {LOGIN}::test_sso"
    )


def test_required_tests_all_present_and_passing_is_met_flaky_included() -> None:
    cases = [case(f"{LOGIN}::test_sso", Outcome.FLAKY), case(f"{LOGIN}::test_password")]
    result = criterion(cases, f"kind: required_tests\ntests: ['{LOGIN}::*']")
    assert result.met and result.reason is None
    assert result.note == "every required test ran: 2 passed (some only after retries)"


def test_required_tests_all_skipped_is_not_met() -> None:
    cases = [case(f"{LOGIN}::test_sso", Outcome.SKIPPED)]
    result = criterion(cases, f"kind: required_tests\ntests: ['{LOGIN}::test_sso']")
    assert not result.met and result.reason == "the only required test was skipped"


def test_required_tests_with_an_empty_run_lists_every_entry() -> None:
    result = criterion([], "kind: required_tests\ntests: [a, b]")
    assert not result.met and result.reason == "missing from the report: a, b"


# --- the run summary ---------------------------------------------------------------------


def test_run_summary_counts_criteria_and_round_trips() -> None:
    text = f"""
campaigns:
  e2e:
    criteria:
      - name: Passes
        tests: ["*"]
      - name: Real
        kind: min_duration
        min_duration: 60
        tests: ["*"]
      - name: Login
        kind: required_tests
        tests: ["{LOGIN}::*"]
"""
    campaign = load_config(text).config.campaign("e2e")
    summary = analyze_run(many(AGENTS, 2, each=1.0), campaign).summary
    assert (summary.criteria_total, summary.criteria_failed) == (3, 2)
    again = RunSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary


def test_older_summaries_without_criteria_counts_read_as_zero() -> None:
    old = RunSummary.from_json({"run_id": 4, "status": "passed", "counts": {"passed": 1}})
    assert (old.criteria_total, old.criteria_failed) == (0, 0)
    odd = RunSummary.from_json({"criteria_total": "three", "criteria_failed": True})
    assert (odd.criteria_total, odd.criteria_failed) == (0, 0)


# --- what the tracking issue shows ----------------------------------------------------------


def render(cases: list[RunCase], config: str) -> str:
    campaign = load_config(config).config.campaign("e2e")
    view = TrackingIssueView(
        repository="acme/shop",
        campaign_name="e2e",
        campaign=campaign,
        run=RunInfo(run_id=1),
        analysis=analyze_run(cases, campaign, run_id=1),
    )
    return render_tracking_issue(view)


REAL_AGENTS = """
campaigns:
  e2e:
    criteria:
      - name: Real agents run
        kind: min_duration
        min_duration: 60
        tests: ["tests/e2e/*agents*"]
      - name: Billing really ran
        kind: max_skipped
        max_skipped: "50%"
        tests: ["*billing*"]
      - name: Agents pass
        tests: ["*agents*"]
"""


def test_a_failing_criterion_shows_its_reason_on_its_line() -> None:
    cases = many(AGENTS, 12, each=0.26) + many(BILLING, 4, each=30.0)
    text = render(cases, REAL_AGENTS)
    assert (
        "- [ ] Real agents run — ❌ suite tests/e2e/test\\_agents.py ran 12 tests in 3.1 s, "
        "under the 60 s minimum: probably not talking to real services\n"
    ) in text
    assert (
        "- [x] Billing really ran — ✅ no suite skipped more than 50% "
        "(1 suite, 0 of 4 tests skipped)\n"
    ) in text
    # all_pass keeps its own wording.
    assert "- [x] Agents pass — ✅ 12 of 12 passed\n" in text


def test_a_reason_with_markdown_in_a_suite_name_is_escaped() -> None:
    cases = many("tests/e2e/[click](http://x)_agents.py", 1, each=1.0)
    text = render(cases, REAL_AGENTS)
    line = next(x for x in text.splitlines() if x.startswith("- [ ] Real agents run"))
    assert "\\[click\\](http://x)\\_agents.py ran 1 test in 1 s" in line  # no link


@pytest.mark.parametrize("bound", ["90s", "1.5m", "1m 30s", 90, "90"])
def test_duration_spellings_mean_the_same_bound(bound: object) -> None:
    shown = f'"{bound}"' if isinstance(bound, str) else bound
    result = criterion(
        many(AGENTS, 1, each=89.0), f'kind: min_duration\nmin_duration: {shown}\ntests: ["*"]'
    )
    assert result.reason is not None and "under the 90 s minimum" in result.reason
