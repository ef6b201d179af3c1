"""Conformance over the shared corpus: every XML/TRX report parses with hand-checked counts.

Each expected row was checked against the file itself: counting ``<testcase>`` (or
``<test-case>``, ``<UnitTestResult>``) elements and their ``<failure>``/``<error>``/
``<skipped>`` children, and comparing with the tool's own header counts (``tests=``,
``failures=``, ``<Counters>``, ``<test-run total=…>``). Where our number differs from a
header, the reason is in the comment (header wrong, retries, suite-level errors).

Columns: total (executions, retries counted per attempt), passed, failed, errored,
skipped, flaky.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.reports import ReportError, parse_report

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("junit_reader")]

J = "jenkinsci+junit-plugin/src/test/resources/hudson/tasks/junit/"
M = "mikepenz+action-junit-report/test_results/"
D = "dorny+test-reporter/__tests__/fixtures/"
L = "launchableinc+cli/tests/data/"

EXPECTED: dict[str, tuple[str, int, int, int, int, int, int]] = {
    # --- generated here (pytest 9, jest-junit, mocha-junit-reporter) ---
    # 14 tests + 1 rerun attempt of test_flaky_handoff (pytest-rerunfailures writes the
    # failed attempt as an empty testcase); xfail counts as skipped.
    "generated-here/pytest/pytest-junit.xml": ("junit", 15, 6, 4, 1, 2, 1),
    "generated-here/pytest/pytest-junit-xunit1.xml": ("junit", 15, 6, 4, 1, 2, 1),
    "generated-here/jest/jest-junit.xml": ("junit", 6, 3, 2, 0, 1, 0),
    # header says tests=4 skipped=1: mocha-junit-reporter omits the pending test's element
    "generated-here/mocha/mocha-junit.xml": ("junit", 3, 1, 2, 0, 0, 0),
    # --- Surefire retries ---
    # 2 flakyFailure + the final pass
    "ctrf-io+junit-to-ctrf/reports/test-surefire-flaky.xml": ("junit", 3, 0, 0, 0, 0, 1),
    # failure + rerunFailure + rerunError: the last attempt (an error) decides
    "ctrf-io+junit-to-ctrf/reports/test-surefire-retry.xml": ("junit", 3, 0, 0, 1, 0, 0),
    "ctrf-io+junit-to-ctrf/reports/test-surefire.xml": ("junit", 10, 6, 2, 1, 1, 0),
    "ctrf-io+junit-to-ctrf/reports/test-junit-nested.xml": ("junit", 10, 7, 1, 1, 1, 0),
    # 7 cases: flakyThenPasses has 2 flaky attempts + pass, retriesThenFails 2 reruns
    "ctrf-io+junit-to-ctrf/reports/test-junit-problem-string.xml": ("junit", 10, 2, 1, 2, 1, 1),
    "ctrf-io+junit-to-ctrf/reports/test-minitest-junit.xml": ("junit", 33, 33, 0, 0, 0, 0),
    M + "maven_surefire_flaky/surefire-report.xml": ("junit", 2, 0, 0, 0, 0, 1),
    M + "junit_flaky_failure/marathon_junit_report.xml": ("junit", 2, 0, 0, 0, 0, 1),
    M + "junit_flaky_failure/mixed_flaky_and_passed.xml": ("junit", 4, 2, 0, 0, 0, 1),
    # the same test three times: failure, failure, error -> one errored case, 3 attempts
    M + "flaky_retries/flaky_all_failures.xml": ("junit", 3, 0, 0, 1, 0, 0),
    # failure, error, pass -> flaky; plus two other passing tests
    M + "flaky_retries/flaky_with_classname_file.xml": ("junit", 5, 2, 0, 0, 0, 1),
    # pass first, then failure+error: a passed case is not retried, so 1 passed + 1 errored
    M + "flaky_retries/flaky_success_first.xml": ("junit", 3, 1, 0, 1, 0, 0),
    J + "gh-237/TEST-io.olamy.FlakyTest.xml": ("junit", 3, 0, 0, 0, 0, 1),
    # one case: failure + 3 rerunFailure (header counts 4 failures)
    J + "gh-237/TEST-io.olamy.AlwaysFailTest.xml": ("junit", 4, 0, 1, 0, 0, 0),
    # 7580 testcases + 2 flakyFailure + 3 rerunFailure attempts
    J + "junit-report-huge.xml": ("junit", 7585, 5130, 19, 0, 2430, 1),
    # gotestsum --rerun-fails: TestWebSocketReconnectRace failed then passed
    M + "junit-server-test/report.xml": ("junit", 4, 1, 0, 0, 1, 1),
    # --- many JUnit dialects ---
    D + "jest-junit.xml": ("junit", 6, 1, 4, 0, 1, 0),
    D + "python-xunit-pytest.xml": ("junit", 10, 6, 2, 0, 2, 0),  # header tests=15 is wrong
    D + "python-xunit-unittest.xml": ("junit", 8, 4, 1, 1, 2, 0),
    D + "swift-xunit.xml": ("junit", 3, 2, 1, 0, 0, 0),
    D + "phpunit/phpunit.xml": ("junit", 12, 10, 2, 0, 0, 0),
    D + "external/phpunit/phpcheckstyle-phpunit.xml": ("junit", 30, 28, 2, 0, 0, 0),
    D + "external/java/junit4-complete.xml": ("junit", 8, 5, 1, 1, 1, 0),
    D + "external/java/pulsar-test-report.xml": ("junit", 808, 793, 1, 0, 14, 0),
    D + "external/jest/jest-test-results.xml": ("junit", 4239, 4207, 2, 0, 30, 0),
    D + "nette-tester/tester-v1.7-report.xml": ("junit", 65, 61, 1, 0, 3, 0),
    D + "empty/java-junit.xml": ("junit", 0, 0, 0, 0, 0, 0),
    D + "empty/phpunit-empty.xml": ("junit", 0, 0, 0, 0, 0, 0),
    J + "eclipse-plugin-test-report.xml": ("junit", 3366, 3366, 0, 0, 0, 0),
    J + "junit-report-1472.xml": ("junit", 2653, 2652, 1, 0, 0, 0),  # header sums are off by 1
    J + "JENKINS-42438/junit-report-1.xml": ("junit", 11, 8, 0, 0, 3, 0),
    # a suite-level <error> (class failed to load) becomes an errored "(suite)" case
    J + "junit-report-6700.xml": ("junit", 1, 0, 0, 1, 0, 0),
    J + "junit-report-bad-duration.xml": ("junit", 2, 2, 0, 0, 0, 0),
    # a third-level suite holds only a suite-level <error>: an errored "(suite)" case
    J + "junit-report-nested-testsuites.xml": ("junit", 3, 2, 0, 1, 0, 0),
    J + "SKIPPED_MESSAGE/skippedTestResult.xml": ("junit", 1, 0, 0, 0, 1, 0),
    "jstemmer+go-junit-report/testdata/001-report.xml": ("junit", 5, 2, 1, 0, 2, 0),
    "jstemmer+go-junit-report/testdata/012-report.xml": ("junit", 11, 6, 4, 0, 1, 0),
    L + "bazel/bazel-testlogs/src/test/java/com/ninjinkun/mylib_test1/test.xml": (
        "junit",
        1,
        1,
        0,
        0,
        0,
        0,
    ),
    L + "cypress/test-result.xml": ("junit", 3, 3, 0, 0, 0, 0),
    L + "playwright/report.xml": ("junit", 93, 84, 3, 0, 6, 0),
    # prove: 7 cases + the script's own "Dubious, test returned 2" suite-level error
    L + "prove/report.xml": ("junit", 8, 5, 2, 1, 0, 0),
    L + "pytest/report.xml": ("junit", 12, 8, 4, 0, 0, 0),
    L + "vitest/report.xml": ("junit", 5, 3, 2, 0, 0, 0),
    L + "googletest/fail/output.xml": ("junit", 3, 2, 1, 0, 0, 0),
    L + "ant/junitreport/TESTS-TestSuites.xml": ("junit", 3, 2, 1, 0, 0, 0),
    # 10 status='disabled' cases are skipped
    M + "issues/testDisabled.xml": ("junit", 22, 6, 4, 2, 10, 0),
    M + "nested/junit.xml": ("junit", 5, 2, 3, 0, 0, 0),
    # one case with three <failure> children counts once
    M + "multiple_failures/test_multiple_failures.xml": ("junit", 4, 1, 2, 0, 1, 0),
    M + "nextest/basic.xml": ("junit", 3, 2, 1, 0, 0, 0),
    "spekt+junit.testlogger/docs/assets/TestResults.xml": ("junit", 52, 32, 14, 0, 6, 0),
    # "divides by zero" fails twice in a row: one failed case with two attempts
    "test-summary+action/test/resources/junit/02-example.xml": ("junit", 30, 21, 8, 0, 0, 0),
    "test-summary+action/test/resources/junit/04-bazel-junit.xml": ("junit", 2, 1, 0, 1, 0, 0),
    "weiwei+junitparser/tests/data/normal.xml": ("junit", 3, 1, 1, 0, 1, 0),
    "weiwei+junitparser/tests/data/no_suites_tag.xml": ("junit", 3, 1, 1, 0, 1, 0),
    # --- NUnit 3 ---
    # Failed 5 = 3 failed + 2 label="Error"
    D + "dotnet-nunit.xml": ("nunit", 9, 3, 3, 2, 1, 0),
    # 2 Failed (one label="Error"), 3 Skipped + 1 Inconclusive
    D + "external/nunit-sample.xml": ("nunit", 18, 12, 1, 1, 4, 0),
    L + "dotnet/test-result.xml": ("nunit", 4, 1, 3, 0, 0, 0),
    L + "nunit/output-linux.xml": ("nunit", 7, 6, 1, 0, 0, 0),
    # --- TRX (counts equal the file's <Counters>) ---
    D + "dotnet-trx.trx": ("trx", 11, 5, 5, 0, 1, 0),
    D + "dotnet-xunitv3.trx": ("trx", 4, 1, 3, 0, 0, 0),
    D + "external/FluentValidation.Tests.trx": ("trx", 804, 803, 0, 0, 1, 0),
    D + "external/SilentNotes.trx": ("trx", 79, 67, 0, 0, 12, 0),
    D + "empty/dotnet-trx.trx": ("trx", 0, 0, 0, 0, 0, 0),
}

# Files that are not test reports, or are broken on purpose: each must be a ReportError.
EXPECTED_ERRORS: dict[str, str] = {
    "ctrf-io+junit-to-ctrf/reports/not-junit.xml": "root element <catalog>",
    J + "testXxe-oob.xml": "not a test report",  # a DTD fragment, no root element
    J + "testXxe-xxe.xml": "entities",  # refused before any entity is looked at
    L + "broken_xml/broken.xml": "not a test report",
    L + "ctest/Testing/latest/Test.xml": "root element <Site>",
    L + "cts/test_result.xml": "root element <Result>",
    L + "cucumber/report/dummy.xml": "empty",
    L + "maven/reports/dummy.xml": "root element <bogus>",
    L + "robot/dryrun.xml": "root element <robot>",
    L + "robot/output.xml": "root element <robot>",
    M + "corrupt-junit/e2e-tests/corrupt/target/sf-reports/TEST-test.CorruptTest.xml": "truncated",
    M + "junit-web-test/expected.xml": "Unescaped '<'",  # time="<<computed>>" placeholder
    M + "junit-web-test/expectedRetries.xml": "Unescaped '<'",
    M + "tests/email/pom.xml": "root element <project>",
    M + "tests/pom.xml": "root element <project>",
    M + "tests/utils/pom.xml": "root element <project>",
}


def _xml_files(corpus: Path) -> list[str]:
    reports = corpus / "reports"
    files = [*reports.rglob("*.xml"), *reports.rglob("*.trx")]
    return sorted(str(path.relative_to(reports)) for path in files)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_counts(corpus_dir: Path, relative: str) -> None:
    path = corpus_dir / "reports" / relative
    report = parse_report(path.read_bytes(), path=str(path))
    fmt, *counts = EXPECTED[relative]
    c = report.counts
    assert (report.format, c.total, c.passed, c.failed, c.errored, c.skipped, c.flaky) == (
        fmt,
        *counts,
    )


@pytest.mark.parametrize("relative", sorted(EXPECTED_ERRORS))
def test_expected_errors(corpus_dir: Path, relative: str, no_network: None) -> None:
    path = corpus_dir / "reports" / relative
    with pytest.raises(ReportError) as info:
        parse_report(path.read_bytes(), path=str(path))
    assert EXPECTED_ERRORS[relative] in str(info.value)
    assert str(info.value).startswith(str(path))


def test_every_xml_file_parses_or_is_a_known_error(corpus_dir: Path, no_network: None) -> None:
    files = _xml_files(corpus_dir)
    assert len(files) > 150
    unexpected: list[str] = []
    for relative in files:
        data = (corpus_dir / "reports" / relative).read_bytes()
        try:
            report = parse_report(data, path=relative)
        except ReportError as exc:
            if relative not in EXPECTED_ERRORS:
                unexpected.append(f"{relative}: {exc}")
            continue
        if relative in EXPECTED_ERRORS:
            unexpected.append(f"{relative}: parsed but should be an error")
        counts = report.counts
        assert counts.total >= counts.passed + counts.failed + counts.errored + counts.skipped
    assert unexpected == []


def test_pytest_ids_match_pytest_node_ids(corpus_dir: Path) -> None:
    path = corpus_dir / "reports" / "generated-here/pytest/pytest-junit.xml"
    report = parse_report(path.read_bytes())
    ids = {case.test_id for case in report.cases}
    assert (
        "tests/e2e/test_real_agent_data_helper_comprehensive.py::test_data_agent_isolation[bob]"
        in ids
    )
    flaky = [case for case in report.cases if case.outcome.value == "flaky"]
    assert [case.test_id for case in flaky] == [
        "tests/e2e/test_real_agent_execution_order_validation.py::test_flaky_handoff"
    ]
