from __future__ import annotations

from typing import Any

from bot.core.reports.formats import dart_json
from bot.core.reports.model import Outcome

from .conftest import json_lines

URL = "file:///home/runner/work/app/app/test/cart_test.dart"


def start(
    test_id: int, name: str, *, hidden_loader: bool = False, line: int | None = 7
) -> dict[str, Any]:
    return {"type": "testStart", "time": 10 * test_id, "test": {
        "id": test_id, "name": name, "suiteID": 0, "groupIDs": [],
        "metadata": {"skip": False, "skipReason": None},
        "line": None if hidden_loader else line,
        "url": None if hidden_loader else URL}}  # fmt: skip


def done(
    test_id: int, result: str, *, skipped: bool = False, hidden: bool = False
) -> dict[str, Any]:
    return {"type": "testDone", "testID": test_id, "result": result, "skipped": skipped,
            "hidden": hidden, "time": 10 * test_id + 5}  # fmt: skip


HEADER = (
    {"protocolVersion": "0.1.1", "type": "start", "time": 0},
    {
        "type": "suite",
        "suite": {
            "id": 0,
            "platform": "vm",
            "path": "/home/runner/work/app/app/test/cart_test.dart",
        },
    },
)


def test_results_errors_and_prints() -> None:
    data = json_lines(
        *HEADER,
        start(1, "loading test/cart_test.dart", hidden_loader=True),
        done(1, "success", hidden=True),
        start(2, "Cart adds items"), done(2, "success"),
        start(3, "Cart totals"),
        {"type": "print", "testID": 3, "message": "total=3", "messageType": "print"},
        {"type": "error", "testID": 3, "error": "Expected: <4>\n  Actual: <3>\n",
         "stackTrace": "package:test_api  expect\ntest/cart_test.dart 12:5  main.<fn>",
         "isFailure": True},
        done(3, "failure"),
        start(4, "Cart throws"),
        {"type": "error", "testID": 4, "error": "StateError: empty", "stackTrace": "",
         "isFailure": False},
        done(4, "error"),
        start(5, "Cart later"), done(5, "success", skipped=True),
        start(6, "Cart never finishes"),
        {"type": "done", "success": False, "time": 2500},
    )  # fmt: skip
    report = dart_json.parse(data, path=None)
    outcomes = [c.outcome for c in report.cases]
    assert outcomes == [
        Outcome.PASSED,
        Outcome.FAILED,
        Outcome.ERRORED,
        Outcome.SKIPPED,
        Outcome.ERRORED,
    ]
    failed = report.cases[1]
    assert failed.test_id == "test/cart_test.dart::Cart totals"
    assert failed.failure_type == "TestFailure"
    assert failed.message == "Expected: <4>\n  Actual: <3>\n"
    assert failed.stdout == "total=3"
    assert failed.line == 7
    assert failed.duration_s == 0.005
    assert report.cases[2].failure_type == "StateError"
    assert report.duration_s == 2.5


def test_a_file_that_fails_to_load_is_an_errored_case() -> None:
    data = json_lines(
        *HEADER,
        start(1, "loading test/cart_test.dart", hidden_loader=True),
        {"type": "error", "testID": 1, "error": "Failed to load: syntax error",
         "stackTrace": "", "isFailure": False},
        done(1, "error", hidden=True),
    )  # fmt: skip
    [case] = dart_json.parse(data, path=None).cases
    assert case.outcome is Outcome.ERRORED
    assert case.message == "Failed to load: syntax error"


def test_sniff() -> None:
    assert dart_json.sniff(json_lines(*HEADER))
    assert not dart_json.sniff(json_lines({"Action": "run", "Package": "x"}))
