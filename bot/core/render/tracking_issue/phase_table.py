"""The phase table with each phase's trend, and the suites of each phase (folded)."""

from __future__ import annotations

from bot.core.analysis.history import phase_trends
from bot.core.analysis.phases import PhaseResult
from bot.core.render.tracking_issue.detail_levels import Detail
from bot.core.render.tracking_issue.issue_view import TrackingIssueView
from bot.core.render.tracking_issue.run_text import compact_counts
from bot.core.safe_markdown import code, inline, table_cell
from bot.core.text import format_duration


def _phase_row(phase: PhaseResult, trend: str) -> str:
    counts = phase.counts
    failed = counts.failed + counts.errored
    failed_cell = f"**{failed}**" if failed else "0"
    passed_cell = str(counts.passed) + (f" (+{counts.flaky} flaky)" if counts.flaky else "")
    cells = [
        f"{phase.status.icon} {table_cell(phase.name, 120)}",
        str(phase.priority) if phase.priority is not None else "—",
        str(len(phase.suites)),
        passed_cell,
        failed_cell,
        str(counts.skipped),
        format_duration(phase.duration_s),
        trend or "—",
    ]
    return "| " + " | ".join(cells) + " |\n"


def phase_blocks(view: TrackingIssueView, detail: Detail) -> list[str]:
    analysis = view.analysis
    if not analysis.phases:
        return ["### Phases\n\n_No test results in this run._\n\n"]
    trends = phase_trends(view.history, analysis.summary, max(1, view.trend_length))
    blocks = [
        "### Phases\n\n"
        "| Phase | Priority | Suites | Passed | Failed | Skipped | Duration | Trend |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|\n"
    ]
    blocks += [_phase_row(p, trends.get(p.name, "")) for p in analysis.phases]
    blocks.append(
        f"\n<sub>Trend: up to the last {view.trend_length} runs, oldest first "
        "(➖ = the phase did not run).</sub>\n\n"
    )
    if detail.suite_details and any(len(p.suites) > 1 for p in analysis.phases):
        lines = ["<details><summary>Suites by phase</summary>", ""]
        for phase in analysis.phases:
            if not phase.suites:
                continue
            lines.append(f"**{inline(phase.name, 120)}**")
            lines.append("")
            for suite in phase.suites[:100]:
                lines.append(
                    f"- {suite.status.icon} {code(suite.name, 200)} — "
                    f"{compact_counts(suite.counts)} ({format_duration(suite.duration_s)})"
                )
            if len(phase.suites) > 100:
                lines.append(f"- … and {len(phase.suites) - 100} more suites")
            lines.append("")
        lines.append("</details>")
        blocks.append("\n".join(lines) + "\n\n")
    return blocks
