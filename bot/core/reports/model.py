"""The one model every report format is parsed into.

Counting rule (documented for users in docs/reports.md): every executed attempt of a
test case counts once in ``total``; the *final* outcome of a case decides which of
``passed``/``failed``/``errored``/``skipped``/``flaky`` it lands in. A case that failed
and then passed on a retry is ``flaky``. So for a case retried twice that passed on the
third try: total += 3, flaky += 1. ``total >= passed + failed + errored + skipped + flaky``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Bounds on stored text per case; a cut value ends with TRUNCATION_MARKER.
MAX_MESSAGE_CHARS = 4_000
MAX_TRACE_CHARS = 16_000
MAX_OUTPUT_CHARS = 8_000
TRUNCATION_MARKER = "\n…[truncated by loopwatch]"
# Executions of one case a report may claim (retries beyond this are not kept one by one).
MAX_ATTEMPTS = 1_000


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERRORED = "errored"
    SKIPPED = "skipped"
    FLAKY = "flaky"


def bounded(text: str | None, limit: int) -> str | None:
    """Cut ``text`` to at most ``limit`` characters, marking the cut."""
    if text is None or len(text) <= limit:
        return text
    keep = max(0, limit - len(TRUNCATION_MARKER))
    return text[:keep] + TRUNCATION_MARKER


@dataclass(frozen=True, slots=True)
class Attempt:
    """One execution of a test case (retries produce several)."""

    outcome: Outcome
    duration_s: float | None = None
    failure_type: str | None = None
    message: str | None = None
    trace: str | None = None


@dataclass(slots=True)
class TestCase:
    """The result of one test case, after retries.

    ``test_id`` is stable across runs: ``file::class::name`` with the parts that are
    known (parameters kept in ``name``), so the same test in two runs has the same id.
    """

    __test__ = False  # not a pytest test class

    test_id: str
    name: str
    outcome: Outcome
    classname: str | None = None
    suite: str | None = None
    file: str | None = None
    line: int | None = None
    duration_s: float | None = None
    failure_type: str | None = None
    message: str | None = None
    trace: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    attempts: tuple[Attempt, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def executions(self) -> int:
        """How many times the case ran (what it adds to ``Counts.total``)."""
        return max(1, len(self.attempts))

    @property
    def is_failure(self) -> bool:
        return self.outcome in (Outcome.FAILED, Outcome.ERRORED)


@dataclass(slots=True)
class Counts:
    total: int = 0
    passed: int = 0
    failed: int = 0
    errored: int = 0
    skipped: int = 0
    flaky: int = 0

    def add(self, case: TestCase) -> None:
        self.total += case.executions
        match case.outcome:
            case Outcome.PASSED:
                self.passed += 1
            case Outcome.FAILED:
                self.failed += 1
            case Outcome.ERRORED:
                self.errored += 1
            case Outcome.SKIPPED:
                self.skipped += 1
            case Outcome.FLAKY:
                self.flaky += 1

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "passed": self.passed,
            "failed": self.failed,
            "errored": self.errored,
            "skipped": self.skipped,
            "flaky": self.flaky,
        }


@dataclass(slots=True)
class Suite:
    name: str
    file: str | None = None
    duration_s: float | None = None
    stdout: str | None = None
    stderr: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    # Counts a suite declares without listing cases (e.g. `<testsuite tests="3"/>`).
    declared_tests: int | None = None


@dataclass(slots=True)
class Report:
    """One parsed report file."""

    format: str
    path: str | None = None
    suites: list[Suite] = field(default_factory=list)
    cases: list[TestCase] = field(default_factory=list)
    duration_s: float | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> Counts:
        counts = Counts()
        for case in self.cases:
            counts.add(case)
        return counts

    @property
    def failures(self) -> list[TestCase]:
        return [c for c in self.cases if c.is_failure]


class ReportError(ValueError):
    """A report could not be parsed. The message names the file, line and column."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = path or "<report>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")
        self.reason = message


def repeats_title(classname: str, name: str) -> bool:
    """mocha-junit-reporter and jest-junit put the test's own title in ``classname`` and
    the full title (``describe`` blocks + title) in ``name``: the class adds nothing."""
    return name == classname or name.endswith(" " + classname)


def make_test_id(file: str | None, classname: str | None, name: str) -> str:
    """A stable id: the known parts of ``file::class::name`` joined by ``::``.

    pytest-style ids (``tests/test_a.py::TestX::test_y[param]``) come out unchanged when
    the parts are given that way; a class name that merely repeats the file, its dotted
    module path or the test's own title is left out, so one test has one id whichever
    reporter wrote it (pytest's JUnit, json-report and CTRF agree; mocha's JUnit and JSON).
    """
    if file and name.startswith(file + "::"):
        return name  # already a node id (pytest via CTRF and friends)
    parts: list[str] = []
    if file:
        parts.append(file)
    if classname and classname != file and not repeats_title(classname, name):
        module = file.removesuffix(".py").replace("/", ".") if file else None
        if classname != module:
            parts.append(classname)
    parts.append(name)
    return "::".join(parts)
