"""A run's test cases with their report file, and how globs in the config match them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from bot.core.reports.model import TestCase
from bot.core.reports.run_files import ParsedRun

# The phase (and suite) of tests that nothing else names.
OTHER_PHASE = "Other"


@dataclass(frozen=True, slots=True)
class RunCase:
    """A test case and the report file it came from."""

    case: TestCase
    report_path: str | None = None


class RunCases:
    """A parsed run's cases as :class:`RunCase`, made afresh on each iteration (so the
    analysis can read them twice without a list of them all)."""

    def __init__(self, parsed: ParsedRun) -> None:
        self.parsed = parsed

    def __iter__(self) -> Iterator[RunCase]:
        for filename, case in self.parsed.iter_cases():
            yield RunCase(case, filename)


def file_of(item: RunCase) -> str | None:
    case = item.case
    path = case.file
    if not path and "::" in case.test_id:
        head = case.test_id.split("::", 1)[0]
        if "/" in head or head.endswith(".py"):
            path = head
    return path.replace("\\", "/") if path else None


def matches(item: RunCase, patterns: Iterable[str]) -> bool:
    case = item.case
    candidates = [c for c in (file_of(item), case.classname, case.test_id) if c]
    return any(fnmatchcase(c, p) for p in patterns for c in candidates)


def suite_name(item: RunCase) -> str:
    case = item.case
    return file_of(item) or case.suite or case.classname or item.report_path or OTHER_PHASE
