"""A run's results by phase (configured, else by folder) and suite."""

from __future__ import annotations

from collections.abc import Sequence
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


def _folder_phases(items: Sequence[RunCase]) -> dict[int, str]:
    """Phase names without config: by top-level folder under the common root.

    Cases without a path go by their report file. When every path lands in one folder
    and there are several files, each file is its own phase.
    """
    dirs: dict[int, tuple[str, ...]] = {}
    files: dict[int, str] = {}
    for index, item in enumerate(items):
        path = file_of(item)
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


def build_phases(
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
        suite_key = (name, suite_name(item))
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
