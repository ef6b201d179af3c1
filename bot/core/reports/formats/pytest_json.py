"""pytest-json-report (``pytest --json-report``): ``{"created", "exitcode", "root",
"summary", "collectors", "tests"}``.

Mapping: passed/xpassed → passed; failed → failed; error (a failing setup or teardown) →
errored; skipped/xfailed → skipped. A failed collector (an import error) becomes one
errored case named after the collector. With pytest-rerunfailures the plugin keeps one
entry per test whose outcome is ``rerun``; its stage reports are those of the last run, so
a rerun whose stages all passed is flaky (one failed attempt, then the passing one), and
otherwise it failed after one retry — the report does not say how many reruns there were.
The test id is the pytest node id unchanged; ``line`` is the 1-based line of the test
function (the report's ``lineno`` is 0-based).
"""

from __future__ import annotations

import re

from bot.core.reports.formats._json import (
    JsonObject,
    get_int,
    get_list,
    get_number,
    get_object,
    get_str,
    head_text,
    load_object,
    require_list,
    workspace_relative,
)
from bot.core.reports.model import (
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
)

NAME = "pytest-json"

_OUTCOMES = {
    "passed": Outcome.PASSED,
    "xpassed": Outcome.PASSED,
    "failed": Outcome.FAILED,
    "error": Outcome.ERRORED,
    "skipped": Outcome.SKIPPED,
    "xfailed": Outcome.SKIPPED,
}
_STAGES = ("setup", "call", "teardown")
_EXCEPTION_NAME = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failed)\b")


def sniff(head: bytes) -> bool:
    text = head_text(head).lstrip()
    if not text.startswith("{"):
        return False
    return '"exitcode"' in text and '"root"' in text and ('"summary"' in text or '"tests"' in text)


def parse(data: bytes, *, path: str | None) -> Report:
    doc = load_object(data, path=path)
    if "tests" not in doc or not ("summary" in doc or "exitcode" in doc):
        raise ReportError("not a test report: no pytest-json-report tests/summary", path=path)
    tests = require_list(doc["tests"], "tests", path=path)
    report = Report(format=NAME, path=path, duration_s=get_number(doc, "duration"))
    for collector in get_list(doc, "collectors"):
        if isinstance(collector, dict) and collector.get("outcome") == "failed":
            report.cases.append(_collection_error(collector))
    for test in tests:
        if not isinstance(test, dict) or not isinstance(test.get("nodeid"), str):
            raise ReportError("not a test report: a test without a nodeid", path=path)
        report.cases.append(_case(test))
    files: dict[str, Suite] = {}
    for case in report.cases:
        if case.file and case.file not in files:
            files[case.file] = Suite(name=case.file, file=case.file)
    report.suites.extend(files.values())
    return report


def _split_nodeid(nodeid: str) -> tuple[str | None, str | None, str]:
    parts = nodeid.split("::")
    if len(parts) == 1:
        return None, None, nodeid
    classname = "::".join(parts[1:-1]) or None
    return parts[0].replace("\\", "/"), classname, parts[-1]


def _failure_type(stage: JsonObject) -> str | None:
    frames = [f for f in get_list(stage, "traceback") if isinstance(f, dict)]
    if frames and (name := get_str(frames[-1], "message")) and _EXCEPTION_NAME.match(name):
        return name
    crash = get_object(stage, "crash") or {}
    match = _EXCEPTION_NAME.match(get_str(crash, "message") or "")
    return match.group(0) if match else None


def _longrepr(stage: JsonObject) -> str | None:
    value = stage.get("longrepr")
    if isinstance(value, str):
        return value
    return None if value is None else str(value)


def _case(test: JsonObject) -> TestCase:
    nodeid: str = test["nodeid"]
    file, classname, name = _split_nodeid(nodeid)
    raw = get_str(test, "outcome") or "failed"
    stages = [s for s in (get_object(test, k) for k in _STAGES) if s is not None]
    failing = next((s for s in stages if s.get("outcome") == "failed"), None)
    duration = sum(get_number(s, "duration") or 0.0 for s in stages) if stages else None
    if raw == "rerun":
        outcome = Outcome.PASSED if failing is None else Outcome.FAILED
        if failing is not None and failing is not get_object(test, "call"):
            outcome = Outcome.ERRORED
    else:
        outcome = _OUTCOMES.get(raw, Outcome.ERRORED)
    detail = failing if outcome in (Outcome.FAILED, Outcome.ERRORED) else None
    if outcome is Outcome.SKIPPED:
        detail = next((s for s in stages if s.get("outcome") == "skipped"), None)
    crash = get_object(detail, "crash") if detail else None
    message = get_str(crash, "message") if crash else None
    trace = _longrepr(detail) if detail else None
    if message is None and outcome is Outcome.SKIPPED and trace:
        message, trace = _skip_reason(trace), None
    failure_type = _failure_type(detail) if detail and outcome is not Outcome.SKIPPED else None
    if message is None and outcome in (Outcome.FAILED, Outcome.ERRORED):
        lines = [x[1:].strip() for x in (trace or "").splitlines() if x.startswith("E ")]
        message = lines[-1] if lines else f"{raw} (the report gives no details)"
    attempts: tuple[Attempt, ...] = ()
    final = Attempt(
        outcome,
        duration,
        failure_type,
        bounded(message, MAX_MESSAGE_CHARS),
        bounded(trace, MAX_TRACE_CHARS),
    )
    if raw == "rerun":
        attempts = (Attempt(Outcome.FAILED), final)
        if outcome is Outcome.PASSED:
            outcome = Outcome.FLAKY
    lineno = get_int(test, "lineno")
    return TestCase(
        test_id=nodeid.replace("\\", "/") if file else nodeid,
        name=name,
        outcome=outcome,
        classname=classname,
        suite=file,
        file=workspace_relative(file),
        line=None if lineno is None else lineno + 1,
        duration_s=duration,
        failure_type=failure_type,
        message=final.message,
        trace=final.trace,
        stdout=_captured(stages, "stdout"),
        stderr=_captured(stages, "stderr"),
        attempts=attempts,
    )


def _skip_reason(longrepr: str) -> str:
    """``('file.py', 47, 'Skipped: reason')`` → ``Skipped: reason``."""
    match = re.match(r"""^\(.*,\s*\d+,\s*(['"])(.*)\1\)$""", longrepr, re.DOTALL)
    return match.group(2) if match else longrepr


def _captured(stages: list[JsonObject], key: str) -> str | None:
    text = "".join(get_str(s, key) or "" for s in stages)
    return bounded(text, MAX_OUTPUT_CHARS) if text else None


def _collection_error(collector: JsonObject) -> TestCase:
    nodeid = get_str(collector, "nodeid") or "<collection>"
    file = nodeid.split("::")[0].replace("\\", "/") or None
    trace = bounded(_longrepr(collector), MAX_TRACE_CHARS)
    message = "collection failed"
    if trace:
        last = [line for line in trace.splitlines() if line.startswith("E ")]
        if last:
            message = last[-1][1:].strip()
    return TestCase(
        test_id=nodeid or "<collection>",
        name=nodeid or "<collection>",
        outcome=Outcome.ERRORED,
        suite=file,
        file=workspace_relative(file),
        failure_type="CollectionError",
        message=bounded(message, MAX_MESSAGE_CHARS),
        trace=trace,
    )
