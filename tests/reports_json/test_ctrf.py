from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.core.reports.formats import ctrf
from bot.core.reports.model import Outcome, ReportError

from .conftest import dumps

SUMMARY = {
    "tests": 0, "passed": 0, "failed": 0, "pending": 0, "skipped": 0, "other": 0,
    "start": 1_000, "stop": 3_500,
}  # fmt: skip


def doc(*tests: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "reportFormat": "CTRF",
        "specVersion": "1.0.0",
        "results": {"tool": {"name": "jest"}, "summary": dict(SUMMARY), "tests": list(tests)},
        **extra,
    }


def test_statuses_map_to_outcomes_and_durations_are_seconds() -> None:
    report = ctrf.parse(
        dumps(
            doc(
                {"name": "a", "status": "passed", "duration": 1500},
                {"name": "b", "status": "failed", "duration": 10, "message": "AssertionError: x"},
                {"name": "c", "status": "skipped", "duration": 0},
                {"name": "d", "status": "pending", "duration": 0},
                {"name": "e", "status": "other", "duration": 0, "rawStatus": "timedOut"},
                {"name": "f", "status": "other", "duration": 0, "rawStatus": "disabled"},
            )
        ),
        path="ctrf.json",
    )
    outcomes = [c.outcome for c in report.cases]
    assert outcomes == [
        Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED, Outcome.SKIPPED,
        Outcome.ERRORED, Outcome.SKIPPED,
    ]  # fmt: skip
    assert report.cases[0].duration_s == 1.5
    assert report.cases[1].failure_type == "AssertionError"
    assert report.duration_s == 2.5
    assert report.format == "ctrf"


def test_test_id_is_file_suite_and_name_with_the_workspace_stripped() -> None:
    report = ctrf.parse(
        dumps(
            doc(
                {
                    "name": "logs in",
                    "status": "failed",
                    "duration": 5,
                    "filePath": "/home/runner/work/app/app/tests/login.spec.ts",
                    "suite": ["Auth", "Login"],
                    "trace": "Error: boom\n    at Object.<anonymous> (tests/login.spec.ts:12:5)",
                    "stdout": ["one", "two"],
                }
            )
        ),
        path=None,
    )
    case = report.cases[0]
    assert case.test_id == "tests/login.spec.ts::Auth > Login::logs in"
    assert case.file == "tests/login.spec.ts"
    assert case.line == 12
    assert case.stdout == "one\ntwo"
    assert [s.name for s in report.suites] == ["Auth > Login"]


def test_retry_attempts_that_include_the_final_run_make_a_flaky_case() -> None:
    test = {
        "name": "flaky", "status": "passed", "duration": 30, "flaky": True, "retries": 2,
        "retryAttempts": [
            {"attempt": 1, "status": "failed", "duration": 10, "message": "timeout"},
            {"attempt": 2, "status": "failed", "duration": 10},
            {"attempt": 3, "status": "passed", "duration": 10},
        ],
    }  # fmt: skip
    report = ctrf.parse(dumps(doc(test)), path=None)
    case = report.cases[0]
    assert case.outcome is Outcome.FLAKY
    assert [a.outcome for a in case.attempts] == [Outcome.FAILED, Outcome.FAILED, Outcome.PASSED]
    assert case.attempts[0].message == "timeout"
    assert report.counts.as_dict() == {
        "total": 3, "passed": 0, "failed": 0, "errored": 0, "skipped": 0, "flaky": 1,
    }  # fmt: skip


def test_retry_attempts_without_the_final_run_get_it_appended() -> None:
    test = {
        "name": "t", "status": "passed", "duration": 3, "retries": 1,
        "retryAttempts": [{"attempt": 1, "status": "failed", "duration": 1}],
    }  # fmt: skip
    case = ctrf.parse(dumps(doc(test)), path=None).cases[0]
    assert [a.outcome for a in case.attempts] == [Outcome.FAILED, Outcome.PASSED]
    assert case.outcome is Outcome.FLAKY


def test_retries_without_details_and_a_final_failure_stay_failed() -> None:
    test = {"name": "t", "status": "failed", "duration": 3, "retries": 2}
    report = ctrf.parse(dumps(doc(test)), path=None)
    assert report.cases[0].outcome is Outcome.FAILED
    assert report.counts.total == 3
    assert report.counts.failed == 1


def test_legacy_ctrf_without_report_format_and_with_a_string_suite_parses() -> None:
    legacy = doc({"name": "t", "status": "passed", "duration": 1, "suite": "a.test.ts > A"})
    del legacy["reportFormat"], legacy["specVersion"]
    case = ctrf.parse(dumps(legacy), path=None).cases[0]
    assert case.suite == "a.test.ts > A"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["results"].pop("tests"), "results.tests must be an array"),
        (lambda d: d["results"]["tests"].append({"status": "passed", "duration": 1}), "name"),
        (lambda d: d["results"]["tests"].append({"name": "x", "status": "ok", "duration": 1}),
         "status must be one of"),
        (lambda d: d["results"]["summary"].pop("passed"), "'passed'"),
        (lambda d: d.update(reportFormat="JUnit"), "reportFormat"),
        (lambda d: d["results"]["tests"].append(
            {"name": "x", "status": "passed", "duration": 1,
             "retryAttempts": [{"attempt": 0, "status": "failed"}]}), "attempt"),
    ],
)  # fmt: skip
def test_documents_that_break_the_schema_are_rejected(mutate: Any, expected: str) -> None:
    bad = copy.deepcopy(doc({"name": "ok", "status": "passed", "duration": 1}))
    mutate(bad)
    with pytest.raises(ReportError, match=expected) as info:
        ctrf.parse(dumps(bad), path="bad.json")
    assert str(info.value).startswith("bad.json: ")


def test_sniff_is_specific() -> None:
    assert ctrf.sniff(dumps(doc()))
    assert not ctrf.sniff(b'{"name": "my-package", "version": "1.0.0", "tests": []}')
    assert not ctrf.sniff(b"<testsuites/>")
