"""A plain case (only ``name``, ``classname``, ``time``) is read on a fast path; it must give
the same model as the general path, which an extra attribute that changes nothing forces."""

from __future__ import annotations

import re

import pytest

from bot.core.reports import parse_report
from bot.core.reports.model import Outcome, Report

# Each test runs with the compiled and the pure-Python JUnit case reader.
pytestmark = pytest.mark.usefixtures("junit_reader")

PLAIN_CASES = (
    '<testsuite name="pytest" tests="8">'
    '<testcase classname="tests.unit.test_api.TestGet" name="test_ok[a]" time="0.5">'
    "<system-out>captured</system-out></testcase>"
    '<testcase classname="tests.unit.test_api.TestGet" name="test_comma" time="0,25"/>'
    '<testcase classname="tests.unit.test_api" name="test_bad_time" time="N/A"/>'
    '<testcase classname="tests.unit.test_api" name="test_negative" time="-1"/>'
    '<testcase classname="tests.unit.test_api" name="test_nan" time="nan"/>'
    '<testcase classname="tests.unit.test_api" name="test_retried" time="0.1">'
    '<failure message="boom">Traceback</failure></testcase>'
    '<testcase classname="tests.unit.test_api" name="test_retried" time="0.2"/>'
    '<testcase classname="same title" name="same title" time="1"/>'
    "</testsuite>"
)

NESTED_SUITES = (
    '<testsuite name="outer" file="/home/runner/work/r/r/tests/FooTest.php">'
    '<properties><property name="seed" value="1"/></properties>'
    '<testsuite name="inner">'
    '<testcase classname="FooTest" name="testA" time="0.01"/>'
    '<testcase classname="FooTest" name="testA" time="0.02"/>'
    "</testsuite>"
    '<testcase classname="BarTest" name="testB" time="0.03"/>'
    '<testcase classname="BarTest" name="testC" time="0.04" status="skipped"/>'
    "</testsuite>"
)


# Surefire/Gradle order (name before classname), suite-level properties and output, a
# case with its attributes in an order no reporter uses.
SUREFIRE_CASES = (
    '<testsuite name="com.example.FooTest" tests="4">'
    '<properties><property name="java.version" value="17"/></properties>'
    '<testcase name="testA" classname="com.example.FooTest" time="0.01"/>'
    '<testcase name="testB" classname="com.example.FooTest" time="0.02">'
    '<failure message="expected 1" type="AssertionError">at FooTest.testB(FooTest.java:12)'
    "</failure><system-out>out of B</system-out></testcase>"
    '<testcase name="testC" classname="com.example.FooTest" time="0.03"/>'
    '<testcase time="0.04" classname="com.example.FooTest" name="testD"/>'
    "<system-out>suite output</system-out>"
    "</testsuite>"
)


# Plain cases are registered by batch; a repeated id inside a batch, across a failing case
# and across suites must come out as if each case had been checked on its own.
REPEATS = (
    '<testsuite name="jest tests" tests="7">'
    '<testcase classname="api" name="a" time="0.1"/>'
    '<testcase classname="api" name="b" time="0.1"/>'
    '<testcase classname="api" name="a" time="0.2"/>'
    '<testcase classname="api" name="c" time="0.1"><failure message="x">t</failure></testcase>'
    '<testcase classname="api" name="c" time="0.3"/>'
    '<testcase classname="api" name="a" time="0.4"/>'
    '<testsuite name="inner"><testcase classname="api" name="a" time="0.5"/></testsuite>'
    '<testcase classname="api" name="b" time="0.6"/>'
    "</testsuite>"
)


def _parse(body: str) -> Report:
    return parse_report(f"<testsuites>{body}</testsuites>".encode(), path="r.xml")


def _with_neutral_attribute(body: str) -> str:
    """The same report with an attribute on every case that the parser ignores."""
    return re.sub(r"<testcase ", '<testcase assertions="1" ', body)


@pytest.mark.parametrize(
    "body",
    [PLAIN_CASES, NESTED_SUITES, SUREFIRE_CASES, REPEATS],
    ids=["pytest", "nested", "surefire", "repeats"],
)
def test_plain_cases_read_like_the_general_path(body: str) -> None:
    fast, general = _parse(body), _parse(_with_neutral_attribute(body))
    assert fast.cases == general.cases
    assert fast.suites == general.suites
    assert fast.counts == general.counts


def test_plain_cases_give_ids_durations_and_reruns() -> None:
    report = _parse(PLAIN_CASES)
    by_name = {case.name: case for case in report.cases}
    ok = by_name["test_ok[a]"]
    assert ok.test_id == "tests/unit/test_api.py::TestGet::test_ok[a]"
    assert (ok.outcome, ok.file, ok.duration_s, ok.stdout) == (
        Outcome.PASSED,
        "tests/unit/test_api.py",
        0.5,
        None,
    )
    assert by_name["test_comma"].duration_s == 0.25
    assert [by_name[n].duration_s for n in ("test_bad_time", "test_negative", "test_nan")] == [
        None,
        None,
        None,
    ]
    retried = by_name["test_retried"]
    assert retried.outcome is Outcome.FLAKY  # pytest-rerunfailures: failed, then passed
    assert [a.outcome for a in retried.attempts] == [Outcome.FAILED, Outcome.PASSED]
    assert retried.duration_s == pytest.approx(0.3)
    assert by_name["same title"].test_id == "same title"  # jest-junit: class repeats the name
    assert report.counts.as_dict() == {
        "total": 8,
        "passed": 6,
        "failed": 0,
        "errored": 0,
        "skipped": 0,
        "flaky": 1,
    }


def test_plain_cases_in_nested_suites_take_the_outer_file() -> None:
    report = _parse(NESTED_SUITES)
    assert [(c.test_id, c.suite, c.outcome) for c in report.cases] == [
        ("tests/FooTest.php::FooTest::testA", "inner", Outcome.PASSED),
        ("tests/FooTest.php::FooTest::testA", "inner", Outcome.PASSED),
        ("tests/FooTest.php::BarTest::testB", "outer", Outcome.PASSED),
        ("tests/FooTest.php::BarTest::testC", "outer", Outcome.SKIPPED),
    ]


def test_either_attribute_order_reads_the_same() -> None:
    report = _parse(SUREFIRE_CASES)
    assert [(c.test_id, c.outcome, c.duration_s) for c in report.cases] == [
        ("com.example.FooTest::testA", Outcome.PASSED, 0.01),
        ("com.example.FooTest::testB", Outcome.FAILED, 0.02),
        ("com.example.FooTest::testC", Outcome.PASSED, 0.03),
        ("com.example.FooTest::testD", Outcome.PASSED, 0.04),
    ]
    failed = report.cases[1]
    assert (failed.message, failed.stdout, failed.file, failed.line) == (
        "expected 1",
        "out of B",
        "FooTest.java",
        12,
    )
    # The suite's properties and output stay the suite's; no case gets them.
    assert all(c.properties == {} and c.stdout is None for c in report.cases if c is not failed)
    (suite,) = report.suites
    assert (suite.properties, suite.stdout) == ({"java.version": "17"}, "suite output")


def test_a_failure_of_the_suite_before_its_cases_leaves_them_passing() -> None:
    report = _parse(
        '<testsuite name="tests.test_db">'
        '<error message="fixture failed">setup broke</error>'
        '<testcase classname="tests.test_db" name="test_a" time="0.1"/>'
        '<testcase classname="tests.test_db" name="test_b" time="0.1"/>'
        "</testsuite>"
    )
    assert [(c.name, c.outcome) for c in report.cases] == [
        ("test_a", Outcome.PASSED),
        ("test_b", Outcome.PASSED),
        ("(suite)", Outcome.ERRORED),
    ]


def test_cases_belong_to_their_innermost_suite_at_any_depth() -> None:
    report = _parse(
        '<testsuite name="all" file="tests/AllTest.php">'
        '<testcase classname="A" name="first" time="1"/>'
        '<testsuite name="empty" tests="2"/>'
        '<testsuite name="mid">'
        '<testsuite name="deep" file="tests/DeepTest.php">'
        '<testcase classname="D" name="d1" time="1"/>'
        "</testsuite>"
        '<testcase classname="M" name="m1" time="1"/>'
        "</testsuite>"
        '<testcase classname="A" name="last" time="1"/>'
        "</testsuite>"
        '<testcase classname="Loose" name="outside" time="1"/>'
    )
    assert [(c.name, c.suite, c.file) for c in report.cases] == [
        ("first", "all", "tests/AllTest.php"),
        ("d1", "deep", "tests/DeepTest.php"),
        ("m1", "mid", "tests/AllTest.php"),
        ("last", "all", "tests/AllTest.php"),
        ("outside", None, None),
    ]
    assert [(s.name, s.declared_tests) for s in report.suites] == [
        ("empty", 2),
        ("deep", None),
        ("mid", None),
        ("all", None),
    ]


def test_cases_inside_other_elements_still_belong_to_their_suite() -> None:
    wrapped = '<group><testcase classname="tests.test_w" name="test_in_group" time="1"/></group>'
    report = _parse(
        '<testsuite name="outer">'
        + "<block>" * 50
        + wrapped * 3
        + '<testsuite name="inner">'
        + wrapped
        + "</testsuite>"
        + "</block>" * 50
        + '<testcase classname="tests.test_w" name="test_direct" time="1"/>'
        + "</testsuite>"
        + wrapped
    )
    assert [(c.name, c.suite) for c in report.cases] == [
        ("test_in_group", "outer"),
        ("test_in_group", "outer"),
        ("test_in_group", "outer"),
        ("test_in_group", "inner"),
        ("test_direct", "outer"),
        ("test_in_group", None),
    ]


@pytest.mark.parametrize(
    ("trace", "file", "line"),
    [
        (
            "Traceback (most recent call last):\n"
            '  File "/home/runner/work/r/r/tests/test_x.py", line 7, in test_x\n'
            "    assert total() == 2  (see tests/helpers.py:99)\n"
            "AssertionError: (internal error)",
            "tests/test_x.py",
            7,
        ),
        ("    foo_test.go:42: expected 1, got 2", "foo_test.go", 42),
        ("Error: boom\n    at Object.<anonymous> (src/app.test.js:15:9)", "src/app.test.js", 15),
        ("AssertionError: expected: <1> but was: <2>", None, None),
    ],
    ids=["python", "go", "js", "none"],
)
def test_failing_cases_take_file_and_line_from_the_trace(
    trace: str, file: str | None, line: int | None
) -> None:
    report = _parse(
        '<testsuite name="s"><testcase classname="Checks" name="test_it" time="1">'
        f"<failure>{trace.replace('<', '&lt;').replace('>', '&gt;')}</failure>"
        "</testcase></testsuite>"
    )
    (case,) = report.cases
    assert (case.outcome, case.file, case.line) == (Outcome.FAILED, file, line)


def test_repeated_ids_in_a_batch_are_distinct_cases_or_reruns() -> None:
    report = _parse(REPEATS)
    assert [(c.name, c.outcome, c.executions) for c in report.cases] == [
        ("a", Outcome.PASSED, 1),
        ("b", Outcome.PASSED, 1),
        ("a", Outcome.PASSED, 1),  # the earlier one passed: another case of that name
        ("c", Outcome.FLAKY, 2),  # failed, then passed: a re-run
        ("a", Outcome.PASSED, 1),
        ("a", Outcome.PASSED, 1),  # in the inner suite, which keeps its own ids
        ("b", Outcome.PASSED, 1),
    ]
