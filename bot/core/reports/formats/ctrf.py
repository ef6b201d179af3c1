"""CTRF (Common Test Report Format) JSON: ``{"results": {"tool", "summary", "tests"}}``.

Validation follows the CTRF schema for everything that decides a result (required
properties, types, status enums, retry attempts, steps, attachments, labels) and is lenient
where real producers differ from the spec without changing a result: unknown properties
(tools add their own, e.g. ``ai`` or ``rawStatus``), a missing ``reportFormat`` /
``specVersion`` and ``suite`` as a ``"a > b"`` string (CTRF before 1.0), and the analytics
objects ``insights``, ``baseline`` and ``environment``, which are not read.

Mapping: passed → passed; failed → failed; skipped/pending → skipped; other → errored
(unless its ``rawStatus`` says skipped/pending/todo/disabled). ``retries`` and
``retryAttempts`` become attempts; a passed test with ``flaky: true`` or a failed attempt
is flaky. Durations are milliseconds.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.reports.formats._json import (
    JsonObject,
    failure_location,
    get_int,
    get_list,
    get_number,
    get_str,
    head_text,
    load_object,
    ms_to_s,
    require_list,
    require_object,
    workspace_relative,
)
from bot.core.reports.model import (
    MAX_ATTEMPTS,
    MAX_MESSAGE_CHARS,
    MAX_OUTPUT_CHARS,
    MAX_TRACE_CHARS,
    Attempt,
    Outcome,
    Report,
    ReportError,
    Suite,
    TestCase,
    bounded,
    make_test_id,
)

NAME = "ctrf"

STATUSES = {"passed", "failed", "skipped", "pending", "other"}
_SKIP_LIKE_RAW = {"skipped", "pending", "todo", "disabled", "ignored", "skip"}
_SUMMARY_REQUIRED = ("tests", "passed", "failed", "skipped", "pending", "other", "start", "stop")
_SUMMARY_OPTIONAL = ("flaky", "suites", "duration")
_SPEC_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_EXCEPTION = re.compile(r"^\s*([A-Za-z_$][\w$.]*(?:Error|Exception|Failure|Timeout))\b")
_SNIFF_RESULTS = re.compile(r'"results"\s*:\s*\{')


def sniff(head: bytes) -> bool:
    text = head_text(head).lstrip()
    if not text.startswith("{"):
        return False
    if re.search(r'"reportFormat"\s*:\s*"CTRF"', text):
        return True
    return bool(_SNIFF_RESULTS.search(text)) and '"tool"' in text and '"tests"' in text


def parse(data: bytes, *, path: str | None) -> Report:
    doc = load_object(data, path=path)
    _Validator(path).document(doc)
    results: JsonObject = doc["results"]
    report = Report(format=NAME, path=path)
    summary: JsonObject = results["summary"]
    start, stop = get_number(summary, "start"), get_number(summary, "stop")
    duration = get_number(summary, "duration")
    if duration is None and start is not None and stop is not None and stop >= start:
        duration = stop - start
    report.duration_s = ms_to_s(duration)
    suites: dict[str, Suite] = {}
    for test in results["tests"]:
        case = _case(test)
        report.cases.append(case)
        if case.suite and case.suite not in suites:
            suites[case.suite] = Suite(name=case.suite, file=case.file)
    report.suites.extend(suites.values())
    return report


def _suite_name(test: JsonObject) -> str | None:
    suite = test.get("suite")
    if isinstance(suite, str):
        return suite or None
    if isinstance(suite, list) and suite:
        return " > ".join(str(part) for part in suite)
    return None


def _outcome(status: str, raw_status: str | None) -> Outcome:
    if status == "passed":
        return Outcome.PASSED
    if status == "failed":
        return Outcome.FAILED
    if status in ("skipped", "pending"):
        return Outcome.SKIPPED
    if raw_status and raw_status.lower() in _SKIP_LIKE_RAW:
        return Outcome.SKIPPED
    return Outcome.ERRORED


def _case(test: JsonObject) -> TestCase:
    name: str = test["name"]
    status: str = test["status"]
    raw_status = get_str(test, "rawStatus")
    outcome = _outcome(status, raw_status)
    file = workspace_relative(get_str(test, "filePath"))
    suite = _suite_name(test)
    duration = ms_to_s(get_number(test, "duration"))
    message = bounded(get_str(test, "message"), MAX_MESSAGE_CHARS)
    trace = bounded(get_str(test, "trace"), MAX_TRACE_CHARS)
    failure_type = None
    if outcome in (Outcome.FAILED, Outcome.ERRORED):
        failure_type = _exception_name(message) or _exception_name(trace)
    if outcome is Outcome.ERRORED and failure_type is None:
        failure_type = f"CTRF status other ({raw_status})" if raw_status else "CTRF status other"
    if message is None and outcome in (Outcome.FAILED, Outcome.ERRORED):
        first = next((x.strip() for x in (trace or "").splitlines() if x.strip()), None)
        message = first or f"{raw_status or status} (the report gives no message)"
    final = Attempt(outcome, duration, failure_type, message, trace)
    attempts = _attempts(test, final)
    if outcome is Outcome.PASSED and (
        test.get("flaky") is True or any(a.outcome is not Outcome.PASSED for a in attempts)
    ):
        outcome = Outcome.FLAKY
    test_id = make_test_id(file, suite, name)
    classname = suite if file is None else None
    line = get_int(test, "line")
    if outcome in (Outcome.FAILED, Outcome.ERRORED):
        file, line = failure_location(file, line, trace)
    stable_id = get_str(test, "testId")
    properties = {"ctrf.testId": stable_id} if stable_id else {}
    return TestCase(
        test_id=test_id,
        name=name,
        outcome=outcome,
        classname=classname,
        suite=suite,
        file=file,
        line=line,
        duration_s=duration,
        failure_type=failure_type if outcome is not Outcome.FLAKY else None,
        message=message,
        trace=trace,
        stdout=_joined(test, "stdout"),
        stderr=_joined(test, "stderr"),
        attempts=attempts,
        properties=properties,
    )


def _exception_name(text: str | None) -> str | None:
    """``AssertionError`` from ``AssertionError: …`` (a message or a trace's first line)."""
    match = _EXCEPTION.match(text or "")
    return match.group(1) if match else None


def _joined(test: JsonObject, key: str) -> str | None:
    lines = [line for line in get_list(test, key) if isinstance(line, str)]
    return bounded("\n".join(lines), MAX_OUTPUT_CHARS) if lines else None


def _attempts(test: JsonObject, final: Attempt) -> tuple[Attempt, ...]:
    """Every execution, oldest first, the final one last; () when the test ran once."""
    retries = min(max(get_int(test, "retries") or 0, 0), MAX_ATTEMPTS)
    recorded: list[Attempt] = []
    for item in get_list(test, "retryAttempts"):
        status = item["status"]
        recorded.append(
            Attempt(
                _outcome(status, None),
                ms_to_s(get_number(item, "duration")),
                None,
                bounded(get_str(item, "message"), MAX_MESSAGE_CHARS),
                bounded(get_str(item, "trace"), MAX_TRACE_CHARS),
            )
        )
    # Producers differ: some list the final run among retryAttempts, some only the retries.
    if recorded and len(recorded) == retries + 1:
        recorded[-1] = final
    else:
        missing = max(0, retries - len(recorded))
        recorded.extend(Attempt(Outcome.FAILED) for _ in range(missing))
        if recorded:
            recorded.append(final)
    return tuple(recorded)


class _Validator:
    """The result-relevant part of the CTRF schema; raises ReportError on violation."""

    def __init__(self, path: str | None) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> ReportError:
        return ReportError(f"invalid CTRF: {where} {problem}", path=self.path)

    def string(self, obj: JsonObject, key: str, where: str, *, required: bool = False) -> None:
        if key not in obj:
            if required:
                raise self.fail(where, f"is missing required property {key!r}")
            return
        value = obj[key]
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "must be a string")
        if (required or key.endswith("Id") or key == "id") and not value:
            raise self.fail(f"{where}.{key}", "must not be empty")

    def integer(self, obj: JsonObject, key: str, where: str, *, required: bool = False) -> None:
        if key not in obj:
            if required:
                raise self.fail(where, f"is missing required property {key!r}")
            return
        value = obj[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where}.{key}", "must be a number")

    def status(self, obj: JsonObject, where: str) -> None:
        self.string(obj, "status", where, required=True)
        if obj["status"] not in STATUSES:
            raise self.fail(f"{where}.status", f"must be one of {sorted(STATUSES)}")

    def typed(self, obj: JsonObject, key: str, kind: type, where: str) -> Any:
        value = obj.get(key)
        if key in obj and not isinstance(value, kind):
            raise self.fail(
                f"{where}.{key}", f"must be {'an array' if kind is list else 'an object'}"
            )
        return value

    def string_list(
        self, obj: JsonObject, key: str, where: str, *, non_empty: bool = False
    ) -> None:
        values = self.typed(obj, key, list, where)
        if values is None:
            return
        if non_empty and not values:
            raise self.fail(f"{where}.{key}", "must not be empty")
        if not all(isinstance(v, str) for v in values):
            raise self.fail(f"{where}.{key}", "must hold only strings")

    def document(self, doc: JsonObject) -> None:
        if "reportFormat" in doc and doc["reportFormat"] != "CTRF":
            raise self.fail("reportFormat", 'must be "CTRF"')
        if "specVersion" in doc:
            version = doc["specVersion"]
            if not isinstance(version, str) or not _SPEC_VERSION.match(version):
                raise self.fail("specVersion", "must be a version like 1.0.0")
        for key in ("reportId", "runId", "timestamp", "generatedBy"):
            self.string(doc, key, "document")
        self.typed(doc, "extra", dict, "document")
        if "results" not in doc:
            raise ReportError("not a test report: no CTRF results", path=self.path)
        results = require_object(doc["results"], "results", path=self.path)
        tool = require_object(results.get("tool"), "results.tool", path=self.path)
        self.string(tool, "name", "tool", required=True)
        self.string(tool, "version", "tool")
        summary = require_object(results.get("summary"), "results.summary", path=self.path)
        for key in _SUMMARY_REQUIRED:
            self.integer(summary, key, "summary", required=True)
        for key in _SUMMARY_OPTIONAL:
            self.integer(summary, key, "summary")
        tests = require_list(results.get("tests"), "results.tests", path=self.path)
        for index, test in enumerate(tests):
            self.test(test, f"tests[{index}]")

    def test(self, test: Any, where: str) -> None:
        if not isinstance(test, dict):
            raise self.fail(where, "must be an object")
        self.string(test, "name", where, required=True)
        self.status(test, where)
        self.integer(test, "duration", where, required=True)
        for key in ("id", "testId", "executionId", "message", "trace", "filePath", "rawStatus"):
            self.string(test, key, where)
        for key in ("start", "stop", "line", "retries"):
            self.integer(test, key, where)
        if "flaky" in test and not isinstance(test["flaky"], bool):
            raise self.fail(f"{where}.flaky", "must be a boolean")
        if not isinstance(test.get("suite"), str):  # a string is legacy CTRF, accepted
            self.string_list(test, "suite", where, non_empty=True)
        for key in ("tags", "stdout", "stderr"):
            self.string_list(test, key, where)
        self.labels(test, where)
        for key in ("parameters", "insights", "extra"):
            self.typed(test, key, dict, where)
        for index, attempt in enumerate(self.typed(test, "retryAttempts", list, where) or []):
            self.attempt(attempt, f"{where}.retryAttempts[{index}]")
        for index, step in enumerate(self.typed(test, "steps", list, where) or []):
            if not isinstance(step, dict):
                raise self.fail(f"{where}.steps[{index}]", "must be an object")
            self.string(step, "name", f"{where}.steps[{index}]", required=True)
            self.status(step, f"{where}.steps[{index}]")
        self.attachments(test, where)

    def attempt(self, attempt: Any, where: str) -> None:
        if not isinstance(attempt, dict):
            raise self.fail(where, "must be an object")
        number = attempt.get("attempt")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise self.fail(f"{where}.attempt", "must be an integer of at least 1")
        self.status(attempt, where)
        self.string(attempt, "attemptId", where)
        self.integer(attempt, "duration", where)
        self.attachments(attempt, where)

    def attachments(self, obj: JsonObject, where: str) -> None:
        for index, item in enumerate(self.typed(obj, "attachments", list, where) or []):
            here = f"{where}.attachments[{index}]"
            if not isinstance(item, dict):
                raise self.fail(here, "must be an object")
            for key in ("name", "contentType", "path"):
                self.string(item, key, here, required=True)
            self.string(item, "attachmentId", here)

    def labels(self, test: JsonObject, where: str) -> None:
        labels = self.typed(test, "labels", dict, where)
        for key, value in (labels or {}).items():
            values = value if isinstance(value, list) else [value]
            if isinstance(value, list) and not value:
                raise self.fail(f"{where}.labels.{key}", "must not be an empty array")
            if not all(isinstance(v, str | int | float) for v in values):  # bool is an int
                raise self.fail(f"{where}.labels.{key}", "must be strings, numbers or booleans")
