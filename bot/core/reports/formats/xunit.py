"""xUnit.net v2 XML (``<assemblies>``/``<assembly>``), streamed.

``result`` ``Pass`` -> passed, ``Fail`` -> failed, ``Skip``/``NotRun`` -> skipped. Assembly-
level ``<errors>`` (fixture or collection cleanup failures) become errored cases named after
the failing fixture, since they fail the run like a test does. The test id is
``Namespace.Class::Method(args)`` (the class prefix of xUnit's display name is dropped).
"""

from __future__ import annotations

from lxml import etree

from bot.core.reports import xmlsafe
from bot.core.reports.common import location_from_trace, parse_duration, parse_int
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

NAME = "xunit"

_ROOTS = ("assemblies", "assembly")
_HANDLED = frozenset({"test", "collection", "assembly", "error"})
_RESULTS = {
    "pass": Outcome.PASSED,
    "fail": Outcome.FAILED,
    "skip": Outcome.SKIPPED,
    "notrun": Outcome.SKIPPED,
}


def sniff(head: bytes) -> bool:
    return xmlsafe.root_tag(head) in _ROOTS


def _text(elem: etree._Element | None) -> str | None:
    if elem is None:
        return None
    text = xmlsafe.text_of(elem)
    return text.strip() or None if text else None


def _failure(elem: etree._Element) -> tuple[str | None, str | None, str | None]:
    failure = elem.find("failure")
    if failure is None:
        return None, None, None
    return (
        failure.get("exception-type"),
        _text(failure.find("message")),
        _text(failure.find("stack-trace")),
    )


def _case(elem: etree._Element, suite: str | None) -> TestCase:
    name = elem.get("name") or ""
    classname = elem.get("type")
    if classname and name.startswith(classname + "."):
        name = name[len(classname) + 1 :]
    outcome = _RESULTS.get((elem.get("result") or "").lower(), Outcome.ERRORED)
    failure_type, message, trace = _failure(elem)
    if outcome is Outcome.SKIPPED:
        message = _text(elem.find("reason"))
    is_failure = outcome in (Outcome.FAILED, Outcome.ERRORED)
    file = elem.get("source-file")
    line = parse_int(elem.get("source-line"))
    if is_failure and file is None:
        file, line = location_from_trace(trace)
    traits: dict[str, str] = {}
    for trait in elem.iterfind("traits/trait"):
        trait_name = trait.get("name")
        if trait_name:
            traits[trait_name] = trait.get("value") or ""
    return TestCase(
        test_id=make_test_id(None, classname, name),
        name=name,
        outcome=outcome,
        classname=classname,
        suite=suite,
        file=file,
        line=line,
        duration_s=parse_duration(elem.get("time")),
        failure_type=failure_type,
        message=bounded(message or first_line(trace), MAX_MESSAGE_CHARS),
        trace=bounded(trace, MAX_TRACE_CHARS),
        stdout=bounded(_text(elem.find("output")), MAX_OUTPUT_CHARS) if is_failure else None,
        properties=traits,
    )


def _assembly_error(elem: etree._Element, suite: str | None) -> TestCase:
    kind = elem.get("type") or "error"
    name = f"[{kind}] {elem.get('name') or suite or ''}".strip()
    failure_type, message, trace = _failure(elem)
    return TestCase(
        test_id=make_test_id(None, suite, name),
        name=name,
        outcome=Outcome.ERRORED,
        suite=suite,
        failure_type=failure_type,
        message=bounded(message or first_line(trace), MAX_MESSAGE_CHARS),
        trace=bounded(trace, MAX_TRACE_CHARS),
    )


def parse(data: bytes, *, path: str | None) -> Report:
    root = xmlsafe.root_tag(xmlsafe.utf8_head(data))
    if root is not None and root not in _ROOTS:
        raise ReportError(
            f"not an xUnit.net report: the root element is <{root}>, not <assemblies>", path=path
        )
    report = Report(format=NAME, path=path)
    assembly: str | None = None
    collection: str | None = None
    cases_before = 0
    seen_root = False
    durations: list[float] = []
    for event, elem in xmlsafe.iterparse(
        data,
        path=path,
        events=("start", "end"),
        tag=("assemblies", "assembly", "collection", "test", "error"),
    ):
        tag = elem.tag
        if event == "start":
            seen_root = True
            if tag == "assembly":
                assembly = elem.get("name")
            elif tag == "collection":
                collection = elem.get("name")
                cases_before = len(report.cases)
            continue
        if tag == "test":
            report.cases.append(_case(elem, collection or assembly))
        elif tag == "error":
            parent = elem.getparent()
            if parent is not None and parent.tag == "errors":
                report.cases.append(_assembly_error(elem, assembly))
        elif tag == "collection":
            has_cases = len(report.cases) > cases_before
            report.suites.append(
                Suite(
                    name=collection or "",
                    file=assembly,
                    duration_s=parse_duration(elem.get("time")),
                    declared_tests=None if has_cases else parse_int(elem.get("total")),
                )
            )
            collection = None
        elif tag == "assembly":
            duration = parse_duration(elem.get("time"))
            if duration is not None:
                durations.append(duration)
        xmlsafe.release(elem, _HANDLED)
    if not seen_root:
        raise ReportError("not an xUnit.net report: no <assemblies> element", path=path)
    report.duration_s = sum(durations) if durations else None
    return report
