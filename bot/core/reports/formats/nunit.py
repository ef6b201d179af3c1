"""NUnit 3 (``<test-run>``) and NUnit 2 (``<test-results>``) XML, streamed.

Results: NUnit 3 ``Passed``/``Warning`` -> passed, ``Failed`` -> failed (``label="Error"``
or ``"Invalid"`` -> errored, ``"Cancelled"`` -> errored), ``Skipped``/``Inconclusive`` ->
skipped. NUnit 2 ``Success`` -> passed, ``Failure`` -> failed, ``Error`` -> errored,
``Ignored``/``Skipped``/``NotRunnable``/``Inconclusive`` (or ``executed="False"``) ->
skipped. The test id is ``Namespace.Class::Method(args)``.
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

NAME = "nunit"

_ROOTS = ("test-run", "test-results")
_FIXTURE_TYPES = frozenset({"TestFixture", "ParameterizedFixture", "GenericFixture"})
_RESULTS = {
    "passed": Outcome.PASSED,
    "success": Outcome.PASSED,
    "warning": Outcome.PASSED,
    "failed": Outcome.FAILED,
    "failure": Outcome.FAILED,
    "error": Outcome.ERRORED,
    "cancelled": Outcome.ERRORED,
    "skipped": Outcome.SKIPPED,
    "ignored": Outcome.SKIPPED,
    "notrunnable": Outcome.SKIPPED,
    "inconclusive": Outcome.SKIPPED,
    "explicit": Outcome.SKIPPED,
}
_HANDLED = frozenset({"test-case", "test-suite"})
_ERROR_LABELS = frozenset({"error", "invalid", "cancelled"})


def sniff(head: bytes) -> bool:
    return xmlsafe.root_tag(head) in _ROOTS


def split_full_name(full_name: str) -> tuple[str | None, str]:
    """``Ns.Class.Method(1,"a.b")`` -> ``("Ns.Class", "Method(1,\"a.b\")")``."""
    paren = full_name.find("(")
    head, args = (full_name, "") if paren < 0 else (full_name[:paren], full_name[paren:])
    classname, dot, method = head.rpartition(".")
    if not dot:
        return None, full_name
    return classname, method + args


def _outcome(elem: etree._Element) -> Outcome:
    result = (elem.get("result") or "").lower()
    label = (elem.get("label") or "").lower()
    if elem.get("executed", "").lower() == "false" and result not in ("error", "failure"):
        return Outcome.SKIPPED
    outcome = _RESULTS.get(result)
    if outcome is None:
        success = elem.get("success", "").lower()
        outcome = Outcome.FAILED if success == "false" else Outcome.PASSED
    if outcome is Outcome.FAILED and label in _ERROR_LABELS:
        return Outcome.ERRORED
    return outcome


def _child_text(elem: etree._Element, *path: str) -> str | None:
    node: etree._Element | None = elem
    for tag in path:
        node = node.find(tag) if node is not None else None
    if node is None:
        return None
    text = xmlsafe.text_of(node)
    return text.strip() or None if text else None


def _case(elem: etree._Element, suite: str | None) -> TestCase:
    name = elem.get("name") or ""
    classname = elem.get("classname")
    full_name = elem.get("fullname")
    if full_name and name and full_name.endswith("." + name):
        classname = full_name[: -len(name) - 1]  # NUnit 3: fullname = class + "." + name
    elif classname is None:  # NUnit 2: the name is the full name
        classname, name = split_full_name(full_name or name)
    elif name.startswith(classname + "."):
        name = name[len(classname) + 1 :]
    outcome = _outcome(elem)
    message = trace = None
    failure = elem.find("failure")
    if failure is not None:
        message = _child_text(failure, "message")
        trace = _child_text(failure, "stack-trace")
    elif outcome is Outcome.SKIPPED:
        message = _child_text(elem, "reason", "message")
    is_failure = outcome in (Outcome.FAILED, Outcome.ERRORED)
    file, line = location_from_trace(trace) if is_failure else (None, None)
    output = _child_text(elem, "output") if is_failure else None
    return TestCase(
        test_id=make_test_id(None, classname, name),
        name=name,
        outcome=outcome,
        classname=classname,
        suite=suite,
        file=file,
        line=line,
        duration_s=parse_duration(elem.get("duration") or elem.get("time")),
        failure_type=elem.get("label") if outcome is Outcome.ERRORED else None,
        message=bounded(message or first_line(trace), MAX_MESSAGE_CHARS),
        trace=bounded(trace, MAX_TRACE_CHARS),
        stdout=bounded(output, MAX_OUTPUT_CHARS),
        properties=_properties(elem),
    )


def _properties(elem: etree._Element) -> dict[str, str]:
    props: dict[str, str] = {}
    node = elem.find("properties")
    if node is not None:
        for prop in node.iter("property"):
            name = prop.get("name")
            if name:
                props[name] = prop.get("value") or ""
    return props


def parse(data: bytes, *, path: str | None) -> Report:
    root = xmlsafe.root_tag(xmlsafe.utf8_head(data))
    if root is not None and root not in _ROOTS:
        raise ReportError(
            f"not an NUnit report: the root element is <{root}>, not <test-run>/<test-results>",
            path=path,
        )
    report = Report(format=NAME, path=path)
    suites: list[tuple[str, bool, int]] = []  # (name, is fixture, cases seen before it)
    seen_root = False
    for event, elem in xmlsafe.iterparse(
        data,
        path=path,
        events=("start", "end"),
        tag=("test-run", "test-results", "test-suite", "test-case"),
    ):
        tag = elem.tag
        if event == "start":
            seen_root = True
            if tag == "test-suite":
                name = elem.get("fullname") or elem.get("name") or ""
                suites.append((name, elem.get("type") in _FIXTURE_TYPES, len(report.cases)))
            continue
        if tag == "test-case":
            fixture = next((s[0] for s in reversed(suites) if s[1]), None)
            report.cases.append(_case(elem, fixture or (suites[-1][0] if suites else None)))
            xmlsafe.release(elem, _HANDLED)
        elif tag == "test-suite":
            name, _, cases_before = suites.pop()
            has_cases = len(report.cases) > cases_before
            report.suites.append(
                Suite(
                    name=name,
                    duration_s=parse_duration(elem.get("duration") or elem.get("time")),
                    declared_tests=None if has_cases else parse_int(elem.get("total")),
                    properties=_properties(elem),
                )
            )
            xmlsafe.release(elem, _HANDLED)
        else:
            report.duration_s = parse_duration(elem.get("duration") or elem.get("time"))
    if not seen_root:
        raise ReportError("not an NUnit report: no <test-run> or <test-results> element", path=path)
    return report
