"""Hostile numbers in any format: the value is dropped per field, the case is kept, and
the report says so in a warning (issue 18). A duration of 1.7e308 summed to infinity, a
line number beyond int64, a retry count of 10^15: each once failed or hung a whole run."""

from __future__ import annotations

import json

import pytest

from bot.core.reports import parse_report
from bot.core.reports.model import MAX_ATTEMPTS, Report
from bot.core.reports.sanitize import MAX_DURATION_S, MAX_LINE

HUGE_INT = 10**30  # beyond int64
INT32_PLUS = 2**31  # beyond an INTEGER column


def _junit() -> bytes:
    return (
        b'<testsuites time="1.7e308"><testsuite name="s" tests="99999999999999999999999"'
        b' time="inf">'
        b'<testcase classname="c" name="huge" time="1.7e308" line="99999999999999999999"/>'
        b'<testcase classname="c" name="nan" time="nan" line="2147483648"/>'
        b'<testcase classname="c" name="negative" time="-1"><failure message="m"/></testcase>'
        b'<testcase classname="c" name="fine" time="1.5" line="12"/>'
        b"</testsuite></testsuites>"
    )


def _xunit() -> bytes:
    return (
        b'<assemblies><assembly name="a" time="1e309"><collection name="c">'
        b'<test name="huge" result="Pass" time="1.7e308" source-line="99999999999999999999"/>'
        b'<test name="fine" result="Fail" time="0.5"><failure><message>m</message></failure>'
        b"</test></collection></assembly></assemblies>"
    )


def _nunit() -> bytes:
    return (
        b'<test-run duration="1.7e308"><test-suite type="Assembly" name="a" duration="inf">'
        b'<test-case name="huge" fullname="a.huge" result="Passed" duration="1.7e308"/>'
        b'<test-case name="fine" fullname="a.fine" result="Failed" duration="0.5"/>'
        b"</test-suite></test-run>"
    )


def _trx() -> bytes:
    days = "9" * 400  # a TimeSpan whose seconds overflow a float
    return (
        b'<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>'
        + f'<UnitTestResult testName="huge" outcome="Passed" duration="{days}.00:00:01"/>'.encode()
        + b'<UnitTestResult testName="fine" outcome="Failed" duration="00:00:01.5"/>'
        b"</Results></TestRun>"
    )


def _ctrf() -> bytes:
    text = json.dumps({
        "reportFormat": "CTRF", "specVersion": "1.0.0",
        "results": {"tool": {"name": "jest"},
                    "summary": {"tests": 2, "passed": 1, "failed": 1, "pending": 0, "skipped": 0,
                                "other": 0, "start": 1, "stop": 2, "duration": HUGE_INT},
                    "tests": [{"name": "huge", "status": "passed", "duration": "DURATION",
                               "line": HUGE_INT},
                              {"name": "fine", "status": "failed", "duration": 1,
                               "message": "x", "retries": 10**15, "line": INT32_PLUS}]},
    })  # fmt: skip
    return text.replace('"DURATION"', "1e400").encode()  # inf once parsed


def _pytest_json() -> bytes:
    return json.dumps({
        "created": 1, "duration": 1.7e308, "exitcode": 1, "root": "/r", "summary": {"total": 2},
        "tests": [{"nodeid": "t.py::test_huge", "lineno": HUGE_INT, "outcome": "passed",
                   "setup": {"outcome": "passed", "duration": 1.7e308},
                   "call": {"outcome": "passed", "duration": 1.7e308}},
                  {"nodeid": "t.py::test_fine", "lineno": 3, "outcome": "failed",
                   "call": {"outcome": "failed", "duration": -4.0, "longrepr": "E boom"}}],
    }).encode()  # fmt: skip


def _mocha_json() -> bytes:
    return json.dumps({
        "stats": {"tests": 2, "duration": HUGE_INT},
        "tests": [{"title": "huge", "fullTitle": "S huge", "file": "a.js", "duration": 1.7e308,
                   "currentRetry": 10**15, "err": {}},
                  {"title": "fine", "fullTitle": "S fine", "file": "a.js", "duration": 1,
                   "err": {"message": "m", "stack": "Error: m\n at (a.js:99999999999999:2)"}}],
        "failures": [{"title": "fine", "fullTitle": "S fine", "file": "a.js", "err": {}}],
        "passes": [], "pending": [],
    }).encode()  # fmt: skip


def _rspec_json() -> bytes:
    return json.dumps({
        "version": "3.13.0",
        "examples": [{"id": "./spec/a_spec.rb[1:1]", "description": "huge",
                      "full_description": "A huge", "status": "passed",
                      "file_path": "./spec/a_spec.rb", "line_number": HUGE_INT,
                      "run_time": 1.7e308},
                     {"id": "./spec/a_spec.rb[1:2]", "description": "fine",
                      "full_description": "A fine", "status": "failed",
                      "file_path": "./spec/a_spec.rb", "line_number": 3, "run_time": -1,
                      "exception": {"class": "RuntimeError", "message": "boom",
                                    "backtrace": []}}],
        "summary": {"duration": 1.7e308, "example_count": 2, "failure_count": 1,
                    "errors_outside_of_examples_count": HUGE_INT},
        "summary_line": "2 examples, 1 failure",
    }).encode()  # fmt: skip


def _tap() -> bytes:
    return (
        b"TAP version 13\n1..2\nok 1 - huge\n  ---\n  duration_ms: 1.7e308\n  ...\n"
        b"not ok 2 - fine\n  ---\n  message: x\n  duration_ms: -5\n  ...\n"
    )


REPORTS = {
    "junit": _junit,
    "xunit": _xunit,
    "nunit": _nunit,
    "trx": _trx,
    "ctrf": _ctrf,
    "pytest-json": _pytest_json,
    "mocha-json": _mocha_json,
    "rspec-json": _rspec_json,
    "tap": _tap,
}


def _storable(report: Report) -> None:
    """Every number is one an INTEGER/DOUBLE column and JSON can hold."""
    values = [report.duration_s, *(s.duration_s for s in report.suites)]
    for case in report.cases:
        values += [case.duration_s, *(a.duration_s for a in case.attempts)]
        assert case.line is None or 0 <= case.line <= MAX_LINE
        assert case.executions <= MAX_ATTEMPTS + 1
    for value in values:
        assert value is None or 0 <= value <= MAX_DURATION_S
    for suite in report.suites:
        assert suite.declared_tests is None or suite.declared_tests < 2**63
    json.dumps(report.counts.as_dict(), allow_nan=False)


@pytest.mark.parametrize("fmt", sorted(REPORTS))
def test_hostile_numbers_are_dropped_with_a_warning_and_the_cases_kept(fmt: str) -> None:
    report = parse_report(REPORTS[fmt](), path=f"hostile.{fmt}")
    assert report.format == fmt
    assert len(report.cases) >= 2  # every case kept
    names = {case.name.rsplit(" ", 1)[-1].rsplit("::", 1)[-1] for case in report.cases}
    assert {"fine"} <= {n.removeprefix("test_") for n in names}, names
    _storable(report)
    assert any("ignored" in w for w in report.warnings), report.warnings


def test_a_fine_value_next_to_a_hostile_one_is_kept() -> None:
    report = parse_report(_junit(), path="r.xml")
    by_name = {case.name: case for case in report.cases}
    assert by_name["fine"].duration_s == 1.5
    assert by_name["fine"].line == 12
    assert by_name["huge"].duration_s is None
    assert by_name["huge"].line is None
    assert by_name["nan"].line is None  # beyond int32: the column is INTEGER
    assert any(w.startswith("1 line number ignored") or "line numbers ignored" in w
               for w in report.warnings), report.warnings  # fmt: skip


def nul_report() -> bytes:
    """JSON may carry ``\\u0000``, which PostgreSQL cannot store in a text column."""
    return json.dumps({
        "created": 1, "duration": 1, "exitcode": 1, "root": "/r", "summary": {"total": 1},
        "tests": [{"nodeid": "t.py::test_nul\u0000", "lineno": 1, "outcome": "failed",
                   "call": {"outcome": "failed", "duration": 0.1,
                            "longrepr": "E assert b'\u0000' == b''"}}],
    }).encode()  # fmt: skip


def test_nul_characters_are_replaced_with_a_warning() -> None:
    report = parse_report(nul_report(), path="nul.json")
    (case,) = report.cases
    assert case.test_id == "t.py::test_nul\ufffd"
    assert case.trace is not None and "\x00" not in case.trace and "\ufffd" in case.trace
    assert report.warnings == ["4 texts with NUL characters kept with U+FFFD in their place"]
