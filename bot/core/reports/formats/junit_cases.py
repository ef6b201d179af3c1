"""Reading the ``<testcase>`` children of a suite: the JUnit parser's hot loop.

``read_cases(builder, container, stop)`` reads the cases among ``container``'s children
(and inside wrapper elements there) that come before ``stop`` (all when ``None``), adds
them to the builder's report in document order, and deletes what it read so memory stays
flat. A *plain* case (attributes exactly ``name``, ``classname`` and ``time``, no result
child) is built here; every other case goes to ``builder.read_case``. What a suite reads
at its end (its output, properties, failures) and nested suites are left in place.

Two implementations with one contract: the compiled ``_junit_cases`` (built from
``_junit_cases.pyx`` when the package is installed; it reads lxml's C tree) and the pure
Python one below, used when the extension is not there. ``IMPLEMENTATION`` says which one
is in use; the tests run both over the same reports.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from lxml import etree

from bot.core.reports.common import parse_seconds
from bot.core.reports.model import Outcome, Report, TestCase, repeats_title

# Children a suite keeps for its own end (output, properties, suite-level failures) and
# nested suites (each read at its own end): never read as wrappers nor deleted here.
KEPT_TAGS = frozenset(
    {"system-out", "system-err", "properties", "failure", "error", "testsuite", "testsuites"}
)
# Children that make a case more than a plain pass.
RESULT_TAGS = frozenset(
    {
        "failure",
        "error",
        "skipped",
        "properties",
        "rerunFailure",
        "rerunError",
        "flakyFailure",
        "flakyError",
    }
)
_CLASS_NAME_TIME = ["classname", "name", "time"]
_NAME_CLASS_TIME = ["name", "classname", "time"]


@dataclass(frozen=True, slots=True)
class CaseIdentity:
    """Where the cases of one classname (and file attribute) in a suite belong."""

    prefix: str  # make_test_id(file, class, "") so that prefix + name is the test id
    file: str | None
    classname: str | None
    suite: str | None


@dataclass(slots=True)
class SuiteFrame:
    """The suite being read: its cases so far and the identities of their classnames."""

    name: str
    file: str | None
    case_count: int = 0
    seen: dict[str, int] = field(default_factory=dict)  # test id -> index in report.cases
    # classname, or (classname, file attribute) -> identity; cases share few classnames.
    identities: dict[object, CaseIdentity] = field(default_factory=dict)


class CaseBuilder(Protocol):
    """What the walker needs from the JUnit builder."""

    report: Report
    frames: list[SuiteFrame]

    def identity(self, raw_class: str | None, file_attr: str | None) -> CaseIdentity: ...

    def read_case(self, elem: etree._Element) -> None: ...

    def add_again(self, frame: SuiteFrame, case: TestCase) -> None: ...


ReadCases = Callable[[CaseBuilder, etree._Element, "etree._Element | None"], None]


def read_cases_python(
    builder: CaseBuilder, container: etree._Element, stop: etree._Element | None = None
) -> None:
    frame = builder.frames[-1] if builder.frames else None
    runs: list[tuple[int, int]] = []
    count = _walk(builder, frame, container, stop, runs)
    if frame is not None:
        frame.case_count += count
    for start, end in reversed(runs):
        del container[start:end]


def _walk(
    builder: CaseBuilder,
    frame: SuiteFrame | None,
    parent: etree._Element,
    stop: etree._Element | None,
    runs: list[tuple[int, int]] | None,
) -> int:
    count = 0
    run_start = -1
    index = 0
    for child in parent:
        if child is stop:
            break
        tag = child.tag
        read = True
        if not isinstance(tag, str) or tag in KEPT_TAGS:
            read = False
        elif tag == "testcase":
            if frame is not None and _read_plain(builder, frame, child):
                count += 1
            else:
                builder.read_case(child)
        else:
            count += _walk(builder, frame, child, None, None)  # a wrapper: same suite
        if runs is not None:
            if read and run_start < 0:
                run_start = index
            elif not read and run_start >= 0:
                runs.append((run_start, index))
                run_start = -1
        index += 1
    if runs is not None and run_start >= 0:
        runs.append((run_start, index))
    return count


def _read_plain(builder: CaseBuilder, frame: SuiteFrame, elem: etree._Element) -> bool:
    """Read ``elem`` if it is a plain case; whether it was."""
    # One call for the names and one for the values; reporters write the three in one of
    # two orders (pytest; Surefire and Gradle), any other order takes the general path.
    keys = elem.keys()
    values: list[str] = elem.values()  # type: ignore[assignment]  # never bytes
    if keys == _CLASS_NAME_TIME:
        raw_class, name, time_text = values
    elif keys == _NAME_CLASS_TIME:
        name, raw_class, time_text = values
    else:
        return False
    if not name or not raw_class:
        return False
    if len(elem):
        for child in elem:  # ~0.3 µs a child; iterchildren(*RESULT_TAGS) costs ~4 µs
            if child.tag in RESULT_TAGS:
                return False
    identity = frame.identities.get(raw_class) or builder.identity(raw_class, None)
    if name.endswith(raw_class) and repeats_title(raw_class, name):
        return False
    test_id = identity.prefix + name
    case = TestCase(
        test_id,
        name,
        Outcome.PASSED,
        identity.classname,
        identity.suite,
        identity.file,
        None,
        parse_seconds(time_text),
    )
    cases = builder.report.cases
    index = len(cases)
    if frame.seen.setdefault(test_id, index) == index:
        cases.append(case)
    else:
        builder.add_again(frame, case)
    return True


def compiled_reader() -> ReadCases | None:
    """The compiled reader, or ``None`` when it is not built (or not loadable here)."""
    try:
        from bot.core.reports.formats._junit_cases import read_cases as compiled
    except ImportError:
        return None
    return compiled


def _why_python() -> str | None:
    if os.environ.get("LOOPWATCH_PURE_PYTHON"):
        return "LOOPWATCH_PURE_PYTHON is set"
    try:
        from bot.core.reports.formats import _junit_cases  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


# Why the pure-Python reader is in use (``None``: the compiled one is); ``/readyz`` shows it.
WHY_PYTHON = _why_python()
IMPLEMENTATION = "python" if WHY_PYTHON else "compiled"
read_cases: ReadCases = (None if WHY_PYTHON else compiled_reader()) or read_cases_python
