"""Numbers a database can store, whatever a report says (issue 18).

A report is untrusted input: a duration of ``1.7e308`` (which sums to infinity, and
``Infinity`` is no JSON), ``nan``, a negative time, a line number beyond what an INTEGER
column holds, a declared count beyond int64 — each once made a whole run fail to store
and stay queued. Every parser's report passes through :func:`sanitize_report` once: a bad
value is dropped (``None``, "unknown") per field, never the case or the run, and the
report gets one warning per kind of value dropped, which the run's session log shows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from bot.core.reports.model import Attempt, Report

# A test that ran longer than this did not: a bad clock or a hostile report. Bounded so a
# million of them still sum to a finite, storable number.
MAX_DURATION_S = 366 * 24 * 3600.0
# ``line`` is an INTEGER column (int32 on PostgreSQL); a source file is never this long.
MAX_LINE = 2**31 - 1
# Counts a report declares (``tests="…"``) are stored in JSON and summed: int64 at most.
MAX_COUNT = 2**63 - 1

# kind -> (one, many, why it was dropped)
_WHAT = {
    "duration": ("duration", "durations", "negative, not a number, infinite or over a year"),
    "line": ("line number", "line numbers", f"negative or over {MAX_LINE:,}"),
    "count": ("declared test count", "declared test counts", f"negative or over {MAX_COUNT:,}"),
}


def clean_duration(value: float | None) -> float | None:
    """A duration in seconds that is a real one, or ``None``."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    if math.isnan(seconds) or not 0 <= seconds <= MAX_DURATION_S:
        return None
    return seconds


def clean_int(value: int | None, maximum: int) -> int | None:
    """A non-negative integer up to ``maximum``, or ``None``."""
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= maximum else None


def sanitize_report(report: Report) -> Report:
    """Drop the out-of-range numbers of ``report`` in place (and return it), with one
    warning per kind of value dropped."""
    dropped: Counter[str] = Counter()

    def duration(value: float | None) -> float | None:
        cleaned = clean_duration(value)
        if cleaned is None and value is not None:
            dropped["duration"] += 1
        return cleaned

    def integer(value: int | None, maximum: int, kind: str) -> int | None:
        cleaned = clean_int(value, maximum)
        if cleaned is None and value is not None:
            dropped[kind] += 1
        return cleaned

    report.duration_s = duration(report.duration_s)
    for suite in report.suites:
        suite.duration_s = duration(suite.duration_s)
        suite.declared_tests = integer(suite.declared_tests, MAX_COUNT, "count")
    for case in report.cases:
        case.duration_s = duration(case.duration_s)
        case.line = integer(case.line, MAX_LINE, "line")
        if case.attempts:
            case.attempts = tuple(_clean_attempt(a, duration) for a in case.attempts)
    for kind, count in sorted(dropped.items()):
        one, many, why = _WHAT[kind]
        noun = one if count == 1 else many
        report.warnings.append(f"{count:,} {noun} ignored ({why})")
    return report


def _clean_attempt(attempt: Attempt, duration: Callable[[float | None], float | None]) -> Attempt:
    if attempt.duration_s is None:
        return attempt
    cleaned = duration(attempt.duration_s)
    return attempt if cleaned == attempt.duration_s else replace(attempt, duration_s=cleaned)
