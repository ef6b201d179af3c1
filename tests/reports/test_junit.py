"""JUnit dialects: outcomes, retries, ids, locations, output bounds."""

from __future__ import annotations

import pytest

from bot.core.reports import Outcome, detect_format, parse_report
from bot.core.reports.common import parse_duration, pytest_file_from_classname, strip_workspace
from bot.core.reports.model import MAX_OUTPUT_CHARS, TRUNCATION_MARKER

# Each test runs with the compiled and the pure-Python JUnit case reader.
pytestmark = pytest.mark.usefixtures("junit_reader")


def junit(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>{body}</testsuites>'


def test_outcomes_and_counts() -> None:
    report = parse_report(
        junit(
            '<testsuite name="s" tests="5">'
            '<testcase classname="A" name="ok"/>'
            '<testcase classname="A" name="fail"><failure message="m" type="T">tr</failure>'
            "</testcase>"
            '<testcase classname="A" name="err"><error message="e">x</error></testcase>'
            '<testcase classname="A" name="skip"><skipped message="why"/></testcase>'
            '<testcase classname="A" name="xfail"><skipped type="pytest.xfail" message="k"/>'
            "</testcase></testsuite>"
        ).encode()
    )
    assert detect_format(junit("").encode()) == "junit"
    assert report.counts.as_dict() == {
        "total": 5,
        "passed": 1,
        "failed": 1,
        "errored": 1,
        "skipped": 2,
        "flaky": 0,
    }
    failed = report.cases[1]
    assert (failed.test_id, failed.failure_type, failed.message, failed.trace) == (
        "A::fail",
        "T",
        "m",
        "tr",
    )
    assert report.cases[3].message == "why"


def test_surefire_rerun_failure_never_passing_is_failed_with_attempts() -> None:
    report = parse_report(
        b'<testsuite name="s"><testcase classname="C" name="t" time="1">'
        b'<failure message="first" type="AE">t1</failure>'
        b'<rerunFailure message="second" type="AE"><stackTrace>t2</stackTrace></rerunFailure>'
        b'<rerunError message="third" type="IOE"><stackTrace>t3</stackTrace></rerunError>'
        b"</testcase></testsuite>"
    )
    (case,) = report.cases
    assert case.outcome is Outcome.ERRORED  # the last attempt decides
    assert [a.outcome for a in case.attempts] == [Outcome.FAILED, Outcome.FAILED, Outcome.ERRORED]
    assert [a.message for a in case.attempts] == ["first", "second", "third"]
    assert report.counts.total == 3 and report.counts.errored == 1


def test_surefire_flaky_failure_is_flaky_with_attempts() -> None:
    report = parse_report(
        b'<testsuite name="s"><testcase classname="C" name="t">'
        b'<flakyFailure message="f1" type="AE"><stackTrace>s1</stackTrace></flakyFailure>'
        b'<flakyError message="f2" type="IOE"><stackTrace>s2</stackTrace></flakyError>'
        b'</testcase><testcase classname="C" name="ok"/></testsuite>'
    )
    case = report.cases[0]
    assert case.outcome is Outcome.FLAKY
    assert [a.outcome for a in case.attempts] == [Outcome.FAILED, Outcome.ERRORED, Outcome.PASSED]
    assert case.message == "f1" and case.failure_type == "AE"
    assert report.counts.as_dict() == {
        "total": 4,
        "passed": 1,
        "failed": 0,
        "errored": 0,
        "skipped": 0,
        "flaky": 1,
    }


def test_repeated_case_after_a_failure_is_a_retry() -> None:
    report = parse_report(
        b'<testsuite name="s"><testcase classname="C" name="t"><failure message="x"/></testcase>'
        b'<testcase classname="C" name="other"/>'
        b'<testcase classname="C" name="t"/></testsuite>'
    )
    assert [c.test_id for c in report.cases] == ["C::t", "C::other"]
    assert report.cases[0].outcome is Outcome.FLAKY
    assert report.counts.total == 3 and report.counts.flaky == 1


def test_repeated_passing_names_stay_separate_cases() -> None:
    """TestNG data providers and jest titles repeat names for distinct cases."""
    report = parse_report(
        b'<testsuite name="s"><testcase classname="C" name="t"/><testcase classname="C" name="t"/>'
        b"</testsuite>"
    )
    assert [c.outcome for c in report.cases] == [Outcome.PASSED, Outcome.PASSED]


def test_pytest_rerun_duplicate_is_flaky() -> None:
    """pytest-rerunfailures writes the failed attempt as an empty testcase."""
    report = parse_report(
        b'<testsuites name="pytest tests"><testsuite name="pytest" tests="1">'
        b'<testcase classname="tests.test_a" name="test_f" time="0.1"/>'
        b'<testcase classname="tests.test_a" name="test_f" time="0.2"/></testsuite></testsuites>'
    )
    (case,) = report.cases
    assert case.outcome is Outcome.FLAKY and len(case.attempts) == 2
    assert case.test_id == "tests/test_a.py::test_f"


def test_pytest_ids_from_classname_and_0_based_lines() -> None:
    report = parse_report(
        b'<testsuites name="pytest tests"><testsuite name="pytest">'
        b'<testcase classname="tests.e2e.test_x.TestY" name="test_z[a-1]"/>'
        b'<testcase classname="tests.e2e.test_x.TestY" name="test_w" '
        b'file="tests/e2e/test_x.py" line="9"/></testsuite></testsuites>'
    )
    first, second = report.cases
    assert first.test_id == "tests/e2e/test_x.py::TestY::test_z[a-1]"
    assert first.file == "tests/e2e/test_x.py"
    assert second.test_id == "tests/e2e/test_x.py::TestY::test_w"
    assert second.line == 10


def test_classname_rule() -> None:
    assert pytest_file_from_classname("tests.e2e.test_x.TestY") == ("tests/e2e/test_x.py", "TestY")
    assert pytest_file_from_classname("python.test_sample") == ("python/test_sample.py", None)
    assert pytest_file_from_classname("com.example.FooTest") == (None, "com.example.FooTest")
    assert pytest_file_from_classname("github.com/a/b") == (None, "github.com/a/b")
    assert pytest_file_from_classname("tests.test_x.helper") == (None, "tests.test_x.helper")


def test_location_from_attributes_and_from_trace() -> None:
    report = parse_report(
        b'<testsuite name="s">'
        b'<testcase classname="a b" name="t1" file="/home/runner/work/repo/repo/src/a.test.js" '
        b'line="15"><failure/></testcase>'
        b'<testcase classname="a b" name="t2"><failure message="m">Error: m\n'
        b"    at fn (node_modules/lib/index.js:3:1)\n"
        b"    at Object.&lt;anonymous&gt; (/home/runner/work/repo/repo/src/b.test.js:42:7)"
        b"</failure></testcase></testsuite>"
    )
    first, second = report.cases
    assert (first.file, first.line) == ("src/a.test.js", 15)
    assert first.test_id == "src/a.test.js::a b::t1"
    assert (second.file, second.line) == ("src/b.test.js", 42)
    assert second.test_id == "a b::t2"  # a trace never changes the id


def test_nested_suites_declared_counts_output_and_properties() -> None:
    report = parse_report(
        b'<testsuites time="3"><testsuite name="outer" file="x.php">'
        b'<properties><property name="os" value="linux"/></properties>'
        b'<testsuite name="inner"><testcase name="t" classname="K">'
        b"<system-out>hello</system-out><failure/></testcase></testsuite>"
        b'<testsuite name="empty" tests="7" failures="1"/>'
        b"<system-err>suite err</system-err></testsuite></testsuites>"
    )
    suites = {s.name: s for s in report.suites}
    assert suites["outer"].properties == {"os": "linux"}
    assert suites["outer"].stderr == "suite err"
    assert suites["empty"].declared_tests == 7
    assert suites["outer"].declared_tests is None
    (case,) = report.cases
    assert case.suite == "inner" and case.stdout == "hello" and case.file == "x.php"
    assert report.duration_s == 3.0


def test_case_with_no_attributes() -> None:
    report = parse_report(b"<testsuite><testcase/></testsuite>")
    (case,) = report.cases
    assert case.outcome is Outcome.PASSED and case.test_id == ""


def test_output_is_bounded_and_dropped_for_passing_cases() -> None:
    big = "x" * (MAX_OUTPUT_CHARS * 3)
    report = parse_report(
        junit(
            f'<testsuite name="s"><testcase name="a"><failure/><system-out>{big}</system-out>'
            f'</testcase><testcase name="b"><system-out>{big}</system-out></testcase></testsuite>'
        ).encode()
    )
    failed, passed = report.cases
    assert failed.stdout is not None and len(failed.stdout) == MAX_OUTPUT_CHARS
    assert failed.stdout.endswith(TRUNCATION_MARKER)
    assert passed.stdout is None


def test_googletest_notrun_status_is_skipped() -> None:
    report = parse_report(
        b'<testsuites><testsuite name="F"><testcase name="a" status="notrun" classname="F"/>'
        b"</testsuite></testsuites>"
    )
    assert report.cases[0].outcome is Outcome.SKIPPED


def test_durations() -> None:
    assert parse_duration("1.5") == 1.5
    assert parse_duration("1,234.5") == 1234.5
    assert parse_duration("0,25") == 0.25
    assert parse_duration("2s") == 2.0
    for bad in ("N/A", "", "nan", "-1", "<<computed>>", None):
        assert parse_duration(bad) is None


def test_workspace_prefixes() -> None:
    assert strip_workspace("/home/runner/work/repo/repo/tests/a.py") == "tests/a.py"
    assert strip_workspace("D:\\a\\repo\\repo\\src\\A.cs") == "src/A.cs"
    assert strip_workspace("./tests/a.py") == "tests/a.py"
    assert strip_workspace("/opt/other/a.py") == "/opt/other/a.py"


def test_playwright_classname_is_the_spec_file_and_jest_title_is_not_repeated() -> None:
    report = parse_report(
        b'<testsuites><testsuite name="tests/a.spec.ts" hostname="chromium">'
        b'<testcase name="Todo &#8250; adds" classname="tests/a.spec.ts"/></testsuite>'
        b'<testsuite name="Agent"><testcase classname="Agent runs" name="Agent runs"/>'
        b"</testsuite></testsuites>"
    )
    playwright, jest = report.cases
    assert (playwright.test_id, playwright.file) == (
        "tests/a.spec.ts::Todo › adds",
        "tests/a.spec.ts",
    )
    assert jest.test_id == "Agent runs"


def test_go_package_classname_is_not_a_file() -> None:
    report = parse_report(
        b'<testsuites><testsuite name="pkg/x"><testcase classname="github.com/a/b/pkg/x" '
        b'name="TestY"/></testsuite></testsuites>'
    )
    (case,) = report.cases
    assert (case.test_id, case.file) == ("github.com/a/b/pkg/x::TestY", None)
