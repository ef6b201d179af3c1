"""Playwright's JSON reporter: ``{"config", "suites", "errors", "stats"}``.

Suites nest (file → describe blocks) and hold ``specs``; each spec has one ``tests``
entry per project, whose ``results`` are the attempts (retries). The test's ``status``
decides: expected → passed (skipped when the run was skipped), unexpected → failed
(errored when interrupted), flaky → flaky, skipped → skipped. Durations are
milliseconds. Global ``errors`` (e.g. a config or global-setup error) become an errored
case. Id: file + describe titles + spec title, with ``[project]`` when the project has
a name.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.reports.formats._json import (
    JsonObject,
    get_int,
    get_list,
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

NAME = "playwright-json"

_RESULT = {
    "passed": Outcome.PASSED,
    "failed": Outcome.FAILED,
    "timedOut": Outcome.FAILED,
    "interrupted": Outcome.ERRORED,
    "skipped": Outcome.SKIPPED,
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MAX_DEPTH = 64


def sniff(head: bytes) -> bool:
    text = head_text(head).lstrip()
    if not text.startswith("{") or not re.search(r'"suites"\s*:\s*\[', text):
        return False
    return '"config"' in text and ('"projects"' in text or '"rootDir"' in text)


def parse(data: bytes, *, path: str | None) -> Report:
    doc = load_object(data, path=path)
    if "suites" not in doc or "config" not in doc:
        raise ReportError("not a test report: no Playwright suites/config", path=path)
    suites: list[Any] = require_list(doc["suites"], "suites", path=path)
    stats = get_object(doc, "stats") or {}
    report = Report(format=NAME, path=path, duration_s=ms_to_s(get_number(stats, "duration")))
    for suite in suites:
        if isinstance(suite, dict):
            file = workspace_relative(get_str(suite, "file") or get_str(suite, "title"))
            report.suites.append(Suite(name=file or "", file=file))
            _walk(suite, file, [], report, 0)
    errors = [e for e in get_list(doc, "errors") if isinstance(e, dict)]
    if errors:
        message = _clean(get_str(errors[0], "message")) or "Playwright reported an error"
        report.cases.append(
            TestCase(
                test_id="[playwright errors]",
                name="[playwright errors]",
                outcome=Outcome.ERRORED,
                failure_type="GlobalError",
                message=bounded(message.splitlines()[0], MAX_MESSAGE_CHARS),
                trace=bounded(
                    "\n\n".join(
                        _clean(get_str(e, "stack") or get_str(e, "message")) or "" for e in errors
                    ),
                    MAX_TRACE_CHARS,
                ),
            )
        )
    return report


def _walk(
    suite: JsonObject, file: str | None, titles: list[str], report: Report, depth: int
) -> None:
    if depth > _MAX_DEPTH:
        raise ReportError("Playwright suites nested too deeply", path=report.path)
    for spec in get_list(suite, "specs"):
        if isinstance(spec, dict):
            for test in get_list(spec, "tests"):
                if isinstance(test, dict):
                    report.cases.append(_case(spec, test, file, titles))
    for child in get_list(suite, "suites"):
        if isinstance(child, dict):
            title = get_str(child, "title")
            _walk(child, file, [*titles, title] if title else titles, report, depth + 1)


def _clean(text: str | None) -> str | None:
    return _ANSI.sub("", text) if text else text


def _attempt(result: JsonObject) -> Attempt:
    outcome = _RESULT.get(get_str(result, "status") or "", Outcome.ERRORED)
    error = get_object(result, "error") or next(
        (e for e in get_list(result, "errors") if isinstance(e, dict)), {}
    )
    message = _clean(get_str(error, "message"))
    failing = outcome in (Outcome.FAILED, Outcome.ERRORED)
    if failing and message is None:
        message = f"test {get_str(result, 'status')}"
    failure_type = None
    if failing:
        failure_type = "Timeout" if get_str(result, "status") == "timedOut" else "Error"
        match = re.match(r"^\s*([A-Za-z_$][\w$]*(?:Error|Exception))\b", message or "")
        if match:
            failure_type = match.group(1)
    return Attempt(
        outcome,
        ms_to_s(get_number(result, "duration")),
        failure_type,
        bounded(message, MAX_MESSAGE_CHARS) if failing else None,
        bounded(_clean(get_str(error, "stack")), MAX_TRACE_CHARS) if failing else None,
    )


def _output(result: JsonObject | None, key: str) -> str | None:
    if result is None:
        return None
    parts = [get_str(p, "text") for p in get_list(result, key) if isinstance(p, dict)]
    text = "".join(p for p in parts if p)
    return bounded(text, MAX_OUTPUT_CHARS) if text else None


def _case(spec: JsonObject, test: JsonObject, file: str | None, titles: list[str]) -> TestCase:
    spec_file = workspace_relative(get_str(spec, "file")) or file
    title = get_str(spec, "title") or "<untitled>"
    project = get_str(test, "projectName")
    results = [r for r in get_list(test, "results") if isinstance(r, dict)]
    attempts = tuple(_attempt(r) for r in results)
    status = get_str(test, "status")
    if status == "flaky":
        outcome = Outcome.FLAKY
    elif status == "skipped" or (attempts and attempts[-1].outcome is Outcome.SKIPPED):
        outcome = Outcome.SKIPPED
    elif status == "unexpected":
        last = attempts[-1].outcome if attempts else Outcome.FAILED
        outcome = Outcome.ERRORED if last is Outcome.ERRORED else Outcome.FAILED
    else:
        outcome = Outcome.PASSED
    failing = [a for a in attempts if a.outcome in (Outcome.FAILED, Outcome.ERRORED)]
    detail = failing[-1] if failing and outcome in (Outcome.FAILED, Outcome.ERRORED) else None
    if detail is None and outcome in (Outcome.FAILED, Outcome.ERRORED):
        detail = Attempt(outcome, None, "Error", f"test status {status}")
    name = " › ".join([*titles, title])
    location = get_object(results[-1], "errorLocation") if results and detail else None
    line = get_int(location, "line") if location else None
    final_result = results[-1] if results else None
    return TestCase(
        test_id=make_test_id(spec_file, None, f"{name} [{project}]" if project else name),
        name=title if not project else f"{title} [{project}]",
        outcome=outcome,
        classname=" › ".join(titles) or None,
        suite=spec_file,
        file=spec_file,
        line=line if line is not None else get_int(spec, "line"),
        duration_s=sum(a.duration_s or 0.0 for a in attempts) if attempts else None,
        failure_type=detail.failure_type if detail else None,
        message=detail.message if detail else None,
        trace=detail.trace if detail else None,
        stdout=_output(final_result, "stdout"),
        stderr=_output(final_result, "stderr"),
        attempts=attempts if len(attempts) > 1 else (),
    )
