"""A run's results by phase (configured, else by folder) and suite."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from bot.core.analysis.run_cases import OTHER_PHASE, RunCase, file_of, matches, suite_name
from bot.core.analysis.run_status import Status, status_of
from bot.core.config.campaign import CampaignConfig, PhaseConfig
from bot.core.reports.model import Counts


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


def _configured_phase(item: RunCase, phases: Sequence[PhaseConfig]) -> str:
    for phase in phases:
        if matches(item, phase.tests):
            return phase.name
    return OTHER_PHASE


PhaseOf = Callable[[RunCase], str]


def _folder_phases(items: Iterable[RunCase]) -> PhaseOf:
    """Phase names without config: by top-level folder under the common root.

    Cases without a path go by their report file. When every path lands in one folder
    and there are several files, each file is its own phase. Reads ``items`` once for
    the distinct paths (a few per file, not one entry per case).
    """
    files = {path for item in items if (path := file_of(item))}
    dirs = {path: PurePosixPath(path).parent.parts for path in files}
    common: tuple[str, ...] = ()
    if dirs:
        common = next(iter(dirs.values()))
        for parts in dirs.values():
            size = 0
            while size < min(len(common), len(parts)) and common[size] == parts[size]:
                size += 1
            common = common[:size]
    names = {path: "/".join(parts[: len(common) + 1]) or "." for path, parts in dirs.items()}
    if len(set(names.values())) == 1 and len(files) > 1:
        names = {path: path for path in files}

    def phase_of(item: RunCase) -> str:
        path = file_of(item)
        if path:
            return names[path]
        return item.report_path or OTHER_PHASE

    return phase_of


def phase_namer(items: Iterable[RunCase], campaign: CampaignConfig) -> PhaseOf:
    """The phase of each case: the first configured phase that matches it, else (no
    phases configured) its folder; ``items`` is read at most once, before any naming."""
    if campaign.phases:
        phases = campaign.phases
        return lambda item: _configured_phase(item, phases)
    return _folder_phases(items)


class PhaseTally:
    """A run's phases and suites, counted case by case (nothing kept per case)."""

    def __init__(self, campaign: CampaignConfig) -> None:
        self.campaign = campaign
        self.results: dict[str, PhaseResult] = {}
        self.suites: dict[tuple[str, str], SuiteResult] = {}
        for position, phase in enumerate(campaign.phases):
            priority = phase.priority if phase.priority is not None else position + 1
            self.results.setdefault(
                phase.name, PhaseResult(phase.name, priority, description=phase.description)
            )

    def add(self, item: RunCase, name: str) -> None:
        result = self.results.get(name)
        if result is None:
            result = self.results[name] = PhaseResult(name, None)
        case = item.case
        duration = case.duration_s or 0.0
        result.counts.add(case)
        result.duration_s += duration
        suite_key = (name, suite_name(item))
        suite = self.suites.get(suite_key)
        if suite is None:
            suite = self.suites[suite_key] = SuiteResult(suite_key[1])
            result.suites.append(suite)
        suite.counts.add(case)
        suite.duration_s += duration

    def ordered(self) -> list[PhaseResult]:
        """Configured phases by priority, then the others by name (``Other`` last)."""
        results = self.results
        configured = [results[p.name] for p in self.campaign.phases if p.name in results]
        seen = {p.name for p in configured}
        extra = sorted(
            (p for p in results.values() if p.name not in seen),
            key=lambda p: (p.name == OTHER_PHASE, p.name),
        )
        return sorted(configured, key=lambda p: p.priority or 0) + extra
