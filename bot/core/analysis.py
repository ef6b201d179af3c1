"""Per-run analysis (pure): phases, validation criteria, grouped failures, history.

:func:`analyze_run` takes the run's cases, the campaign's config and the summaries of the
campaign's previous runs, and returns a :class:`RunAnalysis`. Its ``summary`` is what the
caller stores (``Run.summary``) and hands back as history for the next runs' trends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import Any, TypeVar

from bot.core.config import CampaignConfig, CriterionConfig, PhaseConfig, SkipLimit
from bot.core.reports.model import Counts, Outcome, TestCase

_N = TypeVar("_N", int, float)

OTHER_PHASE = "Other"
SUMMARY_VERSION = 1
MAX_SUMMARY_FAILING = 500
TREND_LENGTH = 10


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    FLAKY = "flaky"  # passed, but only after retries
    SKIPPED = "skipped"  # ran nothing but skips
    NOT_RUN = "not_run"  # no matching tests in this run

    @property
    def icon(self) -> str:
        return _ICONS[self]


_ICONS = {
    Status.PASSED: "✅",
    Status.FAILED: "❌",
    Status.FLAKY: "⚠️",
    Status.SKIPPED: "⏭️",
    Status.NOT_RUN: "➖",
}


def status_of(counts: Counts) -> Status:
    if counts.failed or counts.errored:
        return Status.FAILED
    if counts.flaky:
        return Status.FLAKY
    if counts.passed:
        return Status.PASSED
    if counts.skipped:
        return Status.SKIPPED
    return Status.NOT_RUN


@dataclass(frozen=True, slots=True)
class RunCase:
    """A test case and the report file it came from."""

    case: TestCase
    report_path: str | None = None


# --- results ---------------------------------------------------------------------------


@dataclass(slots=True)
class SuiteResult:
    name: str
    counts: Counts = field(default_factory=Counts)
    duration_s: float = 0.0

    @property
    def status(self) -> Status:
        return status_of(self.counts)


@dataclass(slots=True)
class PhaseResult:
    name: str
    priority: int | None
    suites: list[SuiteResult] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    duration_s: float = 0.0
    description: str | None = None

    @property
    def status(self) -> Status:
        return status_of(self.counts)


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """A criterion's verdict. ``status`` is what the matched tests did; whether the
    criterion is met depends on its ``kind`` (see :class:`bot.core.config.CriterionConfig`)."""

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


@dataclass(slots=True)
class FindingGroup:
    """Failing tests with the same failure type and normalized first message line."""

    failure_type: str | None
    summary: str  # the normalized first line, e.g. "received <n> (internal error)"
    test_ids: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    sample_message: str = ""  # the first case's full message (untrusted; render fenced)
    errored: int = 0  # how many of the tests errored rather than failed

    @property
    def count(self) -> int:
        return len(self.test_ids)


@dataclass(frozen=True, slots=True)
class PhaseSummary:
    name: str
    status: Status
    passed: int = 0
    failed: int = 0
    errored: int = 0
    skipped: int = 0
    flaky: int = 0
    duration_s: float = 0.0
    priority: int | None = None  # a configured phase's (effective) priority


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What is kept of a run for later runs (``Run.summary``): JSON round-trips."""

    run_id: int | None
    status: Status
    counts: Mapping[str, int]
    phases: tuple[PhaseSummary, ...] = ()
    failing: tuple[str, ...] = ()  # failing test ids, capped at MAX_SUMMARY_FAILING
    finished_at: str | None = None  # ISO 8601
    commit_sha: str | None = None
    duration_s: float = 0.0
    criteria_total: int = 0
    criteria_failed: int = 0  # criteria not met

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SUMMARY_VERSION,
            "run_id": self.run_id,
            "status": self.status.value,
            "counts": dict(self.counts),
            "phases": [
                {
                    "name": p.name,
                    "status": p.status.value,
                    "passed": p.passed,
                    "failed": p.failed,
                    "errored": p.errored,
                    "skipped": p.skipped,
                    "flaky": p.flaky,
                    "duration_s": p.duration_s,
                    **({"priority": p.priority} if p.priority is not None else {}),
                }
                for p in self.phases
            ],
            "failing": list(self.failing),
            "finished_at": self.finished_at,
            "commit_sha": self.commit_sha,
            "duration_s": self.duration_s,
            "criteria_total": self.criteria_total,
            "criteria_failed": self.criteria_failed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunSummary:
        """Tolerant: unknown keys are ignored; missing or malformed ones get neutral values."""
        phases = tuple(
            PhaseSummary(
                name=str(p.get("name", OTHER_PHASE)),
                status=_status_from(p.get("status")),
                passed=_number(p.get("passed"), int),
                failed=_number(p.get("failed"), int),
                errored=_number(p.get("errored"), int),
                skipped=_number(p.get("skipped"), int),
                flaky=_number(p.get("flaky"), int),
                duration_s=_number(p.get("duration_s"), float),
                priority=_priority(p.get("priority")),
            )
            for p in _list(data.get("phases"))
            if isinstance(p, Mapping)
        )
        run_id = data.get("run_id")
        counts = data.get("counts")
        finished_at = data.get("finished_at")
        commit_sha = data.get("commit_sha")
        return cls(
            run_id=run_id if isinstance(run_id, int) and not isinstance(run_id, bool) else None,
            status=_status_from(data.get("status")),
            counts={str(k): _number(v, int) for k, v in counts.items()}
            if isinstance(counts, Mapping)
            else {},
            phases=phases,
            failing=tuple(str(t) for t in _list(data.get("failing"))),
            finished_at=finished_at if isinstance(finished_at, str) else None,
            commit_sha=commit_sha if isinstance(commit_sha, str) else None,
            duration_s=_number(data.get("duration_s"), float),
            criteria_total=_number(data.get("criteria_total"), int),
            criteria_failed=_number(data.get("criteria_failed"), int),
        )


def _priority(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _status_from(value: object) -> Status:
    try:
        return Status(str(value))
    except ValueError:
        return Status.NOT_RUN


def _number(value: object, kind: type[_N]) -> _N:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return kind(value)
    return kind(0)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(slots=True)
class RunAnalysis:
    counts: Counts
    status: Status
    phases: list[PhaseResult]
    criteria: list[CriterionResult]
    findings: list[FindingGroup]
    flaky: list[str]  # test ids that passed only after retries
    new_failures: list[str]  # failing now, not failing in the previous run
    fixed: list[str]  # failing in the previous run, passing now
    phase_by_test: dict[str, str]  # test id -> phase name (for TestResult.phase)
    duration_s: float
    summary: RunSummary


# --- phases -----------------------------------------------------------------------------


def _file_of(item: RunCase) -> str | None:
    case = item.case
    path = case.file
    if not path and "::" in case.test_id:
        head = case.test_id.split("::", 1)[0]
        if "/" in head or head.endswith(".py"):
            path = head
    return path.replace("\\", "/") if path else None


def _matches(item: RunCase, patterns: Iterable[str]) -> bool:
    case = item.case
    candidates = [c for c in (_file_of(item), case.classname, case.test_id) if c]
    return any(fnmatchcase(c, p) for p in patterns for c in candidates)


def _configured_phase(item: RunCase, phases: Sequence[PhaseConfig]) -> str:
    for phase in phases:
        if _matches(item, phase.tests):
            return phase.name
    return OTHER_PHASE


def _folder_phases(items: Sequence[RunCase]) -> dict[int, str]:
    """Phase names without config: by top-level folder under the common root.

    Cases without a path go by their report file. When every path lands in one folder
    and there are several files, each file is its own phase.
    """
    dirs: dict[int, tuple[str, ...]] = {}
    files: dict[int, str] = {}
    for index, item in enumerate(items):
        path = _file_of(item)
        if path:
            files[index] = path
            dirs[index] = PurePosixPath(path).parent.parts
    common: tuple[str, ...] = ()
    if dirs:
        first = next(iter(dirs.values()))
        common = first
        for parts in dirs.values():
            size = 0
            while size < min(len(common), len(parts)) and common[size] == parts[size]:
                size += 1
            common = common[:size]
    names: dict[int, str] = {}
    for index, parts in dirs.items():
        below = parts[: len(common) + 1]
        names[index] = "/".join(below) or "."
    if len(set(names.values())) == 1 and len(set(files.values())) > 1:
        names = dict(files)
    for index, item in enumerate(items):
        if index not in names:
            names[index] = item.report_path or OTHER_PHASE
    return names


def _suite_name(item: RunCase) -> str:
    case = item.case
    return _file_of(item) or case.suite or case.classname or item.report_path or OTHER_PHASE


def _build_phases(
    items: Sequence[RunCase], campaign: CampaignConfig
) -> tuple[list[PhaseResult], dict[str, str]]:
    results: dict[str, PhaseResult] = {}
    for position, phase in enumerate(campaign.phases):
        priority = phase.priority if phase.priority is not None else position + 1
        results.setdefault(
            phase.name, PhaseResult(phase.name, priority, description=phase.description)
        )
    if campaign.phases:
        names = {i: _configured_phase(item, campaign.phases) for i, item in enumerate(items)}
    else:
        names = _folder_phases(items)
    suites: dict[tuple[str, str], SuiteResult] = {}
    phase_by_test: dict[str, str] = {}
    for index, item in enumerate(items):
        name = names[index]
        result = results.setdefault(name, PhaseResult(name, None))
        case = item.case
        duration = case.duration_s or 0.0
        result.counts.add(case)
        result.duration_s += duration
        suite_key = (name, _suite_name(item))
        suite = suites.get(suite_key)
        if suite is None:
            suite = suites[suite_key] = SuiteResult(suite_key[1])
            result.suites.append(suite)
        suite.counts.add(case)
        suite.duration_s += duration
        phase_by_test[case.test_id] = name
    configured = [results[p.name] for p in campaign.phases if p.name in results]
    seen = {p.name for p in configured}
    extra = sorted(
        (p for p in results.values() if p.name not in seen),
        key=lambda p: (p.name == OTHER_PHASE, p.name),
    )
    ordered = sorted(configured, key=lambda p: p.priority or 0) + extra
    return ordered, phase_by_test


# --- criteria ---------------------------------------------------------------------------


NAMES_IN_REASON = 3  # suites, tests or globs named in a criterion's reason
MAX_NAME_IN_REASON = 120


def _short(text: str) -> str:
    return text if len(text) <= MAX_NAME_IN_REASON else text[: MAX_NAME_IN_REASON - 1] + "…"


def _listing(names: Sequence[str]) -> str:
    """``a, b, c (and 2 more)``."""
    shown = ", ".join(_short(n) for n in names[:NAMES_IN_REASON])
    more = len(names) - NAMES_IN_REASON
    return shown + (f" (and {more} more)" if more > 0 else "")


def _tests_word(count: int) -> str:
    return f"{count} test" if count == 1 else f"{count} tests"


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
        name = _suite_name(item)
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
            f"suite {_short(one.name)} ran {_tests_word(one.tests)} in "
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
        count = "1 suite" if len(suites) == 1 else f"{len(suites)} suites"
        return None, (
            f"no suite skipped more than {limit} ({count}, {skipped} of {tests} tests skipped)"
        )
    if len(over) == 1:
        one = over[0]
        return (
            f"skipped {one.skipped} of {_tests_word(one.tests)} in {_short(one.name)} "
            f"(more than {limit}): it did not really run"
        ), ""
    listed = _listing([f"{s.name} ({s.skipped} of {s.tests} skipped)" for s in over])
    return (
        f"{len(over)} of {len(suites)} suites skipped more than {limit} of their tests: "
        f"{listed}: they did not really run"
    ), ""


def _required_tests(
    criterion: CriterionConfig,
    items: Sequence[RunCase],
    status: Status,
    counts: Counts,
    failing: Sequence[str],
) -> tuple[str | None, str, tuple[str, ...]]:
    """(reason, note, missing) for ``required_tests``."""
    missing = tuple(g for g in criterion.tests if not any(_matches(i, (g,)) for i in items))
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


def _criterion_result(items: Sequence[RunCase], criterion: CriterionConfig) -> CriterionResult:
    matched_items = [item for item in items if _matches(item, criterion.tests)]
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


def _build_criteria(items: Sequence[RunCase], campaign: CampaignConfig) -> list[CriterionResult]:
    return [_criterion_result(items, criterion) for criterion in campaign.criteria]


# --- findings ---------------------------------------------------------------------------

_NORMALIZERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I),
        "<uuid>",
    ),
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
        ),
        "<time>",
    ),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "<date>"),
    (re.compile(r"(?<![\d:])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?"), "<time>"),
    (re.compile(r"0x[0-9a-fA-F]+"), "0x<hex>"),
    (
        re.compile(
            r"(?<![0-9a-zA-Z])(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}(?![0-9a-zA-Z])"
        ),
        "<hex>",
    ),
    (re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![\d.])"), "<ip>"),
    (re.compile(r"/tmp/[^\s'\"]+"), "<tmp>"),  # noqa: S108 - a pattern, not a path we use
    (
        re.compile(
            r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|msec|milliseconds?|s|sec|secs|seconds?"
            r"|m|min|mins|minutes?|h|hours?)(?![a-zA-Z])"
        ),
        "<duration>",
    ),
    (re.compile(r"(?<![\w.])\d+\.\d+(?![\d.])"), "<n>"),
    (re.compile(r"(?<=\bline )\d+"), "<n>"),
    (re.compile(r"(?<!\d)\d{5,}(?!\d)"), "<n>"),
    (re.compile(r"\s+"), " "),
)
MAX_SUMMARY_CHARS = 200


def first_line(case: TestCase) -> str:
    """The line that best says what went wrong: the message's first, else the trace's last."""
    for text, pick_last in ((case.message, False), (case.trace, True)):
        if text:
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if lines:
                return lines[-1] if pick_last else lines[0]
    return "(no message)"


def normalize_message(line: str) -> str:
    """Replace run-specific values (ids, times, durations, addresses) with placeholders.

    Short numbers are kept on purpose: codes like ``1011`` or ``404`` tell failures apart.
    """
    for pattern, replacement in _NORMALIZERS:
        line = pattern.sub(replacement, line)
    line = line.strip()
    if len(line) > MAX_SUMMARY_CHARS:
        line = line[: MAX_SUMMARY_CHARS - 1] + "…"
    return line


def _without_type_prefix(line: str, failure_type: str | None) -> str:
    """``pkg.mod.ConnectionClosedError: received 1011`` → ``received 1011`` (type shown apart)."""
    if not failure_type:
        return line
    short = failure_type.rsplit(".", 1)[-1]
    match = re.match(r"^[\w.]*?\b" + re.escape(short) + r":\s*", line)
    return line[match.end() :] if match and match.end() < len(line) else line


def _build_findings(
    items: Sequence[RunCase], phase_by_test: Mapping[str, str]
) -> list[FindingGroup]:
    groups: dict[tuple[str, str], FindingGroup] = {}
    for item in items:
        case = item.case
        if not case.is_failure:
            continue
        summary = normalize_message(_without_type_prefix(first_line(case), case.failure_type))
        key = (case.failure_type or "", summary)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FindingGroup(
                failure_type=case.failure_type,
                summary=summary,
                sample_message=case.message or case.trace or "",
            )
        group.test_ids.append(case.test_id)
        if case.outcome is Outcome.ERRORED:
            group.errored += 1
        phase = phase_by_test.get(case.test_id, OTHER_PHASE)
        if phase not in group.phases:
            group.phases.append(phase)
    order = {key: position for position, key in enumerate(groups)}
    return [groups[k] for k in sorted(groups, key=lambda k: (-groups[k].count, order[k]))]


# --- history ----------------------------------------------------------------------------


def _earlier(history: Sequence[RunSummary], run_id: int | None) -> list[RunSummary]:
    """``history`` without the current run, should the caller have included it."""
    return [r for r in history if run_id is None or r.run_id != run_id]


def phase_trends(
    history: Sequence[RunSummary], current: RunSummary, limit: int = TREND_LENGTH
) -> dict[str, str]:
    """Per phase of ``current``: status icons of the last ``limit`` runs, oldest first.

    ``history`` holds earlier runs, oldest first; a run without the phase shows ➖.
    """
    earlier = _earlier(history, current.run_id)
    runs = [*earlier[-(limit - 1) :], current] if limit > 1 else [current]
    trends: dict[str, str] = {}
    for phase in current.phases:
        icons = []
        for run in runs:
            found = next((p for p in run.phases if p.name == phase.name), None)
            icons.append(found.status.icon if found else Status.NOT_RUN.icon)
        trends[phase.name] = "".join(icons)
    return trends


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def analyze_run(
    cases: Sequence[RunCase],
    campaign: CampaignConfig,
    history: Sequence[RunSummary] = (),
    *,
    run_id: int | None = None,
    finished_at: datetime | None = None,
    commit_sha: str | None = None,
) -> RunAnalysis:
    """Analyze one run. ``history``: the campaign's previous runs, oldest first."""
    counts = Counts()
    for item in cases:
        counts.add(item.case)
    phases, phase_by_test = _build_phases(cases, campaign)
    failing = [item.case.test_id for item in cases if item.case.is_failure]
    passing = {
        item.case.test_id for item in cases if item.case.outcome in (Outcome.PASSED, Outcome.FLAKY)
    }
    earlier = _earlier(history, run_id)
    previous = earlier[-1] if earlier else None
    previous_failing = set(previous.failing) if previous else set()
    duration = sum(item.case.duration_s or 0.0 for item in cases)
    status = status_of(counts)
    criteria = _build_criteria(cases, campaign)
    summary = RunSummary(
        run_id=run_id,
        status=status,
        counts=counts.as_dict(),
        phases=tuple(
            PhaseSummary(
                name=p.name,
                status=p.status,
                passed=p.counts.passed,
                failed=p.counts.failed,
                errored=p.counts.errored,
                skipped=p.counts.skipped,
                flaky=p.counts.flaky,
                duration_s=round(p.duration_s, 3),
                priority=p.priority,
            )
            for p in phases
        ),
        failing=tuple(failing[:MAX_SUMMARY_FAILING]),
        finished_at=_iso(finished_at),
        commit_sha=commit_sha,
        duration_s=round(duration, 3),
        criteria_total=len(criteria),
        criteria_failed=sum(not c.met for c in criteria),
    )
    return RunAnalysis(
        counts=counts,
        status=status,
        phases=phases,
        criteria=criteria,
        findings=_build_findings(cases, phase_by_test),
        flaky=[item.case.test_id for item in cases if item.case.outcome is Outcome.FLAKY],
        new_failures=[t for t in failing if previous and t not in previous_failing],
        fixed=sorted(t for t in previous_failing if t in passing),
        phase_by_test=phase_by_test,
        duration_s=duration,
        summary=summary,
    )
