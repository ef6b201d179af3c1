"""Dart / Flutter ``--reporter json`` (``--file-reporter json:…``): JSON lines of events.

Cases are ``testStart`` events that are not hidden; ``testDone`` decides: success →
passed (skipped → skipped), failure → failed, error → errored. A hidden "loading …" test
that fails means the file could not load: it becomes an errored case. A test without
``testDone`` (the run was cut) is errored. ``error`` events give message and stack;
``print`` events the output. Lines that are not objects (``flutter test --machine``
wraps some events in arrays) are ignored. Id: the suite's file + the test name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.reports.formats._json import (
    JsonObject,
    get_int,
    get_object,
    get_str,
    head_text,
    iter_json_lines,
    workspace_relative,
)
from bot.core.reports.model import (
    MAX_MESSAGE_CHARS,
    MAX_OUTPUT_CHARS,
    MAX_TRACE_CHARS,
    Outcome,
    Report,
    ReportError,
    Suite,
    TestCase,
    bounded,
    make_test_id,
)

NAME = "dart-json"

_SNIFF = re.compile(r'"type"\s*:\s*"(?:testStart|suite|allSuites|testDone)"')
_MAX_PRINT_LINES = 2_000


def sniff(head: bytes) -> bool:
    text = head_text(head).lstrip()
    return text.startswith("{") and bool(_SNIFF.search(text)) and '"protocolVersion"' in text


@dataclass(slots=True)
class _Test:
    name: str
    suite_id: int | None
    hidden: bool = False
    line: int | None = None
    url: str | None = None
    skip_reason: str | None = None
    result: str | None = None
    skipped: bool = False
    errors: list[tuple[str, str, bool]] = field(default_factory=list)
    prints: list[str] = field(default_factory=list)
    start_ms: int | None = None
    end_ms: int | None = None


def parse(data: bytes, *, path: str | None) -> Report:
    suites: dict[int, str] = {}
    tests: dict[int, _Test] = {}
    end_ms: int | None = None
    saw_protocol = False
    for _number, event, _raw in iter_json_lines(data, path=path):
        if event is None:
            continue
        kind = get_str(event, "type")
        if kind == "start" or kind == "suite" or kind == "testStart":
            saw_protocol = True
        if kind == "suite":
            suite = get_object(event, "suite") or {}
            suite_id = get_int(suite, "id")
            if suite_id is not None:
                suites[suite_id] = get_str(suite, "path") or ""
        elif kind == "testStart":
            _start(event, tests)
        elif kind in ("testDone", "error", "print"):
            test_number = get_int(event, "testID")
            test = tests.get(test_number) if test_number is not None else None
            if test is not None:
                _update(test, kind, event)
        elif kind == "done":
            end_ms = get_int(event, "time")
    if not saw_protocol:
        raise ReportError("not a test report: no Dart JSON reporter events", path=path)
    report = Report(format=NAME, path=path)
    report.duration_s = None if end_ms is None else end_ms / 1000.0
    for suite_path in suites.values():
        file = _relative(suite_path)
        report.suites.append(Suite(name=file or suite_path, file=file))
    for test in tests.values():
        if test.hidden and not (test.result in ("failure", "error") or test.errors):
            continue
        test_suite = suites.get(test.suite_id) if test.suite_id is not None else None
        report.cases.append(_case(test, test_suite))
    return report


def _start(event: JsonObject, tests: dict[int, _Test]) -> None:
    info = get_object(event, "test") or {}
    test_id = get_int(info, "id")
    if test_id is None:
        return
    metadata = get_object(info, "metadata") or {}
    tests[test_id] = _Test(
        name=get_str(info, "name") or f"test {test_id}",
        suite_id=get_int(info, "suiteID"),
        line=get_int(info, "root_line") or get_int(info, "line"),
        url=get_str(info, "root_url") or get_str(info, "url"),
        skip_reason=get_str(metadata, "skipReason"),
        start_ms=get_int(event, "time"),
    )


def _update(test: _Test, kind: str, event: JsonObject) -> None:
    if kind == "testDone":
        test.result = get_str(event, "result") or "error"
        test.skipped = event.get("skipped") is True
        test.hidden = event.get("hidden") is True
        test.end_ms = get_int(event, "time")
    elif kind == "error":
        error = get_str(event, "error") or ""
        stack = get_str(event, "stackTrace") or ""
        test.errors.append((error, stack, event.get("isFailure") is True))
    elif len(test.prints) < _MAX_PRINT_LINES:
        test.prints.append(get_str(event, "message") or "")


def _relative(suite_path: str | None) -> str | None:
    if not suite_path:
        return None
    return workspace_relative(suite_path.replace("\\", "/"))


def _case(test: _Test, suite_path: str | None) -> TestCase:
    file = _relative(suite_path)
    if test.result is None:
        outcome = Outcome.ERRORED
    elif test.result == "success":
        outcome = Outcome.SKIPPED if test.skipped else Outcome.PASSED
    elif test.result == "failure":
        outcome = Outcome.FAILED
    else:
        outcome = Outcome.ERRORED
    message: str | None = None
    trace: str | None = None
    failure_type: str | None = None
    if outcome in (Outcome.FAILED, Outcome.ERRORED):
        if test.errors:
            error, _stack, is_failure = test.errors[0]
            message = error
            trace = "\n\n".join(f"{e}\n{s}".strip() for e, s, _ in test.errors)
            failure_type = "TestFailure" if is_failure else _exception_name(error)
        else:
            message = "the test did not finish" if test.result is None else test.result
    elif outcome is Outcome.SKIPPED:
        message = test.skip_reason
    duration = None
    if test.start_ms is not None and test.end_ms is not None and test.end_ms >= test.start_ms:
        duration = (test.end_ms - test.start_ms) / 1000.0
    line = test.line if test.url and file and test.url.endswith(file.rsplit("/", 1)[-1]) else None
    output = "\n".join(test.prints)
    return TestCase(
        test_id=make_test_id(file, None, test.name),
        name=test.name,
        outcome=outcome,
        suite=file,
        file=file,
        line=line,
        duration_s=duration,
        failure_type=failure_type,
        message=bounded(message, MAX_MESSAGE_CHARS),
        trace=bounded(trace, MAX_TRACE_CHARS),
        stdout=bounded(output, MAX_OUTPUT_CHARS) if output else None,
    )


def _exception_name(error: str) -> str:
    match = re.match(r"^([A-Za-z_$][\w$]*(?:Exception|Error))\b", error)
    return match.group(1) if match else "Error"
