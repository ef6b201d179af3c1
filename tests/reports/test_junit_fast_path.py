"""A plain case (only ``name``, ``classname``, ``time``) is read on a fast path; it must give
the same model as the general path, which an extra attribute that changes nothing forces."""

from __future__ import annotations

import re

import pytest

from bot.reports import parse_report
from bot.reports.model import Outcome, Report

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


def _parse(body: str) -> Report:
    return parse_report(f"<testsuites>{body}</testsuites>".encode(), path="r.xml")


def _with_neutral_attribute(body: str) -> str:
    """The same report with an attribute on every case that the parser ignores."""
    return re.sub(r"<testcase ", '<testcase assertions="1" ', body)


@pytest.mark.parametrize("body", [PLAIN_CASES, NESTED_SUITES], ids=["pytest", "nested"])
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
