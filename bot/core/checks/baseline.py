"""A run (or a matrix of runs) against the base branch's latest run (pure).

Test ids are compared; when matrix shards report one test several times, its worst
outcome counts (a failure anywhere is a failure).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

FAILING = frozenset({"failed", "errored"})
# Worst first: a test failing in one shard and passing in another is failing.
_SEVERITY = {"failed": 5, "errored": 4, "flaky": 3, "passed": 2, "skipped": 1}


def merge_outcomes(results: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{test_id: outcome}`` from ``(test_id, outcome)`` pairs; the worst outcome wins."""
    merged: dict[str, str] = {}
    for test_id, outcome in results:
        known = merged.get(test_id)
        if known is None or _SEVERITY.get(outcome, 0) > _SEVERITY.get(known, 0):
            merged[test_id] = outcome
    return merged


@dataclass(frozen=True)
class Comparison:
    """What changed against the base run; ``has_base`` False: nothing to compare with."""

    has_base: bool
    new_failures: list[str] = field(default_factory=list)  # failing here, not on base
    still_failing: list[str] = field(default_factory=list)  # failing here and on base
    fixed: list[str] = field(default_factory=list)  # failing on base, passing here
    flaky: list[str] = field(default_factory=list)  # passed after a retry here
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    newly_skipped: list[str] = field(default_factory=list)


def compare(head: Mapping[str, str], base: Mapping[str, str] | None) -> Comparison:
    failing_here = sorted(t for t, o in head.items() if o in FAILING)
    flaky = sorted(t for t, o in head.items() if o == "flaky")
    if base is None:
        return Comparison(False, new_failures=failing_here, flaky=flaky)
    failing_base = {t for t, o in base.items() if o in FAILING}
    return Comparison(
        True,
        new_failures=[t for t in failing_here if t not in failing_base],
        still_failing=[t for t in failing_here if t in failing_base],
        fixed=sorted(t for t in failing_base if head.get(t) in ("passed", "flaky")),
        flaky=flaky,
        added=sorted(t for t in head if t not in base),
        removed=sorted(t for t in base if t not in head),
        newly_skipped=sorted(
            t for t, o in head.items() if o == "skipped" and base.get(t) not in (None, "skipped")
        ),
    )
