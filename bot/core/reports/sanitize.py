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

# kind -> (one, many, what was done)
_WHAT = {
    "duration": (
        "duration",
        "durations",
        "ignored (negative, not a number, infinite or over a year)",
    ),
    "line": ("line number", "line numbers", f"ignored (negative or over {MAX_LINE:,})"),
    "count": (
        "declared test count",
        "declared test counts",
        f"ignored (negative or over {MAX_COUNT:,})",
    ),
    "nul": ("text", "texts", "with NUL characters kept with U+FFFD in their place"),
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


# The text fields of a case (a suite has some of them).
_CASE_TEXT: tuple[str, ...] = (
    "test_id",
    "name",
    "classname",
    "suite",
    "file",
    "failure_type",
    "message",
    "trace",
    "stdout",
    "stderr",
)
NUL = "\x00"


def sanitize_report(report: Report, *, text_may_hold_nul: bool = True) -> Report:
    """Drop the out-of-range numbers of ``report`` in place (and return it), with one
    warning per kind of value dropped. NUL characters (JSON's ``\\u0000``, which
    PostgreSQL cannot store in text) become U+FFFD; XML cannot hold them at all, so its
    reports skip that scan (``text_may_hold_nul=False``)."""
    dropped: Counter[str] = Counter()
    if text_may_hold_nul:
        dropped["nul"] = _replace_nul(report)

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
        if not count:
            continue
        one, many, why = _WHAT[kind]
        noun = one if count == 1 else many
        report.warnings.append(f"{count:,} {noun} {why}")
    return report


def _replace_nul(report: Report) -> int:
    """Replace NUL in every text of the cases and suites; how many texts held one."""
    found = 0
    for item in (*report.cases, *report.suites):
        for name in _CASE_TEXT:
            value = getattr(item, name, None)
            if isinstance(value, str) and NUL in value:
                setattr(item, name, value.replace(NUL, "\ufffd"))
                found += 1
    for case in report.cases:
        if any(NUL in (a.message or "") + (a.trace or "") for a in case.attempts):
            case.attempts = tuple(
                replace(
                    a,
                    message=a.message.replace(NUL, "\ufffd") if a.message else a.message,
                    trace=a.trace.replace(NUL, "\ufffd") if a.trace else a.trace,
                )
                for a in case.attempts
            )
            found += 1
    return found


def _clean_attempt(attempt: Attempt, duration: Callable[[float | None], float | None]) -> Attempt:
    if attempt.duration_s is None:
        return attempt
    cleaned = duration(attempt.duration_s)
    return attempt if cleaned == attempt.duration_s else replace(attempt, duration_s=cleaned)
