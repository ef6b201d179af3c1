"""How much detail the tracking issue shows, from all of it to the least (see ``LEVELS``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Detail:
    """How much to show; each later level in ``LEVELS`` shows less."""

    folded_log: int | None = None  # older log entries kept in <details>; None = all
    suite_details: bool = True
    finding_groups: int = 20
    finding_tests: int = 5
    criterion_names: int = 5
    fix_items: int = 50
    coverage_rows: int = 100  # the "What to run next" table


LEVELS = (
    Detail(),
    Detail(folded_log=50),
    Detail(folded_log=0),
    Detail(
        folded_log=0,
        suite_details=False,
        finding_tests=3,
        fix_items=20,
        coverage_rows=30,
    ),
    Detail(
        folded_log=0,
        suite_details=False,
        finding_groups=10,
        finding_tests=3,
        criterion_names=3,
        fix_items=20,
        coverage_rows=10,
    ),
    Detail(
        folded_log=0,
        suite_details=False,
        finding_groups=5,
        finding_tests=1,
        criterion_names=1,
        fix_items=10,
        coverage_rows=0,
    ),
)
