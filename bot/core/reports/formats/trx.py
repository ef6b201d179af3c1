"""TRX (Visual Studio / ``dotnet test --logger trx``), streamed.

Every ``<UnitTestResult>`` is a case; a data-driven parent whose ``<InnerResults>`` list
the rows is replaced by those rows. Outcomes: ``Passed``/``PassedButRunAborted``/
``Warning`` -> passed, ``Failed`` -> failed, ``Error``/``Timeout``/``Aborted`` -> errored,
``NotExecuted``/``Inconclusive``/``Pending``/``NotRunnable``/``Disconnected`` -> skipped.
The class comes from ``<TestDefinitions>`` (which follow the results in the file), so
ids are completed at the end. Run-level ``<RunInfos>`` errors become report warnings.
"""

from __future__ import annotations

import math
import re

from lxml import etree

from bot.core.reports import xmlsafe
from bot.core.reports.common import location_from_trace
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
from bot.core.text import first_line

NAME = "trx"

_NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
_HANDLED = frozenset({f"{_NS}UnitTestResult", f"{_NS}UnitTest", f"{_NS}RunInfo"})
_OUTCOMES = {
    "passed": Outcome.PASSED,
    "passedbutrunaborted": Outcome.PASSED,
    "warning": Outcome.PASSED,
    "completed": Outcome.PASSED,
    "failed": Outcome.FAILED,
    "error": Outcome.ERRORED,
    "timeout": Outcome.ERRORED,
    "aborted": Outcome.ERRORED,
}
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$")


def sniff(head: bytes) -> bool:
    return xmlsafe.root_tag(head) == "TestRun"


def parse_timespan(value: str | None) -> float | None:
    """Seconds from a .NET TimeSpan such as ``00:00:01.2345678`` or ``1.02:03:04``."""
    match = _TIMESPAN.match(value.strip()) if value else None
    if not match:
        return None
    days, hours, minutes, seconds = match.groups()
    try:
        return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except (OverflowError, ValueError):  # digits beyond any float: dropped, with a warning
        return math.inf


def _text(elem: etree._Element, path: str) -> str | None:
    node = elem.find(path)
    if node is None:
        return None
    text = xmlsafe.text_of(node)
    return text.strip() or None if text else None


def _case(elem: etree._Element) -> TestCase:
    name = elem.get("testName") or ""
    outcome = _OUTCOMES.get((elem.get("outcome") or "").lower(), Outcome.SKIPPED)
    is_failure = outcome in (Outcome.FAILED, Outcome.ERRORED)
    message = _text(elem, f"{_NS}Output/{_NS}ErrorInfo/{_NS}Message")
    trace = _text(elem, f"{_NS}Output/{_NS}ErrorInfo/{_NS}StackTrace")
    file, line = location_from_trace(trace) if is_failure else (None, None)
    if outcome is Outcome.SKIPPED and message is None:
        message = _text(elem, f"{_NS}Output/{_NS}StdOut")
    return TestCase(
        test_id=name,  # completed from <TestDefinitions> once they are read
        name=name,
        outcome=outcome,
        file=file,
        line=line,
        duration_s=parse_timespan(elem.get("duration")),
        message=bounded(message or first_line(trace), MAX_MESSAGE_CHARS),
        trace=bounded(trace, MAX_TRACE_CHARS),
        stdout=bounded(_text(elem, f"{_NS}Output/{_NS}StdOut"), MAX_OUTPUT_CHARS)
        if is_failure
        else None,
        stderr=bounded(_text(elem, f"{_NS}Output/{_NS}StdErr"), MAX_OUTPUT_CHARS)
        if is_failure
        else None,
        properties={"trx.testId": elem.get("testId") or ""},
    )


def parse(data: bytes, *, path: str | None) -> Report:
    root = xmlsafe.root_tag(xmlsafe.utf8_head(data))
    if root is not None and root != "TestRun":
        raise ReportError(f"not a TRX report: the root element is <{root}>", path=path)
    report = Report(format=NAME, path=path)
    classes: dict[str, str] = {}  # test id -> class name
    seen_root = False
    for event, elem in xmlsafe.iterparse(
        data,
        path=path,
        events=("start", "end"),
        tag=(f"{_NS}TestRun", f"{_NS}UnitTestResult", f"{_NS}UnitTest", f"{_NS}RunInfo"),
    ):
        seen_root = True
        if event == "start":
            continue
        tag = elem.tag
        if tag == f"{_NS}UnitTestResult":
            if elem.find(f"{_NS}InnerResults/{_NS}UnitTestResult") is None:
                report.cases.append(_case(elem))
        elif tag == f"{_NS}UnitTest":
            method = elem.find(f"{_NS}TestMethod")
            classname = method.get("className") if method is not None else None
            if classname:
                classes[elem.get("id") or ""] = classname.split(",")[0].strip()
        elif tag == f"{_NS}RunInfo":
            if (elem.get("outcome") or "").lower() == "error":
                text = _text(elem, f"{_NS}Text")
                if text:
                    report.warnings.append(bounded(text, MAX_MESSAGE_CHARS) or "")
        else:
            continue
        parent = elem.getparent()
        if parent is None or parent.tag != f"{_NS}InnerResults":  # the parent reads its rows
            xmlsafe.release(elem, _HANDLED)
    if not seen_root:
        raise ReportError("not a TRX report: no <TestRun> element", path=path)
    _complete_ids(report, classes)
    return report


def _complete_ids(report: Report, classes: dict[str, str]) -> None:
    durations = [c.duration_s for c in report.cases if c.duration_s is not None]
    report.duration_s = sum(durations) if durations else None
    suites: dict[str, None] = {}
    for case in report.cases:
        test_id = case.properties.pop("trx.testId", "")
        classname = classes.get(test_id)
        name = case.name
        if classname and name.startswith(classname + "."):
            name = name[len(classname) + 1 :]
        case.classname = classname
        case.suite = classname
        case.name = name
        case.test_id = make_test_id(None, classname, name)
        if classname:
            suites.setdefault(classname)
    report.suites.extend(Suite(name=name) for name in suites)
