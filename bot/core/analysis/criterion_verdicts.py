"""Whether each validation criterion of a campaign is met by a run, and why in words."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.analysis.run_cases import RunCase, matches, suite_name
from bot.core.analysis.run_status import Status, status_of
from bot.core.config.bounds import SkipLimit
from bot.core.config.campaign import CampaignConfig
from bot.core.config.criteria import CriterionConfig
from bot.core.reports.model import Counts, Outcome
from bot.core.text import plural


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """A criterion's verdict. ``status`` is what the matched tests did; whether the
    criterion is met depends on its ``kind`` (see ``bot.core.config.criteria``)."""

    name: str
    status: Status
    matched: tuple[str, ...] = ()  # test ids that matched, in run order
    failing: tuple[str, ...] = ()  # the matched ids that failed or errored
    skipped: int = 0
    kind: str = "all_pass"
    reason: str | None = None  # one plain-text line: why it is not met (None when met)
    note: str | None = None  # one plain-text line on what was checked, when met
    missing: tuple[str, ...] = ()  # required_tests: the entries that matched no test

    @property
    def met(self) -> bool:
        if self.kind == "all_pass":
            return self.status in (Status.PASSED, Status.FLAKY)
        return self.reason is None


NAMES_IN_REASON = 3  # suites, tests or globs named in a criterion's reason
MAX_NAME_IN_REASON = 120


def _short(text: str) -> str:
    return text if len(text) <= MAX_NAME_IN_REASON else text[: MAX_NAME_IN_REASON - 1] + "…"


def _listing(names: Sequence[str]) -> str:
    """``a, b, c (and 2 more)``."""
    shown = ", ".join(_short(n) for n in names[:NAMES_IN_REASON])
    more = len(names) - NAMES_IN_REASON
    return shown + (f" (and {more} more)" if more > 0 else "")


def _seconds(value: float) -> str:
    """``3.1 s``: rounded down, so a duration under a bound never reads as the bound."""
    tenths = math.floor(round(value * 10, 6))
    text = f"{tenths // 10}" if tenths >= 1000 or tenths % 10 == 0 else f"{tenths / 10:.1f}"
    return f"{text} s"


def _bound(value: float) -> str:
    return f"{value:g} s"


@dataclass(slots=True)
class _SuiteTally:
    name: str
    tests: int = 0
    skipped: int = 0
    duration_s: float = 0.0


def _by_suite(items: Sequence[RunCase]) -> list[_SuiteTally]:
    """The matched tests per suite (as in the phase table), in run order."""
    suites: dict[str, _SuiteTally] = {}
    for item in items:
        name = suite_name(item)
        tally = suites.setdefault(name, _SuiteTally(name))
        tally.tests += 1
        tally.skipped += 1 if item.case.outcome is Outcome.SKIPPED else 0
        tally.duration_s += item.case.duration_s or 0.0
    return list(suites.values())


def _all_skipped(count: int, which: str) -> str:
    if count == 1:
        return f"the only {which} test was skipped"
    return f"all {count} {which} tests were skipped"


def _nothing_matched(criterion: CriterionConfig) -> str:
    return f"no tests in the report matched {_listing(criterion.tests)}"


def _all_pass_reason(status: Status, matched: Sequence[str], failing: Sequence[str]) -> str | None:
    if status is Status.FAILED:
        return f"{len(failing)} failing: {_listing(failing)}"
    if status is Status.SKIPPED:
        return _all_skipped(len(matched), "matching")
    return None


def _min_duration(suites: Sequence[_SuiteTally], bound: float) -> tuple[str | None, str]:
    """(reason, note) for ``min_duration``; ``suites`` is not empty."""
    short = sorted((s for s in suites if s.duration_s < bound), key=lambda s: s.duration_s)
    if not short:
        fastest = min(suites, key=lambda s: s.duration_s)
        if len(suites) == 1:
            return None, (
                f"suite {_short(fastest.name)} ran {_seconds(fastest.duration_s)} "
                f"(minimum {_bound(bound)})"
            )
        return None, (
            f"all {len(suites)} suites ran at least {_bound(bound)} "
            f"(shortest: {_short(fastest.name)}, {_seconds(fastest.duration_s)})"
        )
    why = "probably not talking to real services"
    if len(short) == 1:
        one = short[0]
        return (
            f"suite {_short(one.name)} ran {plural(one.tests, 'test')} in "
            f"{_seconds(one.duration_s)}, under the {_bound(bound)} minimum: {why}"
        ), ""
    listed = _listing([f"{s.name} in {_seconds(s.duration_s)}" for s in short])
    return (
        f"{len(short)} of {len(suites)} suites ran under the {_bound(bound)} minimum: "
        f"{listed}: {why}"
    ), ""


def _max_skipped(suites: Sequence[_SuiteTally], limit: SkipLimit) -> tuple[str | None, str]:
    """(reason, note) for ``max_skipped``; ``suites`` is not empty."""
    over = [s for s in suites if limit.exceeded(s.skipped, s.tests)]
    if not over:
        skipped = sum(s.skipped for s in suites)
        tests = sum(s.tests for s in suites)
        count = plural(len(suites), "suite")
        return None, (
            f"no suite skipped more than {limit} ({count}, {skipped} of {tests} tests skipped)"
        )
    if len(over) == 1:
        one = over[0]
        return (
            f"skipped {one.skipped} of {plural(one.tests, 'test')} in {_short(one.name)} "
            f"(more than {limit}): it did not really run"
        ), ""
    listed = _listing([f"{s.name} ({s.skipped} of {s.tests} skipped)" for s in over])
    return (
        f"{len(over)} of {len(suites)} suites skipped more than {limit} of their tests: "
        f"{listed}: they did not really run"
    ), ""


def _required_tests(
    criterion: CriterionConfig,
    items: Iterable[RunCase],
    status: Status,
    counts: Counts,
    failing: Sequence[str],
) -> tuple[str | None, str, tuple[str, ...]]:
    """(reason, note, missing) for ``required_tests``."""
    missing = tuple(g for g in criterion.tests if not any(matches(i, (g,)) for i in items))
    problems: list[str] = []
    if missing:
        problems.append(f"missing from the report: {_listing(missing)}")
    if status is Status.FAILED:
        problems.append(f"{len(failing)} failing: {_listing(failing)}")
    elif status is Status.SKIPPED:
        problems.append(_all_skipped(counts.skipped, "required"))
    if problems:
        return "; ".join(problems), "", missing
    note = f"every required test ran: {counts.passed + counts.flaky} passed"
    if counts.flaky:
        note += " (some only after retries)"
    if counts.skipped:
        note += f", {counts.skipped} skipped"
    return None, note, missing


def _criterion_result(items: Iterable[RunCase], criterion: CriterionConfig) -> CriterionResult:
    matched_items = [item for item in items if matches(item, criterion.tests)]
    counts = Counts()
    for item in matched_items:
        counts.add(item.case)
    status = status_of(counts)
    matched = tuple(item.case.test_id for item in matched_items)
    failing = tuple(item.case.test_id for item in matched_items if item.case.is_failure)
    reason: str | None
    note = ""
    missing: tuple[str, ...] = ()
    if criterion.kind == "required_tests":
        reason, note, missing = _required_tests(criterion, items, status, counts, failing)
    elif not matched_items:
        reason = _nothing_matched(criterion)
    elif criterion.kind == "min_duration" and criterion.min_duration is not None:
        reason, note = _min_duration(_by_suite(matched_items), criterion.min_duration)
    elif criterion.kind == "max_skipped" and criterion.max_skipped is not None:
        reason, note = _max_skipped(_by_suite(matched_items), criterion.max_skipped)
    else:
        reason = _all_pass_reason(status, matched, failing)
    return CriterionResult(
        name=criterion.name,
        status=status,
        matched=matched,
        failing=failing,
        skipped=counts.skipped,
        kind=criterion.kind,
        reason=reason,
        note=note or None,
        missing=missing,
    )


def build_criteria(items: Iterable[RunCase], campaign: CampaignConfig) -> list[CriterionResult]:
    return [_criterion_result(items, criterion) for criterion in campaign.criteria]
