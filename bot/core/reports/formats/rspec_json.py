"""RSpec's JSON formatter (``rspec --format json``): ``{"version", "examples", "summary"}``.

passed → passed, failed → failed, pending → skipped. Errors outside of examples (a spec
file that does not load) become one errored case with RSpec's messages. Id: the spec
file + the full description; the line is the example's ``line_number``.
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
    get_object,
    get_str,
    head_text,
    load_object,
    require_list,
    workspace_relative,
)
from bot.core.reports.model import (
    MAX_MESSAGE_CHARS,
    MAX_TRACE_CHARS,
    Outcome,
    Report,
    ReportError,
    Suite,
    TestCase,
    bounded,
    make_test_id,
)

NAME = "rspec-json"

_OUTCOMES = {"passed": Outcome.PASSED, "failed": Outcome.FAILED, "pending": Outcome.SKIPPED}


def sniff(head: bytes) -> bool:
    text = head_text(head).lstrip()
    return (
        text.startswith("{")
        and bool(re.search(r'"examples"\s*:\s*\[', text))
        and ('"summary_line"' in text or '"full_description"' in text or '"example_count"' in text)
    )


def parse(data: bytes, *, path: str | None) -> Report:
    doc = load_object(data, path=path)
    if "examples" not in doc:
        raise ReportError("not a test report: no RSpec examples", path=path)
    examples: list[Any] = require_list(doc["examples"], "examples", path=path)
    summary = get_object(doc, "summary") or {}
    report = Report(format=NAME, path=path, duration_s=get_number(summary, "duration"))
    for example in examples:
        if isinstance(example, dict):
            report.cases.append(_case(example))
    outside = get_int(summary, "errors_outside_of_examples_count") or 0
    if outside > 0:
        messages = [m for m in get_list(doc, "messages") if isinstance(m, str)]
        text = "\n".join(messages) or f"{outside} error(s) outside of examples"
        report.cases.append(
            TestCase(
                test_id="[errors outside of examples]",
                name="[errors outside of examples]",
                outcome=Outcome.ERRORED,
                failure_type="LoadError",
                message=bounded(text.strip().splitlines()[0], MAX_MESSAGE_CHARS),
                trace=bounded(text, MAX_TRACE_CHARS),
            )
        )
    files: dict[str, Suite] = {}
    for case in report.cases:
        if case.file and case.file not in files:
            files[case.file] = Suite(name=case.file, file=case.file)
    report.suites.extend(files.values())
    return report


def _case(example: JsonObject) -> TestCase:
    raw_file = get_str(example, "file_path")
    file = workspace_relative(raw_file.removeprefix("./") if raw_file else None)
    description = get_str(example, "description") or get_str(example, "id") or "<example>"
    full = get_str(example, "full_description") or description
    outcome = _OUTCOMES.get(get_str(example, "status") or "", Outcome.ERRORED)
    exception = get_object(example, "exception") or {}
    message = trace = failure_type = None
    line = get_int(example, "line_number")
    if outcome in (Outcome.FAILED, Outcome.ERRORED):
        failure_type = get_str(exception, "class") or "RSpec failure"
        message = get_str(exception, "message") or f"status {get_str(example, 'status')}"
        frames = [f for f in get_list(exception, "backtrace") if isinstance(f, str)]
        trace = "\n".join(frames) or None
        _, trace_line = failure_location(file, None, trace)
        line = trace_line or line
    elif outcome is Outcome.SKIPPED:
        message = get_str(example, "pending_message")
    suite = full[: -len(description)].strip() if full.endswith(description) else None
    return TestCase(
        test_id=make_test_id(file, None, full),
        name=description,
        outcome=outcome,
        suite=suite or None,
        file=file,
        line=line,
        duration_s=get_number(example, "run_time"),
        failure_type=failure_type,
        message=bounded(message, MAX_MESSAGE_CHARS),
        trace=bounded(trace, MAX_TRACE_CHARS),
    )
