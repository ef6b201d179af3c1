"""A run's test cases with their report file, and how globs in the config match them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from bot.core.reports.model import TestCase

# The phase (and suite) of tests that nothing else names.
OTHER_PHASE = "Other"


@dataclass(frozen=True, slots=True)
class RunCase:
    """A test case and the report file it came from."""

    case: TestCase
    report_path: str | None = None


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
