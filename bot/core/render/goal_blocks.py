"""The top of the tracking issue: the campaign's definition, and its goal progress with a
chart GitHub draws (Mermaid ``xychart-beta``) and a plain line for readers without it."""

from __future__ import annotations

from bot.core.config.definition import CampaignDefinition, GoalConfig
from bot.core.safe_markdown import code, inline, link, safe_url
from bot.core.steering.goal import GoalProgress, RunPoint
from bot.core.text import plural

BAR_CELLS = 20


def goal_text(goal: GoalConfig) -> str:
    """The goal's own words, else ``1000 tests passing in all phases; every criterion met
    in 5 consecutive runs``."""
    if goal.description:
        return inline(goal.description, 500)
    parts = []
    if goal.tests_passing is not None:
        parts.append(f"{goal.tests_passing} tests passing in all phases")
    if goal.criteria_green_runs is not None:
        runs = plural(goal.criteria_green_runs, "consecutive run")
        parts.append(f"every criterion met in {runs}")
    return "; ".join(parts)


def definition_blocks(definition: CampaignDefinition) -> list[str]:
    """Mission, strategy, focus areas, business impact, owners, goal and links."""
    lines = []
    if definition.mission:
        lines.append(f"**Mission:** {inline(definition.mission, 2000)}  ")
    if definition.strategy:
        lines.append(f"**Strategy:** {inline(definition.strategy, 2000)}  ")
    if definition.focus_areas:
        areas = " · ".join(inline(area, 200) for area in definition.focus_areas)
        lines.append(f"**Focus areas:** {areas}  ")
    if definition.business_impact:
        lines.append(f"**Business impact:** {inline(definition.business_impact, 2000)}  ")
    if definition.owners:
        owners = ", ".join(code(owner.lstrip("@"), 100) for owner in definition.owners)
        lines.append(f"**Owners:** {owners}  ")
    if definition.goal is not None:
        lines.append(f"**Goal:** {goal_text(definition.goal)}  ")
    links = [link(item.label, item.url) for item in definition.links or () if safe_url(item.url)]
    if links:
        lines.append(f"**Links:** {' · '.join(links)}  ")
    return ["\n".join(lines) + "\n"] if lines else []


def progress_bar(share: float) -> str:
    filled = round(share * BAR_CELLS)
    return "`" + "█" * filled + "░" * (BAR_CELLS - filled) + "`"


def _label(point: RunPoint, index: int) -> str:
    return f'"{point.run_id if point.run_id is not None else index + 1}"'


def mermaid_chart(points: list[RunPoint], target: int | None) -> str:
    """Passed (bars) and failed (line) per run; the y axis reaches the target."""
    top = max([target or 0, *(p.total for p in points), 1])
    labels = ", ".join(_label(p, i) for i, p in enumerate(points))
    return (
        "```mermaid\n"
        "xychart-beta\n"
        '    title "Tests passed (bars) and failed (line) per run"\n'
        f"    x-axis [{labels}]\n"
        f'    y-axis "tests" 0 --> {top}\n'
        f"    bar [{', '.join(str(p.passed) for p in points)}]\n"
        f"    line [{', '.join(str(p.failed) for p in points)}]\n"
        "```\n"
    )


def fallback_line(points: list[RunPoint]) -> str:
    """The chart's data for readers without Mermaid (e-mail, the API, screen readers)."""
    passed = ", ".join(str(p.passed) for p in points)
    failed = ", ".join(str(p.failed) for p in points)
    first = points[0].run_id
    span = f"runs {first}–{points[-1].run_id}" if first is not None else "the last runs"
    return f"<sub>Passed per run ({span}, oldest first): {passed} · failed: {failed}</sub>\n"


def goal_blocks(progress: GoalProgress | None) -> list[str]:
    """The goal section; [] without a goal or a run."""
    if progress is None:
        return []
    goal, latest = progress.goal, progress.latest
    lines = ["### Goal progress", ""]
    reached = " ✅ **reached**" if progress.reached else ""
    lines.append(f"**Goal:** {goal_text(goal)}{reached}  ")
    if goal.tests_passing is not None:
        share = progress.tests_share or 0.0
        remaining = progress.tests_remaining or 0
        text = (
            f"**Tests passing:** {latest.passed} of {goal.tests_passing} "
            f"({share:.0%}) {progress_bar(share)}"
        )
        if remaining:
            text += f" — {remaining} to go"
        if latest.failed:
            text += f"; {latest.failed} failing"
        lines.append(text + "  ")
    if goal.criteria_green_runs is not None:
        runs = goal.criteria_green_runs
        if latest.criteria_total == 0:
            lines.append("**Every criterion met:** no validation criteria are configured  ")
        else:
            lines.append(
                f"**Every criterion met:** {min(progress.streak, runs)} of {runs} "
                "consecutive runs"
                + (" (the latest run missed one)" if not progress.streak else "")
                + "  "
            )
    blocks = ["\n".join(lines) + "\n\n"]
    points = list(progress.points)
    if len(points) >= 2:
        blocks.append(
            mermaid_chart(points, goal.tests_passing) + "\n" + fallback_line(points) + "\n"
        )
    return blocks
