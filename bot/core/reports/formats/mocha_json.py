"""Mocha's JSON reporter (``mocha --reporter json``): ``{"stats", "tests", "passes",
"failures", "pending"}``.

``tests`` lists every test that ran; a test is skipped when it is in ``pending`` (or has
``pending: true``), failed when it is in ``failures`` or carries an ``err``, else passed.
A failing hook (``"before all" hook for …``) appears only in ``failures`` and becomes an
errored case. ``currentRetry`` (``this.retries(n)``) gives the attempts: a test that passed
on a retry is flaky. Durations are milliseconds. Id: file + fullTitle.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from bot.core.reports.common import line_number
from bot.core.reports.formats._json import (
    JsonObject,
    failure_location,
    get_int,
    get_number,
    get_object,
    get_str,
    head_text,
    load_object,
    ms_to_s,
    require_list,
    workspace_relative,
)
from bot.core.reports.model import (
    MAX_ATTEMPTS,
    MAX_MESSAGE_CHARS,
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

NAME = "mocha-json"

_HOOK = re.compile(r'^"(?:before|after) (?:all|each)" hook')
_STACK_FRAME = re.compile(r"\(?((?:[A-Za-z]:)?[^\s():]+):(\d+):\d+\)?\s*$")


def sniff(head: bytes) -> bool:
    text = head_text(head).lstrip()
    if not text.startswith("{") or not re.search(r'"stats"\s*:\s*\{', text):
        return False
    return '"passes"' in text or '"failures"' in text or '"fullTitle"' in text


def _key(test: JsonObject) -> tuple[str | None, str | None]:
    return get_str(test, "file"), get_str(test, "fullTitle")


def _entries(doc: JsonObject, key: str, path: str | None) -> list[JsonObject]:
    if key not in doc:
        return []
    values: list[Any] = require_list(doc[key], key, path=path)
    return [v for v in values if isinstance(v, dict)]


def parse(data: bytes, *, path: str | None) -> Report:
    doc = load_object(data, path=path)
    stats = get_object(doc, "stats")
    if stats is None or "tests" not in doc:
        raise ReportError("not a test report: no mocha stats/tests", path=path)
    tests = _entries(doc, "tests", path)
    failures = _entries(doc, "failures", path)
    failed = Counter(_key(t) for t in failures)
    pending = Counter(_key(t) for t in _entries(doc, "pending", path))
    report = Report(format=NAME, path=path, duration_s=ms_to_s(get_number(stats, "duration")))
    for test in tests:
        key = _key(test)
        if test.get("pending") is True or pending[key] > 0:
            pending[key] -= 1
            outcome = Outcome.SKIPPED
        elif failed[key] > 0 or _has_error(test):
            failed[key] -= 1
            outcome = Outcome.FAILED
        else:
            outcome = Outcome.PASSED
        report.cases.append(_case(test, outcome))
    for failure in failures:  # failing hooks are not among the tests
        if failed[_key(failure)] > 0:
            failed[_key(failure)] -= 1
            report.cases.append(_case(failure, Outcome.ERRORED))
    suites: dict[str, Suite] = {}
    for case in report.cases:
        name = case.suite or case.file or ""
        if name not in suites:
            suites[name] = Suite(name=name, file=case.file)
    report.suites.extend(suites.values())
    return report


def _has_error(test: JsonObject) -> bool:
    err = get_object(test, "err") or {}
    return "message" in err or "stack" in err


def _failure_type(err: JsonObject) -> str:
    name = get_str(err, "name")
    if name:
        return name
    code = get_str(err, "code")
    if code == "ERR_MOCHA_TIMEOUT":
        return "Timeout"
    stack = get_str(err, "stack") or ""
    match = re.match(r"^([A-Za-z_$][\w$.]*(?:Error|Exception))\b", stack)
    return match.group(1) if match else (code or "Error")


def _location(stack: str | None, file: str | None) -> int | None:
    if not stack or not file:
        return None
    base = file.replace("\\", "/").rsplit("/", 1)[-1]
    for line in stack.splitlines()[1:]:
        match = _STACK_FRAME.search(line.strip())
        if match and match.group(1).replace("\\", "/").endswith(base):
            return line_number(match.group(2))
    return None


def _case(test: JsonObject, outcome: Outcome) -> TestCase:
    title = get_str(test, "title") or get_str(test, "fullTitle") or "<unnamed test>"
    full_title = get_str(test, "fullTitle") or title
    raw_file = get_str(test, "file")
    file = workspace_relative(raw_file.replace("\\", "/") if raw_file else None)
    suite = full_title[: -len(title)].strip() if full_title.endswith(title) else None
    if outcome is Outcome.ERRORED and _HOOK.match(title):
        suite = suite or None
    duration = ms_to_s(get_number(test, "duration"))
    err = get_object(test, "err") or {}
    failing = outcome in (Outcome.FAILED, Outcome.ERRORED)
    message = bounded(get_str(err, "message"), MAX_MESSAGE_CHARS) if failing else None
    stack = get_str(err, "stack") if failing else None
    failure_type = _failure_type(err) if failing else None
    retries = min(get_int(test, "currentRetry") or 0, MAX_ATTEMPTS)
    attempts: tuple[Attempt, ...] = ()
    if retries > 0:
        final = Attempt(outcome, duration, failure_type, message, bounded(stack, MAX_TRACE_CHARS))
        attempts = (*(Attempt(Outcome.FAILED) for _ in range(retries)), final)
        if outcome is Outcome.PASSED:
            outcome = Outcome.FLAKY
    return TestCase(
        test_id=make_test_id(file, None, full_title),
        name=title,
        outcome=outcome,
        suite=suite or None,
        file=file,
        line=_location(stack, file) or failure_location(file, None, stack)[1],
        duration_s=duration,
        failure_type=failure_type,
        message=message,
        trace=bounded(stack, MAX_TRACE_CHARS),
        attempts=attempts,
    )
