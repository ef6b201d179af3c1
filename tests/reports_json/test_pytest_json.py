from __future__ import annotations

from typing import Any

from bot.core.reports.formats import pytest_json
from bot.core.reports.model import Outcome

from .conftest import dumps


def stage(outcome: str, **extra: Any) -> dict[str, Any]:
    return {"duration": 0.25, "outcome": outcome, **extra}


def entry(nodeid: str, outcome: str, **stages: Any) -> dict[str, Any]:
    return {"nodeid": nodeid, "lineno": 9, "outcome": outcome, "keywords": [], **stages}


def report_doc(*tests: dict[str, Any], collectors: Any = ()) -> dict[str, Any]:
    return {
        "created": 1.0, "duration": 2.5, "exitcode": 1, "root": "/home/runner/work/a/a",
        "environment": {}, "summary": {"total": len(tests)},
        "collectors": list(collectors), "tests": list(tests),
    }  # fmt: skip


FAILED_CALL = stage(
    "failed",
    crash={"path": "/x/tests/test_a.py", "lineno": 12, "message": "AssertionError: boom"},
    traceback=[{"path": "tests/test_a.py", "lineno": 12, "message": "AssertionError"}],
    longrepr="def test_b():\n>       assert 0, 'boom'\nE       AssertionError: boom",
    stdout="captured out\n",
)


def test_outcomes_ids_and_details() -> None:
    doc = report_doc(
        entry("tests/test_a.py::test_ok", "passed", setup=stage("passed"), call=stage("passed")),
        entry("tests/test_a.py::TestX::test_b[1-2]", "failed", setup=stage("passed"),
             call=FAILED_CALL, teardown=stage("passed")),
        entry("tests/test_a.py::test_setup", "error", setup=stage("failed", longrepr="E  boom")),
        entry("tests/test_a.py::test_skip", "skipped",
             setup=stage("skipped", longrepr="('tests/test_a.py', 3, 'Skipped: no db')")),
        entry("tests/test_a.py::test_xfail", "xfailed", call=stage("skipped")),
        entry("tests/test_a.py::test_xpass", "xpassed", call=stage("passed")),
    )  # fmt: skip
    report = pytest_json.parse(dumps(doc), path="report.json")
    by_id = {c.test_id: c for c in report.cases}
    failed = by_id["tests/test_a.py::TestX::test_b[1-2]"]
    assert failed.outcome is Outcome.FAILED
    assert (failed.file, failed.classname, failed.name) == (
        "tests/test_a.py",
        "TestX",
        "test_b[1-2]",
    )
    assert failed.line == 10  # the report's lineno is 0-based
    assert failed.failure_type == "AssertionError"
    assert failed.message == "AssertionError: boom"
    assert failed.trace is not None and "assert 0" in failed.trace
    assert failed.stdout == "captured out\n"
    assert failed.duration_s == 0.75
    assert by_id["tests/test_a.py::test_setup"].outcome is Outcome.ERRORED
    assert by_id["tests/test_a.py::test_skip"].message == "Skipped: no db"
    assert by_id["tests/test_a.py::test_xfail"].outcome is Outcome.SKIPPED
    assert by_id["tests/test_a.py::test_xpass"].outcome is Outcome.PASSED
    assert report.counts.as_dict() == {
        "total": 6, "passed": 2, "failed": 1, "errored": 1, "skipped": 2, "flaky": 0,
    }  # fmt: skip


def test_teardown_failure_is_an_error_not_a_pass() -> None:
    doc = report_doc(
        entry("t.py::test_td", "error", setup=stage("passed"), call=stage("passed"),
             teardown=stage("failed", longrepr="E  RuntimeError: leak")),
    )  # fmt: skip
    assert pytest_json.parse(dumps(doc), path=None).cases[0].outcome is Outcome.ERRORED


def test_rerun_that_finally_passed_is_flaky_with_two_attempts() -> None:
    doc = report_doc(entry("t.py::test_f", "rerun", setup=stage("passed"), call=stage("passed")))
    case = pytest_json.parse(dumps(doc), path=None).cases[0]
    assert case.outcome is Outcome.FLAKY
    assert [a.outcome for a in case.attempts] == [Outcome.FAILED, Outcome.PASSED]


def test_rerun_that_still_failed_is_failed() -> None:
    doc = report_doc(entry("t.py::test_f", "rerun", setup=stage("passed"), call=FAILED_CALL))
    case = pytest_json.parse(dumps(doc), path=None).cases[0]
    assert case.outcome is Outcome.FAILED
    assert len(case.attempts) == 2


def test_collection_error_becomes_an_errored_case() -> None:
    collector = {
        "nodeid": "tests/test_broken.py", "outcome": "failed", "result": [],
        "longrepr": "ImportError while importing test module\n"
        "E   ModuleNotFoundError: No module named 'x'",
    }  # fmt: skip
    report = pytest_json.parse(dumps(report_doc(collectors=[collector])), path=None)
    case = report.cases[0]
    assert case.outcome is Outcome.ERRORED
    assert case.test_id == "tests/test_broken.py"
    assert case.message == "ModuleNotFoundError: No module named 'x'"


def test_windows_node_ids_use_forward_slashes() -> None:
    doc = report_doc(entry("tests\\test_w.py::test_a", "passed", call=stage("passed")))
    case = pytest_json.parse(dumps(doc), path=None).cases[0]
    assert case.test_id == "tests/test_w.py::test_a"
    assert case.file == "tests/test_w.py"


def test_sniff() -> None:
    assert pytest_json.sniff(dumps(report_doc()))
    assert not pytest_json.sniff(b'{"results": {"tool": {}, "tests": []}}')


def test_error_without_crash_details_takes_the_last_E_line() -> None:
    doc = report_doc(
        entry("t.py::test_e", "error", setup=stage("failed", longrepr="x\nE   KeyError: 'db'"))
    )
    case = pytest_json.parse(dumps(doc), path=None).cases[0]
    assert case.message == "KeyError: 'db'"
