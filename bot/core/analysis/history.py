"""A campaign's earlier runs: which came before, and each phase's trend of icons."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.analysis.run_status import Status
from bot.core.analysis.run_summary import RunSummary

TREND_LENGTH = 10


def earlier_runs(history: Sequence[RunSummary], run_id: int | None) -> list[RunSummary]:
    """``history`` without the current run, should the caller have included it."""
    return [r for r in history if run_id is None or r.run_id != run_id]


def phase_trends(
    history: Sequence[RunSummary], current: RunSummary, limit: int = TREND_LENGTH
) -> dict[str, str]:
    """Per phase of ``current``: status icons of the last ``limit`` runs, oldest first.

    ``history`` holds earlier runs, oldest first; a run without the phase shows ➖.
    """
    earlier = earlier_runs(history, current.run_id)
    runs = [*earlier[-(limit - 1) :], current] if limit > 1 else [current]
    trends: dict[str, str] = {}
    for phase in current.phases:
        icons = []
        for run in runs:
            found = next((p for p in run.phases if p.name == phase.name), None)
            icons.append(found.status.icon if found else Status.NOT_RUN.icon)
        trends[phase.name] = "".join(icons)
    return trends
