from __future__ import annotations

from typing import Any

from bot.core.reports.formats import playwright_json, rspec_json
from bot.core.reports.model import Outcome

from .conftest import dumps


def example(description: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "./spec/cart_spec.rb[1:1]", "description": description,
        "full_description": f"Cart {description}", "status": status,
        "file_path": "./spec/cart_spec.rb", "line_number": 5, "run_time": 0.5, **extra,
    }  # fmt: skip


def rspec_doc(*examples: dict[str, Any], outside: int = 0, messages: Any = ()) -> dict[str, Any]:
    return {
        "version": "3.13.0", "messages": list(messages), "examples": list(examples),
        "summary": {"duration": 1.5, "example_count": len(examples),
                    "errors_outside_of_examples_count": outside},
        "summary_line": "",
    }  # fmt: skip


def test_rspec_statuses_ids_and_exceptions() -> None:
    failure = {
        "class": "RSpec::Expectations::ExpectationNotMetError",
        "message": "expected 2, got 3",
        "backtrace": ["/usr/lib/ruby/gems/rspec.rb:1", "./spec/cart_spec.rb:9:in `block'"],
    }
    report = rspec_json.parse(
        dumps(
            rspec_doc(
                example("adds", "passed"),
                example("totals", "failed", exception=failure),
                example("later", "pending", pending_message="not yet"),
            )
        ),
        path=None,
    )
    assert [c.outcome for c in report.cases] == [Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED]
    failed = report.cases[1]
    assert failed.test_id == "spec/cart_spec.rb::Cart totals"
    assert failed.failure_type == "RSpec::Expectations::ExpectationNotMetError"
    assert failed.message == "expected 2, got 3"
    assert failed.line == 9
    assert report.cases[2].message == "not yet"
    assert report.duration_s == 1.5


def test_rspec_load_errors_outside_examples_are_an_errored_case() -> None:
    doc = rspec_doc(outside=1, messages=["An error occurred while loading ./spec/x_spec.rb."])
    [case] = rspec_json.parse(dumps(doc), path=None).cases
    assert case.outcome is Outcome.ERRORED
    assert case.message == "An error occurred while loading ./spec/x_spec.rb."


def result(status: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, "duration": 1000, "retry": 0, "stdout": [], "stderr": [], **extra}


def playwright_doc(*tests: dict[str, Any], errors: Any = ()) -> dict[str, Any]:
    spec = {"title": "checkout", "file": "tests/shop.spec.ts", "line": 8, "tests": list(tests)}
    return {
        "config": {"rootDir": "/home/runner/work/shop/shop", "projects": []},
        "suites": [{"title": "tests/shop.spec.ts", "file": "tests/shop.spec.ts", "specs": [],
                    "suites": [{"title": "Shop", "specs": [spec], "suites": []}]}],
        "errors": list(errors), "stats": {"duration": 4000},
    }  # fmt: skip


def test_playwright_projects_retries_and_statuses() -> None:
    error = {"message": "\x1b[31mTimeoutError: locator.click\x1b[39m", "stack": "at shop:3"}
    report = playwright_json.parse(
        dumps(
            playwright_doc(
                {"projectName": "chromium", "status": "flaky",
                 "results": [result("failed", error=error), result("passed")]},
                {"projectName": "firefox", "status": "unexpected",
                 "results": [result("timedOut", error=error, errorLocation={"line": 11})]},
                {"projectName": "webkit", "status": "skipped", "results": [result("skipped")]},
            )
        ),
        path=None,
    )  # fmt: skip
    flaky, failed, skipped = report.cases
    assert flaky.test_id == "tests/shop.spec.ts::Shop › checkout [chromium]"
    assert flaky.outcome is Outcome.FLAKY
    assert [a.outcome for a in flaky.attempts] == [Outcome.FAILED, Outcome.PASSED]
    assert failed.outcome is Outcome.FAILED
    assert failed.message == "TimeoutError: locator.click"
    assert failed.failure_type == "TimeoutError"
    assert failed.line == 11
    assert skipped.outcome is Outcome.SKIPPED
    assert report.counts.as_dict() == {
        "total": 4, "passed": 0, "failed": 1, "errored": 0, "skipped": 1, "flaky": 1,
    }  # fmt: skip


def test_playwright_global_errors_are_an_errored_case() -> None:
    doc = playwright_doc(errors=[{"message": "Error: global setup failed", "stack": "..."}])
    [case] = playwright_json.parse(dumps(doc), path=None).cases
    assert case.outcome is Outcome.ERRORED
    assert case.message == "Error: global setup failed"


def test_sniffers() -> None:
    assert rspec_json.sniff(dumps(rspec_doc()))
    assert playwright_json.sniff(dumps(playwright_doc()))
    assert not rspec_json.sniff(dumps(playwright_doc()))
    assert not playwright_json.sniff(dumps(rspec_doc()))
