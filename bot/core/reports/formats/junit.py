"""JUnit XML in its many dialects, parsed in one streaming pass: the input is fed to the
parser in chunks and the cases are read from the tree between them (see ``_Builder``).

Dialect notes (see docs/reports.md for the user-facing rules):

* Root ``<testsuites>`` or ``<testsuite>``; suites nest to any depth (PHPUnit, Bazel).
* A case's result is its first ``<failure>``/``<error>`` child (more failures in one case
  are appended to the trace), else ``<skipped>`` (pytest's xfail is a skip), else a
  ``status``/``result`` attribute naming a skip (googletest, CTest-style), else passed.
* Surefire retries: ``<rerunFailure>``/``<rerunError>`` are further failed attempts of a
  case that never passed; ``<flakyFailure>``/``<flakyError>`` are failed attempts of a case
  that finally passed (outcome ``flaky``).
* The same test id appearing again in one suite is a re-run (pytest-rerunfailures,
  web-test-runner, marathon, …): the occurrences become attempts of one case.
* Captured output is kept (bounded) for cases that did not pass; a passing case's output
  is dropped so memory does not grow with the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from bot.core.reports import xmlsafe
from bot.core.reports.common import (
    clean_message,
    final_outcome,
    location_from_trace,
    parse_duration,
    parse_int,
    parse_seconds,
    pytest_file_from_classname,
    strip_workspace,
)
from bot.core.reports.formats import junit_cases
from bot.core.reports.formats.junit_cases import KEPT_TAGS, RESULT_TAGS, CaseIdentity, SuiteFrame
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
    repeats_title,
)
from bot.core.text import first_line

NAME = "junit"
SUITE_CASE_NAME = "(suite)"
MAX_WARNINGS = 20
_IDENTITY_CACHE_SIZE = 4096
# A classname that is really a source path (Playwright writes the spec file there).
_SOURCE_PATH = re.compile(
    r"^[^\s:]*[/\\][^\s/\\]+\.(?:[cm]?[jt]sx?|py|rb|go|php|java|kt|scala|cs|swift|feature)$"
)

_ROOTS = ("testsuites", "testsuite")
_SKIP_STATUSES = frozenset({"skipped", "skip", "notrun", "disabled", "ignored", "pending"})
# pytest ends a failure's text with "path/to/test_x.py:10: ExceptionType".
_PYTEST_LAST_LINE = re.compile(r"^\S+\.py:\d+: ([A-Za-z_][\w.]*)\s*\Z", re.MULTILINE)
_FAILURES = {"failure": Outcome.FAILED, "error": Outcome.ERRORED}
_RERUNS = {"rerunFailure": Outcome.FAILED, "rerunError": Outcome.ERRORED}
_FLAKIES = {"flakyFailure": Outcome.FAILED, "flakyError": Outcome.ERRORED}
# Input is fed to the parser in chunks of this size; the cases of a chunk are read and
# freed before the next (a 256 KiB chunk holds ~700 typical cases).
CHUNK_BYTES = 256 * 1024
# The case reader: compiled when built (see junit_cases.py); tests and the bench swap it.
read_cases: junit_cases.ReadCases = junit_cases.read_cases


def sniff(head: bytes) -> bool:
    return xmlsafe.root_tag(head) in _ROOTS


class _Builder:
    """Turns the parsed tree into the model as it grows; holds only per-suite state.

    The parser reports only the start and end of ``<testsuites>``/``<testsuite>``; the
    cases are read from the tree (``read_cases``) at those events and after each chunk of
    input, then deleted, so the tree never holds more than a chunk's worth of cases and no
    case needs a Python object of its own until it becomes a ``TestCase``. Reading always
    goes in document order: at a suite's start, everything before it; at its end,
    everything in it; after a chunk, everything up to the last (maybe unfinished) element.
    """

    def __init__(self, path: str | None) -> None:
        self.report = Report(format=NAME, path=path)
        self.frames: list[SuiteFrame] = []
        self.open_suites: list[etree._Element] = []  # the frames' elements
        self.root: etree._Element | None = None
        self.pytest_lines = False  # pytest writes 0-based `line` attributes
        self._identities: dict[object, CaseIdentity] = {}  # for cases outside any suite
        self.top_level_durations: list[float] = []

    def warn(self, message: str) -> None:
        if len(self.report.warnings) < MAX_WARNINGS:
            self.report.warnings.append(message)

    def handle(self, events: Iterable[tuple[str, etree._Element]]) -> None:
        """Act on the parser's ``start``/``end`` events of suite elements."""
        for event, elem in events:
            if self.root is None:
                self.root = root = elem.getroottree().getroot()
                if root.tag == "testsuites" and root.get("name") == "pytest tests":
                    self.pytest_lines = True  # pytest names it so and writes 0-based lines
            if event == "start":
                self.read_before(elem)
                if elem.tag == "testsuite":
                    self.start_suite(elem)
                    self.open_suites.append(elem)
                continue
            read_cases(self, elem, None)
            if elem.tag == "testsuite":
                self.open_suites.pop()
                self.end_suite(elem)
                parent = elem.getparent()
                if parent is not None:
                    parent.remove(elem)  # nothing in it is needed any more
            elif elem.getparent() is None:
                self.report.duration_s = parse_duration(elem.get("time"))

    def read_before(self, elem: etree._Element) -> None:
        """Read what comes before ``elem``, from the innermost open suite down to it."""
        path: list[tuple[etree._Element, etree._Element]] = []
        innermost = self.open_suites[-1] if self.open_suites else None
        node = elem
        while node is not innermost and (parent := node.getparent()) is not None:
            path.append((parent, node))
            node = parent
        for parent, child in reversed(path):
            read_cases(self, parent, child)

    def read_finished(self) -> None:
        """After a chunk: read everything but the last element of each open element (the
        right edge of the tree, where the next chunk goes on)."""
        node = self.root
        while node is not None and len(node):
            last = node[-1]
            read_cases(self, node, last)
            tag = last.tag
            if not isinstance(tag, str) or tag == "testcase":
                break
            if tag in KEPT_TAGS and tag not in _ROOTS:
                break
            node = last

    # -- suites -------------------------------------------------------------------------

    def start_suite(self, elem: etree._Element) -> None:
        name = elem.get("name") or ""
        if name == "pytest":
            self.pytest_lines = True
        file = strip_workspace(elem.get("file") or elem.get("filepath"))
        if file is None and self.frames:
            file = self.frames[-1].file  # PHPUnit: the file sits on an outer suite
        self.frames.append(SuiteFrame(name=name, file=file))

    def end_suite(self, elem: etree._Element) -> None:
        frame = self.frames.pop()
        if self.frames:
            self.frames[-1].case_count += frame.case_count
        stdout = stderr = None
        properties: dict[str, str] = {}
        for child in elem:
            tag = child.tag
            if tag == "system-out":
                stdout = bounded(xmlsafe.text_of(child), MAX_OUTPUT_CHARS)
            elif tag == "system-err":
                stderr = bounded(xmlsafe.text_of(child), MAX_OUTPUT_CHARS)
            elif tag == "properties":
                properties.update(_properties(child))
            elif tag in _FAILURES:
                self._suite_failure(frame, child)
        duration = parse_duration(elem.get("time"))
        if not self.frames and duration is not None:
            self.top_level_durations.append(duration)
        listed = parse_int(elem.get("tests"))
        if listed is not None and frame.case_count and listed != frame.case_count:
            self.warn(f"suite {frame.name!r} declares {listed} tests but lists {frame.case_count}")
        declared = None if frame.case_count else parse_int(elem.get("tests"))
        self.report.suites.append(
            Suite(
                name=frame.name,
                file=frame.file,
                duration_s=duration,
                stdout=stdout,
                stderr=stderr,
                properties=properties,
                declared_tests=declared,
            )
        )

    def _suite_failure(self, frame: SuiteFrame, problem: etree._Element) -> None:
        """A failure outside any case (a class that failed to load, a script that died):
        an errored case named ``(suite)`` so the run does not look green."""
        failure_type, message, trace = _problem(problem)
        self.report.cases.append(
            TestCase(
                test_id=make_test_id(frame.file, frame.name, SUITE_CASE_NAME),
                name=SUITE_CASE_NAME,
                outcome=Outcome.ERRORED,
                classname=frame.name,
                suite=frame.name,
                file=frame.file,
                failure_type=failure_type,
                message=message,
                trace=trace,
            )
        )
        frame.case_count += 1
        if self.frames:
            self.frames[-1].case_count += 1

    # -- cases --------------------------------------------------------------------------

    def read_case(self, elem: etree._Element) -> None:
        """Read a case the plain path did not take (``read_cases`` deletes it after)."""
        detail = any(isinstance(child.tag, str) and child.tag in RESULT_TAGS for child in elem)
        case = self._case(elem, detail)
        frame = self.frames[-1] if self.frames else None
        if frame is None:
            self.report.cases.append(case)
            return
        frame.case_count += 1
        self.add_again(frame, case)

    def add_again(self, frame: SuiteFrame, case: TestCase) -> None:
        """Add a case of ``frame``, or fold it into an earlier run of the same test id."""
        index = frame.seen.get(case.test_id)
        if index is not None and not (self.pytest_lines or self.report.cases[index].is_failure):
            index = None  # same name but an earlier run passed: a distinct case (TestNG, jest)
        if index is None:
            frame.seen[case.test_id] = len(self.report.cases)
            self.report.cases.append(case)
        else:
            _merge_rerun(self.report.cases[index], case)

    def identity(self, raw_class: str | None, file_attr: str | None) -> CaseIdentity:
        """File, id prefix and shared strings for a (class, file) pair, computed once per
        suite (the key is the bare classname when there is no file attribute)."""
        frame = self.frames[-1] if self.frames else None
        cache = frame.identities if frame else self._identities
        key: object = raw_class if file_attr is None else (raw_class, file_attr)
        identity = cache.get(key)
        if identity is None:
            file = strip_workspace(file_attr)
            derived_file, derived_class = pytest_file_from_classname(raw_class)
            id_class = raw_class
            if derived_file and (file is None or file == derived_file):
                file, id_class = derived_file, derived_class
            if file is None and raw_class and _SOURCE_PATH.search(raw_class):
                file, id_class = strip_workspace(raw_class), None  # Playwright: class = file
            if file is None and frame is not None:
                file = frame.file
            identity = CaseIdentity(
                prefix=make_test_id(file, id_class, ""),
                file=file,
                classname=raw_class,
                suite=frame.name if frame else None,
            )
            if len(cache) >= _IDENTITY_CACHE_SIZE:
                cache.clear()  # jest-junit: a classname per case; keep memory flat
            cache[key] = identity
        return identity

    def _case(self, elem: etree._Element, detail: bool) -> TestCase:
        attrs = cast("dict[str, str]", dict(elem.items()))  # cheaper than many .get()
        get = attrs.get
        name = get("name") or get("id") or ""
        raw_class = get("classname") or get("class")
        if raw_class is not None and repeats_title(raw_class, name):
            raw_class = None  # jest-junit / mocha-junit-reporter: the class is the title
        identity = self.identity(raw_class, get("file") or get("filepath"))
        raw_line = get("line") or get("lineno")
        line = parse_int(raw_line) if raw_line is not None else None
        if line is not None and self.pytest_lines:
            line += 1
        duration = parse_seconds(get("time"))
        if not detail:
            # The common case: no result child, so passed (or skipped by status); the
            # children (captured output) are not even looked at.
            skip = _is_skip(get("status")) or _is_skip(get("result"))
            return TestCase(
                identity.prefix + name,
                name,
                Outcome.SKIPPED if skip else Outcome.PASSED,
                identity.classname,
                identity.suite,
                identity.file,
                line,
                duration,
            )
        return self._full_case(elem, name, identity, line, duration)

    def _full_case(
        self,
        elem: etree._Element,
        name: str,
        identity: CaseIdentity,
        line: int | None,
        duration: float | None,
    ) -> TestCase:
        result = _Result.read(elem)
        outcome = result.outcome
        if outcome is Outcome.PASSED and (
            _is_skip(elem.get("status")) or _is_skip(elem.get("result"))
        ):
            outcome = Outcome.SKIPPED
        attempts: tuple[Attempt, ...] = ()
        if not result.reruns and not result.flakies:
            # One run (nearly every failure): no Attempt to build.
            final = outcome
            failure_type, message, trace = result.type, result.message, result.trace
        else:
            primary = Attempt(outcome, duration, result.type, result.message, result.trace)
            if result.reruns:
                # Surefire writes the first run as <failure>/<error>; without one, only the
                # re-runs are known.
                failed_first = outcome in (Outcome.FAILED, Outcome.ERRORED)
                attempts = (primary, *result.reruns) if failed_first else tuple(result.reruns)
            else:
                attempts = (*result.flakies, Attempt(Outcome.PASSED, duration))
            final = final_outcome(list(attempts))
            shown = result.flakies[0] if result.flakies else attempts[-1]
            if result.reruns and outcome in (Outcome.FAILED, Outcome.ERRORED):
                shown = primary  # the first failure carries the full report
            failure_type, message, trace = shown.failure_type, shown.message, shown.trace

        keep_output = final is not Outcome.PASSED and final is not Outcome.SKIPPED
        file = identity.file
        if keep_output and line is None:
            trace_file, trace_line = location_from_trace(trace)
            if trace_file is not None and (file is None or trace_file == file):
                file, line = file or trace_file, trace_line
        return TestCase(
            test_id=identity.prefix + name,
            name=name,
            outcome=final,
            classname=identity.classname,
            suite=identity.suite,
            file=file,
            line=line,
            duration_s=duration,
            failure_type=failure_type,
            message=message,
            trace=trace,
            stdout=result.stdout if keep_output else None,
            stderr=result.stderr if keep_output else None,
            attempts=attempts,
            properties=result.properties,
        )


@dataclass(slots=True)
class _Result:
    """What the children of one ``<testcase>`` say."""

    outcome: Outcome = Outcome.PASSED
    type: str | None = None
    message: str | None = None
    trace: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    reruns: list[Attempt] = field(default_factory=list)
    flakies: list[Attempt] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, elem: etree._Element) -> _Result:
        result = cls()
        if len(elem) == 0:
            return result
        extra_traces: list[str] = []
        skipped: etree._Element | None = None
        for child in elem:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag in _FAILURES:
                if result.outcome is Outcome.PASSED:
                    result.outcome = _FAILURES[tag]
                    result.type, result.message, result.trace = _problem(child)
                else:
                    extra_traces.append(_problem(child)[2] or child.get("message") or "")
            elif tag == "skipped":
                skipped = child
            elif tag in _RERUNS:
                result.reruns.append(_attempt(child, _RERUNS[tag]))
            elif tag in _FLAKIES:
                result.flakies.append(_attempt(child, _FLAKIES[tag]))
            elif tag == "system-out":
                result.stdout = bounded(xmlsafe.text_of(child), MAX_OUTPUT_CHARS)
            elif tag == "system-err":
                result.stderr = bounded(xmlsafe.text_of(child), MAX_OUTPUT_CHARS)
            elif tag == "properties":
                result.properties.update(_properties(child))
        if extra_traces:
            result.trace = bounded(
                "\n\n".join([result.trace or "", *extra_traces]), MAX_TRACE_CHARS
            )
        if skipped is not None and result.outcome is Outcome.PASSED:
            result.outcome = Outcome.SKIPPED
            result.type = skipped.get("type")
            text = xmlsafe.text_of(skipped)
            message = clean_message(skipped.get("message")) or first_line(text)
            result.message = bounded(message, MAX_MESSAGE_CHARS)
        return result


def _problem(elem: etree._Element) -> tuple[str | None, str | None, str | None]:
    """``(type, message, trace)`` of a ``<failure>``/``<error>``-like element."""
    text = xmlsafe.text_of(elem)
    if text is not None:
        text = text.strip("\n\r") or None
    message = clean_message(elem.get("message")) or first_line(text)
    failure_type = elem.get("type") or None
    if failure_type is None and text:
        match = _PYTEST_LAST_LINE.search(text)
        failure_type = match.group(1) if match else None
    return (
        failure_type,
        bounded(message, MAX_MESSAGE_CHARS),
        bounded(text, MAX_TRACE_CHARS),
    )


def _attempt(elem: etree._Element, outcome: Outcome) -> Attempt:
    """A Surefire re-run element: the trace sits in ``<stackTrace>`` (or the text)."""
    trace = None
    for child in elem:
        if child.tag == "stackTrace":
            trace = xmlsafe.text_of(child)
    if trace is None:
        trace = elem.text
    trace = trace.strip() if trace and trace.strip() else None
    message = clean_message(elem.get("message")) or first_line(trace)
    return Attempt(
        outcome=outcome,
        duration_s=parse_duration(elem.get("time")),
        failure_type=elem.get("type") or None,
        message=bounded(message, MAX_MESSAGE_CHARS),
        trace=bounded(trace, MAX_TRACE_CHARS),
    )


def _properties(elem: etree._Element) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in elem:
        if prop.tag == "property":
            name = prop.get("name")
            if name:
                value = prop.get("value")
                props[name] = value if value is not None else (xmlsafe.text_of(prop) or "")
    return props


def _is_skip(status: str | None) -> bool:
    """A ``status``/``result`` attribute that names a skip (googletest, CTest, Catch2)."""
    return status is not None and status.lower() in _SKIP_STATUSES


def _merge_rerun(first: TestCase, again: TestCase) -> None:
    """Fold a repeated occurrence of a case into the earlier one as further attempts."""
    attempts = [*_attempts_of(first), *_attempts_of(again)]
    first.attempts = tuple(attempts)
    first.outcome = final_outcome(attempts)
    durations = [a.duration_s for a in attempts if a.duration_s is not None]
    first.duration_s = sum(durations) if durations else None
    shown = next(
        (a for a in reversed(attempts) if a.outcome in (Outcome.FAILED, Outcome.ERRORED)), None
    )
    if shown is not None:
        first.failure_type, first.message, first.trace = (
            shown.failure_type,
            shown.message,
            shown.trace,
        )
    if first.outcome is Outcome.PASSED or first.outcome is Outcome.SKIPPED:
        first.stdout = first.stderr = None
    else:
        first.stdout = again.stdout or first.stdout
        first.stderr = again.stderr or first.stderr
    if first.line is None:
        first.line = again.line


def _attempts_of(case: TestCase) -> tuple[Attempt, ...]:
    if case.attempts:
        return case.attempts
    return (Attempt(case.outcome, case.duration_s, case.failure_type, case.message, case.trace),)


def parse(data: bytes, *, path: str | None) -> Report:
    head = xmlsafe.utf8_head(data)
    root = xmlsafe.root_tag(head)
    if root is not None and root not in _ROOTS:
        raise ReportError(
            f"not a JUnit report: the root element is <{root}>, not <testsuites> or <testsuite>",
            path=path,
        )
    builder = _Builder(path)
    parser = xmlsafe.pull_parser(data, path=path, tag=_ROOTS)
    with xmlsafe.xml_errors(path, data), xmlsafe.gc_paused():
        for start in range(0, len(data), CHUNK_BYTES):
            parser.feed(data[start : start + CHUNK_BYTES])
            builder.handle(xmlsafe.element_events(parser))
            builder.read_finished()
        parser.close()
        builder.handle(xmlsafe.element_events(parser))
        if builder.root is not None:
            read_cases(builder, builder.root, None)  # cases after the last suite
    if builder.root is None:
        raise ReportError("not a JUnit report: no <testsuites> or <testsuite> element", path=path)
    report = builder.report
    if report.duration_s is None and builder.top_level_durations:
        report.duration_s = sum(builder.top_level_durations)
    return report
