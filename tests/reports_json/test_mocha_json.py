from __future__ import annotations

from typing import Any

from bot.core.reports.formats import mocha_json
from bot.core.reports.model import Outcome

from .conftest import dumps

FILE = "/home/runner/work/web/web/test/api.spec.js"


def t(title: str, suite: str = "API", **extra: Any) -> dict[str, Any]:
    return {"title": title, "fullTitle": f"{suite} {title}", "file": FILE, "duration": 250,
            "currentRetry": 0, "err": {}, **extra}  # fmt: skip


ERR = {
    "name": "AssertionError",
    "message": "expected 500 to equal 200",
    "stack": "AssertionError: expected 500 to equal 200\n"
    "    at Context.<anonymous> (test/api.spec.js:14:23)",
}


def mocha_doc(
    tests: list[dict[str, Any]], failures: list[dict[str, Any]], pending: list[dict[str, Any]]
) -> dict[str, Any]:
    passes = [x for x in tests if x not in failures and x not in pending]
    return {
        "stats": {"suites": 1, "tests": len(tests), "passes": len(passes), "pending": len(pending),
                  "failures": len(failures), "duration": 1200},
        "tests": tests, "passes": passes, "failures": failures, "pending": pending,
    }  # fmt: skip


def test_outcomes_ids_locations_and_milliseconds() -> None:
    ok, bad, todo = t("lists users"), t("creates a user", err=ERR), t("deletes a user")
    report = mocha_json.parse(dumps(mocha_doc([ok, bad, todo], [bad], [todo])), path="m.json")
    assert [c.outcome for c in report.cases] == [Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED]
    failed = report.cases[1]
    assert failed.test_id == "test/api.spec.js::API creates a user"
    assert failed.suite == "API"
    assert failed.failure_type == "AssertionError"
    assert failed.message == "expected 500 to equal 200"
    assert failed.line == 14
    assert failed.duration_s == 0.25
    assert report.duration_s == 1.2


def test_failing_hook_is_an_errored_case() -> None:
    hook = t(
        '"before all" hook for "lists users"', err={"message": "db down", "stack": "Error: db down"}
    )
    report = mocha_json.parse(dumps(mocha_doc([], [hook], [])), path=None)
    [case] = report.cases
    assert case.outcome is Outcome.ERRORED
    assert case.message == "db down"


def test_timeout_gets_a_type() -> None:
    slow = t("is slow", err={"message": "Timeout of 50ms exceeded.", "code": "ERR_MOCHA_TIMEOUT",
                             "stack": "Error: Timeout of 50ms exceeded."})  # fmt: skip
    case = mocha_json.parse(dumps(mocha_doc([slow], [slow], [])), path=None).cases[0]
    assert case.failure_type == "Timeout"


def test_passing_after_retries_is_flaky() -> None:
    retried = t("flaps", currentRetry=2)
    report = mocha_json.parse(dumps(mocha_doc([retried], [], [])), path=None)
    assert report.cases[0].outcome is Outcome.FLAKY
    assert report.counts.total == 3


def test_sniff() -> None:
    assert mocha_json.sniff(dumps(mocha_doc([], [], [])))
    assert not mocha_json.sniff(b'{"stats": 1}')
